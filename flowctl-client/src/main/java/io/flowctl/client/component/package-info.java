/**
 * A component's configuration as upstream's launcher sets it ({@link
 * io.flowctl.client.component.ComponentConfig#fromEnv}: {@code PORT}, {@code HEALTH_PORT}, {@code
 * FLOWCTL_ENDPOINT}, TLS files, the pipeline's Arrow settings...). The runtime that serves and
 * registers it is in {@code internal}.
 */
package io.flowctl.client.component;
