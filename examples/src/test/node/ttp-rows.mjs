// The token-transfer rows the Node peers send, in the plan's TTP schema (the schema of
// stellar-arrow-source's ttp_events stream), shared by go-style-component.mjs and flight-peer.mjs.
import {
  tableToIPC, vectorFromArray, makeData, Table, RecordBatch, Schema, Field, Struct,
  Uint32, Int64, Utf8, Bool, FixedSizeBinary, TimestampMicrosecond,
} from 'apache-arrow';

const ASSETS = ['XLM', 'USDC', 'EURC'];
export function row(i) {
  const asset = ASSETS[i % 3];
  const native = asset === 'XLM';
  return {
    ledger_sequence: 1000 + Math.floor(i / 10),
    ledger_close_time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    transaction_hash: i.toString(16).padStart(64, '0'),
    operation_index: i % 10,
    event_type: i % 5 === 4 ? 'mint' : 'transfer',
    from_account: 'GFROM' + (i % 7),
    to_account: 'GTO' + (i % 11),
    asset_code: native ? null : asset,
    asset_issuer: native ? null : 'GISSUER' + asset,
    amount: String(1_000_000_000 + i * 1000),
    amount_precision: 7,
    memo: null,
    memo_type: null,
    operation_source_account: null,
    is_native_asset: native,
    is_path_payment: false,
    path_length: null,
    fee_charged: '100',
    max_fee: '200',
  };
}

// Rows from..to-1 as one Arrow IPC stream in the TTP schema (nullability as the Go source sets it).
export function ttpBatch(from, to, drift) {
  const r = [];
  for (let i = from; i < to; i++) r.push(row(i));
  const col = (name, type, nullable, values) => ({ field: new Field(name, type, nullable), values });
  const hex = (h) => Uint8Array.from(Buffer.from(h, 'hex'));
  const cols = [
    col('ledger_sequence', new Uint32(), false, r.map((x) => x.ledger_sequence)),
    col('ledger_close_time', new TimestampMicrosecond('UTC'), false, r.map((x) => Date.parse(x.ledger_close_time))),
    col('transaction_hash', new FixedSizeBinary(32), false, r.map((x) => hex(x.transaction_hash))),
    col('operation_index', new Uint32(), false, r.map((x) => x.operation_index)),
    col('event_type', new Utf8(), false, r.map((x) => x.event_type)),
    col('from_account', new Utf8(), false, r.map((x) => x.from_account)),
    col('to_account', new Utf8(), false, r.map((x) => x.to_account)),
    col('asset_code', new Utf8(), true, r.map((x) => x.asset_code)),
    col('asset_issuer', new Utf8(), true, r.map((x) => x.asset_issuer)),
    drift === 'retyped'
      ? col('amount', new Utf8(), false, r.map((x) => x.amount))
      : col('amount', new Int64(), false, r.map((x) => BigInt(x.amount))),
    col('amount_precision', new Uint32(), false, r.map((x) => x.amount_precision)),
    col('memo', new Utf8(), true, r.map((x) => x.memo)),
    col('memo_type', new Utf8(), true, r.map((x) => x.memo_type)),
    col('operation_source_account', new Utf8(), true, r.map((x) => x.operation_source_account)),
    col('is_native_asset', new Bool(), false, r.map((x) => x.is_native_asset)),
    col('is_path_payment', new Bool(), false, r.map((x) => x.is_path_payment)),
    col('path_length', new Uint32(), true, r.map((x) => x.path_length)),
    col('fee_charged', new Int64(), false, r.map((x) => BigInt(x.fee_charged))),
    col('max_fee', new Int64(), false, r.map((x) => BigInt(x.max_fee))),
  ];
  if (drift === 'added') cols.push(col('unit', new Utf8(), true, r.map(() => 'stroops')));
  const fields = cols.map((c) => c.field);
  // (Arrow JS takes timestamps as milliseconds and stores them in the field's unit.)
  const children = cols.map((c) => vectorFromArray(c.values, c.field.type).data[0]);
  const data = makeData({ type: new Struct(fields), length: r.length, nullCount: 0, children });
  const batch = new RecordBatch(new Schema(fields), data);
  return tableToIPC(new Table(batch.schema, [batch]), 'stream');
}
