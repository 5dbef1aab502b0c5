/**
 * Extension points other flowctl modules implement and the SDK finds with {@link
 * java.util.ServiceLoader}, so that optional weight stays out of {@code flowctl-client}: {@link
 * io.flowctl.client.spi.SourceEndpointProvider} lets {@code flowctl-flight} serve a source's
 * batches over Arrow Flight. Users do not implement these.
 */
package io.flowctl.client.spi;
