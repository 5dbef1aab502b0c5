/** The flowctl command line. */
package io.flowctl.cli;
