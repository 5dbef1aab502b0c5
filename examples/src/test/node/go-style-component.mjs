// A flow-proto component written the way a Go component built from flow-proto v0.1.3 behaves,
// in Node with @grpc/grpc-js and the raw flowctl.v1 messages (no flowctl-java code):
//   node go-style-component.mjs source     serves SourceService.StreamEvents: ROWS token-transfer
//                                           rows as google.protobuf.Struct payloads
//   node go-style-component.mjs consumer   serves ConsumerService.Consume: decodes Arrow IPC
//                                           payloads with Arrow JS and writes a report to REPORT
//   node go-style-component.mjs arrow-source
//                                           serves StreamEvents: BATCHES Arrow IPC streams (Arrow JS)
//                                           of ROWS/BATCHES token-transfer rows in the plan's TTP
//                                           schema, as the Go Arrow source sends them (no arrow.*
//                                           metadata, no schema registration); DRIFT=added adds a
//                                           nullable 'unit' column, DRIFT=retyped sends 'amount' as
//                                           utf8 instead of int64
//   node go-style-component.mjs flow-proto-source
//                                           serves StreamEvents: ROWS real flow-proto
//                                           token_transfer.TokenTransferEvent messages, encoded with
//                                           protobufjs from FLOW_PROTO_DIR's .proto files
//   node go-style-component.mjs arrow-counter
//                                           serves Consume: reads any Arrow IPC payload with Arrow JS
//                                           and writes rows per event type, and the first row, to REPORT
// Like the Go SDK it registers through flowctl.v1 with its endpoint as ":PORT" when
// ENABLE_FLOWCTL=true, and heartbeats with status UNKNOWN and string metrics.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { tableFromIPC } from 'apache-arrow';
import { row, ttpBatch } from './ttp-rows.mjs';
import { writeFileSync } from 'node:fs';

const role = process.argv[2];
const env = process.env;
const id = env.FLOWCTL_COMPONENT_ID || env.FLOWCTL_SERVICE_ID || `node-${role}`;
const port = (env.PORT || ':50051').replace(/^.*:/, '');

const definition = protoLoader.loadSync(
  ['flowctl/v1/common.proto', 'flowctl/v1/control_plane.proto', 'flowctl/v1/source.proto', 'flowctl/v1/consumer.proto'],
  { includeDirs: [env.FLOWCTL_PROTO_DIR], keepCase: true, longs: String, enums: Number, defaults: true });
const v1 = grpc.loadPackageDefinition(definition).flowctl.v1;

// ---- a few lines of protobuf encoding for google.protobuf.Struct rows ----
const varint = (n) => { const out = []; let v = BigInt(n); do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; out.push(b); } while (v); return out; };
const field = (n, wire, bytes) => [...varint((n << 3) | wire), ...bytes];
const lengthDelimited = (n, bytes) => field(n, 2, [...varint(bytes.length), ...bytes]);
const utf8 = (s) => [...Buffer.from(s, 'utf8')];
const double = (x) => { const b = Buffer.alloc(8); b.writeDoubleLE(x); return [...b]; };
// google.protobuf.Value: 1 null_value, 2 number_value, 3 string_value, 4 bool_value
const value = (v) => v === null ? field(1, 0, [0])
  : typeof v === 'number' ? field(2, 1, double(v))
  : typeof v === 'boolean' ? field(4, 0, [v ? 1 : 0])
  : lengthDelimited(3, utf8(v));
// google.protobuf.Struct: 1 map<string, Value> (entry: 1 key, 2 value)
const struct = (o) => Buffer.from(Object.entries(o).flatMap(([k, v]) => lengthDelimited(1, [...lengthDelimited(1, utf8(k)), ...lengthDelimited(2, value(v))])));


let handled = 0;
const server = new grpc.Server({ 'grpc.max_receive_message_length': 50 << 20 });
if (role === 'source') {
  const rows = Number(env.ROWS || '100');
  server.addService(v1.SourceService.service, {
    StreamEvents: (call) => {
      for (let i = 0; i < rows; i++) {
        call.write({
          id: String(i + 1),
          type: 'token_transfer.TokenTransferEvent',
          payload: struct(row(i)),
          source_component_id: id,
          content_type: 'application/protobuf',
          stellar_cursor: { ledger_sequence: String(1000 + Math.floor(i / 10)), index_in_ledger: (i % 10) + 1 },
        });
        handled++;
      }
      call.end();
    },
    GetInfo: (call, cb) => cb(null, info()),
    HealthCheck: (call, cb) => cb(null, { status: 2 }),
    GetState: (call, cb) => cb(null, {}),
    SaveState: (call, cb) => cb(null, {}),
  });
} else if (role === 'flow-proto-source') {
  const rows = Number(env.ROWS || '100');
  const { default: protobuf } = await import('protobufjs');
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => (existsSync(join(env.FLOW_PROTO_DIR, target)) ? join(env.FLOW_PROTO_DIR, target) : target);
  root.loadSync('ingest/processors/token_transfer/token_transfer_event.proto', { keepCase: true });
  const TTE = root.lookupType('token_transfer.TokenTransferEvent');
  server.addService(v1.SourceService.service, {
    StreamEvents: (call) => {
      for (let i = 0; i < rows; i++) {
        const m = TTE.fromObject({
          meta: { ledger_sequence: 1000 + Math.floor(i / 10), closed_at: { seconds: 1_767_225_600 + i }, tx_hash: 'tx' + i },
          transfer: { from: 'GFROM' + (i % 7), to: 'GTO' + (i % 11), amount: String(1_000_000_000 + i * 1000),
            asset: i % 3 === 0 ? { native: true } : { issued_asset: { asset_code: 'USDC', issuer: 'GISSUER' } } },
        });
        call.write({
          id: String(i + 1),
          type: 'token_transfer.TokenTransferEvent',
          payload: Buffer.from(TTE.encode(m).finish()),
          source_component_id: id,
          content_type: 'application/protobuf',
        });
        handled++;
      }
      call.end();
    },
    GetInfo: (call, cb) => cb(null, info()),
    HealthCheck: (call, cb) => cb(null, { status: 2 }),
    GetState: (call, cb) => cb(null, {}),
    SaveState: (call, cb) => cb(null, {}),
  });
} else if (role === 'arrow-counter') {
  server.addService(v1.ConsumerService.service, {
    Consume: (call, cb) => {
      const report = { events: 0, rows: {}, first: null, failed: 0 };
      call.on('data', (e) => {
        try {
          report.events++;
          const table = tableFromIPC(e.payload);
          report.rows[e.type] = (report.rows[e.type] || 0) + table.numRows;
          if (!report.first && table.numRows > 0) {
            report.first = JSON.parse(JSON.stringify(table.get(0).toJSON(), (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
          }
          handled++;
        } catch (err) {
          report.failed++;
        }
      });
      call.on('end', () => {
        writeFileSync(env.REPORT, JSON.stringify(report));
        cb(null, { events_consumed: String(report.events - report.failed), events_failed: String(report.failed), errors: [] });
      });
    },
    GetInfo: (call, cb) => cb(null, info()),
    HealthCheck: (call, cb) => cb(null, { status: 2 }),
  });
} else if (role === 'arrow-source') {
  const rows = Number(env.ROWS || '100');
  const batches = Number(env.BATCHES || '5');
  const drift = env.DRIFT || 'none';
  server.addService(v1.SourceService.service, {
    StreamEvents: (call) => {
      const per = Math.ceil(rows / batches);
      for (let b = 0; b < batches; b++) {
        const from = b * per;
        const to = Math.min(rows, from + per);
        call.write({
          id: String(b + 1),
          type: 'arrow_data.TTPEventBatch',
          payload: ttpBatch(from, to, drift),
          source_component_id: id,
          content_type: 'application/vnd.apache.arrow.stream',
        });
        handled++;
      }
      call.end();
    },
    GetInfo: (call, cb) => cb(null, info()),
    HealthCheck: (call, cb) => cb(null, { status: 2 }),
    GetState: (call, cb) => cb(null, {}),
    SaveState: (call, cb) => cb(null, {}),
  });
} else if (role === 'consumer') {
  server.addService(v1.ConsumerService.service, {
    Consume: (call, cb) => {
      const report = { events: 0, rows: 0, totals: {}, sources: [], ids: [], contentTypes: [], failed: 0 };
      call.on('data', (e) => {
        try {
          report.events++;
          report.ids.push(e.id);
          if (!report.sources.includes(e.source_component_id)) report.sources.push(e.source_component_id);
          if (!report.contentTypes.includes(e.content_type)) report.contentTypes.push(e.content_type);
          const table = tableFromIPC(e.payload);
          for (const r of table) {
            const t = report.totals[r.asset_code] || (report.totals[r.asset_code] = ['0', '0']);
            t[0] = String(BigInt(t[0]) + BigInt(r.transfers));
            t[1] = String(BigInt(t[1]) + BigInt(r.total_amount));
            report.rows++;
          }
          handled++;
        } catch (err) {
          report.failed++;
        }
      });
      call.on('end', () => {
        writeFileSync(env.REPORT, JSON.stringify(report));
        cb(null, { events_consumed: String(report.events - report.failed), events_failed: String(report.failed), errors: [] });
      });
    },
    GetInfo: (call, cb) => cb(null, info()),
    HealthCheck: (call, cb) => cb(null, { status: 2 }),
  });
} else {
  console.error('usage: go-style-component.mjs source|arrow-source|flow-proto-source|consumer|arrow-counter');
  process.exit(2);
}


function info() {
  return {
    id,
    name: id,
    type: role.endsWith('source') ? 1 : 3, // COMPONENT_TYPE_SOURCE, COMPONENT_TYPE_CONSUMER
    input_event_types: role === 'consumer' ? ['arrow_data.TTPAssetTotals'] : role === 'arrow-counter' ? (env.INPUT_TYPES || '').split(',').filter(Boolean) : [],
    output_event_types:
      role === 'source' || role === 'flow-proto-source' ? ['token_transfer.TokenTransferEvent'] : role === 'arrow-source' ? ['arrow_data.TTPEventBatch'] : [],
    endpoint: ':' + port, // as Go components register it
  };
}

const intervalMs = (() => {
  const m = /^(\d+)(ms|s)$/.exec(env.FLOWCTL_HEARTBEAT_INTERVAL || '10s');
  return m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : 10000;
})();

server.bindAsync('0.0.0.0:' + port, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) { console.error(err); process.exit(1); }
  console.log(`${id} (${role}) serving on :${port}`);
  if (env.ENABLE_FLOWCTL !== 'true') return;
  const cp = new v1.ControlPlaneService(env.FLOWCTL_ENDPOINT, grpc.credentials.createInsecure());
  const beat = () => cp.Heartbeat(
    { service_id: id, status: 0, metrics: { processed_count: String(handled), last_update_time: new Date().toISOString() } },
    () => {});
  const register = () => cp.RegisterComponent({ component: info(), component_id: id }, (e) => {
    if (e) { setTimeout(register, 200); return; }
    beat();
    setInterval(beat, intervalMs);
  });
  register();
});

process.on('SIGTERM', () => { server.forceShutdown(); process.exit(0); });
