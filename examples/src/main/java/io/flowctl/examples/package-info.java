/** The example TTP pipeline: an Arrow source, a processor and a Parquet sink. */
package io.flowctl.examples;
