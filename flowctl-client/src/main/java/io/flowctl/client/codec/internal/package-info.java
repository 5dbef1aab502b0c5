/**
 * Not part of the API: what the codecs share underneath — the LZ4 frame and zstd body codecs
 * registered through Arrow's compression factory, parallel body compression, payload byte channels
 * and the checks of an event against its {@code ArrowMetadata}.
 */
package io.flowctl.client.codec.internal;
