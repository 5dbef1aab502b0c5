/** Control-plane building blocks that a host wires into its own gRPC server. */
package io.flowctl.server;
