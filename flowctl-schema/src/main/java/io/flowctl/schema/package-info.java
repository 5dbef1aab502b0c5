/**
 * Arrow schema identity (canonical form and fingerprints), compatibility checking and projection of
 * batches between compatible schemas.
 */
package io.flowctl.schema;
