/** JMH benchmarks; each measures a baseline in the same run. */
package io.flowctl.bench;
