// Reads Parquet files with hyparquet (an independent JavaScript implementation, with
// hyparquet-compressors for zstd, gzip, brotli and lz4) and prints each file's rows as JSON, for
// flowctl-java's interop test of the Parquet files it writes.
//
//   node read-parquet.mjs FILE...
//
// Output: one JSON object per file, {"file", "rows": [...], "rowGroups"}; int64 values and
// timestamps in microseconds are printed as decimal strings (no precision lost), byte arrays
// that are not strings as hex.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const parsers = {
  timestampFromMicroseconds: (micros) => `${micros}us`,
  timestampFromMilliseconds: (millis) => `${millis}ms`,
};

function plain(value) {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value === undefined ? null : value;
}

for (const file of process.argv.slice(2)) {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const rows = await parquetReadObjects({ file: buffer, metadata, compressors, parsers });
  console.log(JSON.stringify({ file, rowGroups: metadata.row_groups.length, rows: rows.map(plain) }));
}
