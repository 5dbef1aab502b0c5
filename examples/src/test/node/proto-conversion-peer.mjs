// A peer of flowctl-java's format-conversion processor written outside Java: protobufjs encodes
// flow-proto v0.1.3's own messages (token_transfer.TokenTransferEvent, stellar.v1.ContractEvent)
// from their .proto files, @grpc/grpc-js sends them through the processor's Process call as a
// flowctl runner would, Arrow JS reads the batches it answers, and every row is compared with the
// message it came from, field by field. Then the batches go through a second processor mapping
// Arrow back to protobuf, and protobufjs decodes what it answers.
//   node proto-conversion-peer.mjs TO_ARROW_HOST:PORT TO_PROTO_HOST:PORT REPORT.json
// Environment: FLOWCTL_PROTO_DIR (flowctl/v1 protos), FLOW_PROTO_DIR (flow-proto's domain protos).
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { tableFromIPC } from 'apache-arrow';
import { writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const [toArrowTarget, toProtoTarget, reportFile] = process.argv.slice(2);
const env = process.env;

const definition = protoLoader.loadSync(['flowctl/v1/processor.proto'],
  { includeDirs: [env.FLOWCTL_PROTO_DIR], keepCase: true, longs: String, enums: Number, defaults: true });
const v1 = grpc.loadPackageDefinition(definition).flowctl.v1;

// flow-proto's files as they are; google/protobuf/* come with protobufjs.
const root = new protobuf.Root();
root.resolvePath = (origin, target) => {
  for (const dir of [env.FLOW_PROTO_DIR, env.FLOWCTL_PROTO_DIR]) {
    const p = path.join(dir, target);
    if (existsSync(p)) return p;
  }
  return target;
};
root.loadSync(['ingest/processors/token_transfer/token_transfer_event.proto',
  'stellar/v1/contract_events.proto'], { keepCase: true });
const TTE = root.lookupType('token_transfer.TokenTransferEvent');
const CE = root.lookupType('stellar.v1.ContractEvent');

// ---- the messages ----
const ASSETS = [null, { native: true }, { issued_asset: { asset_code: 'USDC', issuer: 'GISSUER' } }];
const KINDS = ['transfer', 'mint', 'burn', 'clawback', 'fee'];
function tokenTransfer(i) {
  const meta = {
    ledger_sequence: 50_000_000 + i,
    closed_at: { seconds: i % 17 === 0 ? -86_400 * 365 + i : 1_700_000_000 + i, nanos: (i * 7919) % 1_000_000_000 },
    tx_hash: i.toString(16).padStart(64, '0'),
    transaction_index: i % 9,
    contract_address: i % 4 === 0 ? '' : 'C' + i,
  };
  if (i % 3 !== 0) meta.operation_index = i % 5;
  const kind = KINDS[i % 5];
  const body = { amount: String(1_000_000n * BigInt(i) + 7n) };
  if (kind !== 'mint') body.from = 'GFROM' + (i % 13);
  if (kind === 'transfer' || kind === 'mint') body.to = 'GTO' + (i % 11);
  const asset = ASSETS[i % 3];
  if (asset) body.asset = asset;
  const m = { [kind]: body };
  if (i % 23 !== 5) m.meta = meta; // a few without meta: a null struct
  return TTE.fromObject(m);
}
function contractEvent(i) {
  const m = {
    meta: { ledger_sequence: 7000 + i, ledger_closed_at: String(1_700_000_000n + BigInt(i)), tx_hash: 'h' + i,
      tx_successful: i % 2 === 0, tx_index: i % 3 },
    contract_id: 'C' + i,
    event_type: ['transfer', 'mint', 'swap'][i % 3],
    topics: Array.from({ length: i % 4 }, (_, t) => ({ xdr_base64: 'AAAA' + t, json: `{"topic":${t},"é":"€"}` })),
    in_successful_tx: i % 5 !== 0,
    event_index: -i,
  };
  if (i % 2 === 1) m.data = { xdr_base64: 'BBBB' + i, json: '{"v":' + i + '}' };
  if (i % 3 === 1) m.operation_index = i;
  return CE.fromObject(m);
}

const N_TTE = 250, N_CE = 60;
const originals = { 'token_transfer.TokenTransferEvent': [], 'stellar.v1.ContractEvent': [] };
const input = [];
for (let i = 0; i < N_TTE; i++) {
  const m = tokenTransfer(i);
  originals['token_transfer.TokenTransferEvent'].push(m);
  input.push({ type: 'token_transfer.TokenTransferEvent', payload: Buffer.from(TTE.encode(m).finish()) });
  if (i < N_CE) {
    const c = contractEvent(i);
    originals['stellar.v1.ContractEvent'].push(c);
    input.push({ type: 'stellar.v1.ContractEvent', payload: Buffer.from(CE.encode(c).finish()) });
  }
}

function processCall(target, events) {
  return new Promise((resolve, reject) => {
    const client = new v1.ProcessorService(target, grpc.credentials.createInsecure(),
      { 'grpc.max_receive_message_length': 64 << 20 });
    const out = [];
    const call = client.Process();
    call.on('data', (e) => out.push(e));
    call.on('error', reject);
    call.on('end', () => { client.close(); resolve(out); });
    events.forEach((e, i) => call.write({ id: 'node-' + i, source_component_id: 'node-peer',
      content_type: e.content_type || 'application/protobuf', metadata: e.metadata || {}, ...e }));
    call.end();
  });
}

// ---- comparing an Arrow row with its message ----
const mismatches = [];
const expect = (where, got, want) => {
  const g = typeof got === 'bigint' ? got.toString() : got;
  const w = typeof want === 'bigint' ? want.toString() : want;
  if (g !== w && mismatches.length < 20) mismatches.push(`${where}: arrow ${g} != protobuf ${w}`);
};
const str = (v) => (v === undefined || v === null ? '' : v);
const nanos = (ts) => BigInt(ts.seconds.toString()) * 1_000_000_000n + BigInt(ts.nanos || 0);
const num = (v) => (v === null || v === undefined ? null : Number(v));
const big = (v) => (v === null || v === undefined ? null : BigInt(v.toString()));

// Arrow JS reads timestamp(ns) as milliseconds (a double): the test reads the raw int64 instead.
const rawInt64 = (vector, i) => {
  if (!vector.isValid(i)) return null;
  let at = i;
  for (const d of vector.data) {
    if (at < d.length) return d.values[d.offset + at];
    at -= d.length;
  }
  return undefined;
};

function checkTokenTransfer(row, m, where, closedAt) {
  if (!m.meta) {
    expect(`${where}.meta`, row.meta, null);
  } else {
    const meta = row.meta;
    expect(`${where}.meta.ledger_sequence`, num(meta.ledger_sequence), m.meta.ledger_sequence);
    expect(`${where}.meta.closed_at`, closedAt, nanos(m.meta.closed_at));
    expect(`${where}.meta.tx_hash`, meta.tx_hash, str(m.meta.tx_hash));
    expect(`${where}.meta.transaction_index`, num(meta.transaction_index), m.meta.transaction_index || 0);
    expect(`${where}.meta.operation_index`, num(meta.operation_index),
      m.meta.operation_index === undefined || m.meta.operation_index === null ? null : m.meta.operation_index);
    expect(`${where}.meta.contract_address`, meta.contract_address, str(m.meta.contract_address));
  }
  for (const kind of KINDS) {
    const want = m.event === kind ? m[kind] : null;
    const got = row[kind];
    if (!want) { expect(`${where}.${kind}`, got, null); continue; }
    if (!got) { expect(`${where}.${kind}`, null, 'present'); continue; }
    for (const f of ['from', 'to', 'amount']) {
      if (f in TTE.root.lookupType('token_transfer.' + kind[0].toUpperCase() + kind.slice(1)).fields) {
        expect(`${where}.${kind}.${f}`, got[f], str(want[f]));
      }
    }
    if (!want.asset) { expect(`${where}.${kind}.asset`, got.asset, null); continue; }
    expect(`${where}.${kind}.asset.native`, got.asset.native, want.asset.asset_type === 'native' ? true : null);
    if (want.asset.asset_type === 'issued_asset') {
      expect(`${where}.${kind}.asset.issued_asset.asset_code`, got.asset.issued_asset?.asset_code, want.asset.issued_asset.asset_code);
      expect(`${where}.${kind}.asset.issued_asset.issuer`, got.asset.issued_asset?.issuer, want.asset.issued_asset.issuer);
    } else {
      expect(`${where}.${kind}.asset.issued_asset`, got.asset.issued_asset, null);
    }
  }
}

function checkContractEvent(row, m, where) {
  expect(`${where}.meta.ledger_sequence`, num(row.meta.ledger_sequence), m.meta.ledger_sequence);
  expect(`${where}.meta.ledger_closed_at`, big(row.meta.ledger_closed_at), BigInt(m.meta.ledger_closed_at.toString()));
  expect(`${where}.meta.tx_hash`, row.meta.tx_hash, m.meta.tx_hash);
  expect(`${where}.meta.tx_successful`, row.meta.tx_successful, !!m.meta.tx_successful);
  expect(`${where}.meta.tx_index`, num(row.meta.tx_index), m.meta.tx_index || 0);
  expect(`${where}.contract_id`, row.contract_id, m.contract_id);
  expect(`${where}.event_type`, row.event_type, m.event_type);
  const topics = [...row.topics];
  expect(`${where}.topics.length`, topics.length, m.topics.length);
  topics.forEach((t, k) => {
    expect(`${where}.topics[${k}].xdr_base64`, t.xdr_base64, m.topics[k].xdr_base64);
    expect(`${where}.topics[${k}].json`, t.json, m.topics[k].json);
  });
  if (m.data) {
    expect(`${where}.data.json`, row.data?.json, m.data.json);
  } else {
    expect(`${where}.data`, row.data, null);
  }
  expect(`${where}.in_successful_tx`, row.in_successful_tx, !!m.in_successful_tx);
  expect(`${where}.event_index`, num(row.event_index), m.event_index);
  expect(`${where}.operation_index`, num(row.operation_index),
    m.operation_index === undefined || m.operation_index === null ? null : m.operation_index);
}

const arrowOut = await processCall(toArrowTarget, input);
const seen = { 'arrow_data.TokenTransferBatch': 0, 'arrow_data.ContractEventBatch': 0 };
const batchesOf = { 'arrow_data.TokenTransferBatch': [], 'arrow_data.ContractEventBatch': [] };
for (const e of arrowOut) {
  if (!(e.type in seen)) { mismatches.push('unexpected output type ' + e.type); continue; }
  batchesOf[e.type].push(e);
  const table = tableFromIPC(e.payload);
  const closed = e.type === 'arrow_data.TokenTransferBatch' ? table.getChild('meta').getChild('closed_at') : null;
  let j = 0;
  for (const row of table) {
    const i = seen[e.type]++;
    if (e.type === 'arrow_data.TokenTransferBatch') {
      checkTokenTransfer(row, originals['token_transfer.TokenTransferEvent'][i], `tte[${i}]`,
        row.meta ? rawInt64(closed, j) : null);
      j++;
    } else {
      checkContractEvent(row, originals['stellar.v1.ContractEvent'][i], `ce[${i}]`);
      j++;
    }
  }
}

// ---- Arrow back to protobuf, decoded by protobufjs ----
const back = await processCall(toProtoTarget, arrowOut.map((e) => ({ type: e.type, payload: e.payload,
  content_type: e.content_type, metadata: e.metadata })));
// defaults: true, as proto3 cannot tell a zero protobufjs wrote on purpose from one left out
const asObject = (type, m) => JSON.stringify(type.toObject(m, { longs: String, defaults: true, oneofs: true }));
const decoded = { 'token_transfer.TokenTransferEvent': 0, 'stellar.v1.ContractEvent': 0 };
for (const e of back) {
  const type = e.type === 'token_transfer.TokenTransferEvent' ? TTE : e.type === 'stellar.v1.ContractEvent' ? CE : null;
  if (!type) { mismatches.push('unexpected message type ' + e.type); continue; }
  const i = decoded[e.type]++;
  const want = asObject(type, type.decode(type.encode(originals[e.type][i]).finish()));
  const got = asObject(type, type.decode(e.payload));
  if (got !== want && mismatches.length < 20) mismatches.push(`${e.type}[${i}] back: ${got} != ${want}`);
}

writeFileSync(reportFile, JSON.stringify({
  rows: seen, batches: { tte: batchesOf['arrow_data.TokenTransferBatch'].length, ce: batchesOf['arrow_data.ContractEventBatch'].length },
  messages: decoded, mismatches,
}, null, 1));
