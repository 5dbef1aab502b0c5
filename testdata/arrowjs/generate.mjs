// Writes Arrow IPC streams and files with LZ4_FRAME body compression the way Arrow JS users do:
// Arrow JS 21 with lz4js registered as its LZ4 codec. The same table is also written without
// compression, which is what the Java tests compare the decoded values with.
//
//   npm install && node generate.mjs
//
// The data is deterministic (a seeded generator), so running it again writes the same bytes.
import {
  vectorFromArray,
  Table,
  Int32,
  Float64,
  Utf8,
  RecordBatchStreamWriter,
  RecordBatchFileWriter,
  compressionRegistry,
  CompressionType,
} from 'apache-arrow';
import lz4 from 'lz4js';
import { writeFileSync } from 'node:fs';

compressionRegistry.set(CompressionType.LZ4_FRAME, {
  encode: (data) => lz4.compress(data),
  decode: (data) => lz4.decompress(data),
});

// xorshift32: reproducible noise that LZ4 cannot compress, so lz4js writes stored blocks.
let state = 0x2545f491;
const next = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
};

const BATCHES = 4;
const ROWS = 3000;
const batches = [];
for (let b = 0; b < BATCHES; b++) {
  const id = new Int32Array(ROWS);
  const amount = new Float64Array(ROWS);
  const label = [];
  const token = [];
  const note = [];
  for (let i = 0; i < ROWS; i++) {
    id[i] = b * ROWS + i; // compressible
    amount[i] = next() / 7.0 + next(); // incompressible
    label.push(['XLM', 'USDC', 'EURC', 'yXLM'][i % 4]); // compressible
    token.push(next().toString(16).padStart(8, '0') + next().toString(16).padStart(8, '0'));
    note.push(i % 5 === 0 ? null : 'payment ' + (i % 97));
  }
  const t = new Table({
    id: vectorFromArray(id, new Int32()),
    amount: vectorFromArray(amount, new Float64()),
    label: vectorFromArray(label, new Utf8()),
    token: vectorFromArray(token, new Utf8()),
    note: vectorFromArray(note, new Utf8()),
  });
  batches.push(...t.batches);
}
const table = new Table(batches);

const write = (name, bytes) => {
  writeFileSync(new URL(name, import.meta.url), bytes);
  console.log(name, bytes.length, 'bytes');
};
write('lz4js-stream.arrows', RecordBatchStreamWriter.writeAll(table, { compressionType: CompressionType.LZ4_FRAME }).toUint8Array(true));
write('lz4js-file.arrow', RecordBatchFileWriter.writeAll(table, { compressionType: CompressionType.LZ4_FRAME }).toUint8Array(true));
write('plain-stream.arrows', RecordBatchStreamWriter.writeAll(table).toUint8Array(true));

// lz4js stores a block raw only when the whole block (4 MiB) does not compress, and Arrow JS
// keeps a buffer compressed only when the frame is smaller than the buffer: a column of 4 MiB of
// noise followed by a constant gives both. The noise restarts from the seed, so a reader can
// recompute it.
state = 0x2545f491;
const NOISE_ROWS = 1 << 20; // 4 MiB of int32
const stored = new Int32Array(NOISE_ROWS + 4096);
for (let i = 0; i < stored.length; i++) {
  stored[i] = i < NOISE_ROWS ? next() | 0 : 7;
}
const storedTable = new Table({ noise: vectorFromArray(stored, new Int32()) });
write('lz4js-stored-blocks.arrows', RecordBatchStreamWriter.writeAll(storedTable, { compressionType: CompressionType.LZ4_FRAME }).toUint8Array(true));
