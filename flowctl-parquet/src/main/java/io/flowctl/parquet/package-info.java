/**
 * Parquet files as event payloads: {@link io.flowctl.parquet.ParquetEventCodec} writes batches as
 * one Parquet file (snappy, zstd, gzip or LZ4 pages) and reads them back a column at a time,
 * checking every length a page claims; {@link io.flowctl.parquet.ParquetSchemas} converts schemas.
 * Its own module, so that a client without Parquet carries none of parquet-java or Hadoop.
 */
package io.flowctl.parquet;
