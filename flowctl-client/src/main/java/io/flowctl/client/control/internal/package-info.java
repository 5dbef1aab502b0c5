/** Not part of the API: how a control plane address (or several replicas') becomes a target. */
package io.flowctl.client.control.internal;
