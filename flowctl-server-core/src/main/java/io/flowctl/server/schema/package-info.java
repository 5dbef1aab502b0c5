/**
 * The schema registry: {@link io.flowctl.server.schema.SchemaRegistry} keeps the versions of each
 * subject in a {@link io.flowctl.server.schema.SchemaStore}, holds them to the subject's policy and
 * mode, and refuses a version a live consumer ({@link io.flowctl.server.schema.LiveReaders}) could
 * not read under the reader model it declared.
 */
package io.flowctl.server.schema;
