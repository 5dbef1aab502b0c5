// Arrow Flight peers written outside Java, for flowctl-java's Flight interop tests: Node's
// @grpc/grpc-js with Arrow Flight's own Flight.proto (FLIGHT_PROTO_DIR) and Arrow JS building and
// reading the IPC messages (FlightData data_header = the flatbuffer Message, data_body = its body).
//   node flight-peer.mjs stellar-arrow-source
//       replays withObsrvr/ttp-processor-demo's stellar-arrow-source on the wire: a Flight server on
//       ARROW_PORT (default 8815); GetFlightInfo by descriptor path (stellar_ledger by default,
//       ttp_events) answering the IPC-encapsulated schema, one endpoint whose ticket is the path
//       joined by ':' at location arrow-flight://localhost:PORT, totals -1; DoGet of
//       'stream[:start[:end]]' (a missing or non-numeric bound is 0; end 0 is live: LIVE_LEDGERS
//       ledgers, then the call stays open) writing the schema and then the record batches;
//       ListFlights, GetSchema, DoPut, DoExchange unimplemented; /health on HEALTH_PORT; and with
//       FLOWCTL_ENABLED=true its legacy flowctl.ControlPlane registration and heartbeats on
//       FLOWCTL_ENDPOINT. BREAK_AFTER=n breaks the first DoGet off after n batches (UNAVAILABLE).
//       ttp_events: 10 token-transfer rows per ledger (ledgers from 1000), BATCH_LEDGERS ledgers a
//       batch; stellar_ledger: one row per ledger.
//   node flight-peer.mjs flight-client
//       reads ENDPOINT (host:port) as a Flight client: ListFlights, GetFlightInfo([STREAM]), DoGet
//       of the endpoint's ticket (or TICKET), with TOKEN as a bearer token; writes a report (the
//       flights, the schema's fields, rows, batches, ledgers, the sum of 'amount') to REPORT.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import {
  Message, tableFromIPC, tableToIPC, vectorFromArray, makeData, Table, RecordBatch, Schema, Field,
  Struct, Uint32, Binary, FixedSizeBinary, TimestampMicrosecond,
} from 'apache-arrow';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { ttpBatch } from './ttp-rows.mjs';

const role = process.argv[2];
const env = process.env;
const loadOptions = { keepCase: true, longs: String, enums: String, defaults: true };
const flight = grpc.loadPackageDefinition(
  protoLoader.loadSync('Flight.proto', { includeDirs: [env.FLIGHT_PROTO_DIR], ...loadOptions }),
).arrow.flight.protocol;

// ---- IPC messages: an IPC stream split into (header, body), and back ----
function messages(ipc) {
  const out = [];
  const dv = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength);
  let off = 0;
  while (off + 8 <= ipc.length) {
    let len = dv.getInt32(off, true);
    let start = off + 4;
    if (len === -1) { len = dv.getInt32(off + 4, true); start = off + 8; }
    if (len === 0) break; // end of stream
    const header = ipc.subarray(start, start + len);
    const bodyLength = Number(Message.decode(header).bodyLength);
    out.push({ header, body: ipc.subarray(start + len, start + len + bodyLength), encapsulated: ipc.subarray(off, start + len) });
    off = start + len + bodyLength;
  }
  return out;
}

function stream(parts) { // FlightData (header, body) pairs as one IPC stream
  const chunks = [];
  for (const { header, body } of parts) {
    const pad = (8 - (header.length % 8)) % 8;
    const prefix = Buffer.alloc(8);
    prefix.writeInt32LE(-1, 0);
    prefix.writeInt32LE(header.length + pad, 4);
    chunks.push(prefix, header, Buffer.alloc(pad), body);
  }
  chunks.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  return Buffer.concat(chunks);
}

// ---- stellar-arrow-source's streams ----
function ledgerBatch(from, to) { // stellar_ledger rows for ledgers from..to
  const n = to - from + 1;
  const seq = Array.from({ length: n }, (_, i) => from + i);
  const hash = (l, salt) => { const b = new Uint8Array(32); b.fill(salt); new DataView(b.buffer).setUint32(0, l); return b; };
  const u32 = (f) => seq.map(f);
  const cols = [
    ['ledger_sequence', new Uint32(), seq],
    ['ledger_close_time', new TimestampMicrosecond('UTC'), seq.map((l) => Date.UTC(2026, 0, 1) + l * 5000)],
    ['ledger_hash', new FixedSizeBinary(32), seq.map((l) => hash(l, 1))],
    ['previous_ledger_hash', new FixedSizeBinary(32), seq.map((l) => hash(l - 1, 1))],
    ['transaction_count', new Uint32(), u32((l) => l % 50)],
    ['operation_count', new Uint32(), u32((l) => (l % 50) * 2)],
    ['successful_transaction_count', new Uint32(), u32((l) => l % 50 - (l % 3))],
    ['failed_transaction_count', new Uint32(), u32((l) => l % 3)],
    ['protocol_version', new Uint32(), u32(() => 22)],
    ['base_fee', new Uint32(), u32(() => 100)],
    ['base_reserve', new Uint32(), u32(() => 5000000)],
    ['max_tx_set_size', new Uint32(), u32(() => 1000)],
    ['close_time_resolution', new Uint32(), u32(() => 1)],
    ['ledger_close_meta_xdr', new Binary(), seq.map((l) => Uint8Array.from(Buffer.from('meta-' + l)))],
  ];
  const fields = cols.map(([name, type]) => new Field(name, type, false));
  const children = cols.map(([, type, values]) => vectorFromArray(values, type).data[0]);
  const data = makeData({ type: new Struct(fields), length: n, nullCount: 0, children });
  const batch = new RecordBatch(new Schema(fields), data);
  return tableToIPC(new Table(batch.schema, [batch]), 'stream');
}

const ROWS_PER_LEDGER = 10; // ttp-rows.mjs: row i is in ledger 1000 + i / 10
const STREAMS = {
  stellar_ledger: (from, to) => ledgerBatch(from, to),
  ttp_events: (from, to) => ttpBatch((from - 1000) * ROWS_PER_LEDGER, (to - 1000 + 1) * ROWS_PER_LEDGER, 'none'),
};
const schemaOf = (name) => messages(STREAMS[name](1000, 1000))[0];

function bound(parts, i) {
  const v = Number.parseInt(parts[i] ?? '', 10);
  return Number.isFinite(v) && v >= 0 && v <= 0xffffffff ? v : 0;
}

if (role === 'stellar-arrow-source') {
  const port = Number(env.ARROW_PORT || '8815');
  const healthPort = Number(env.HEALTH_PORT || '8088');
  const perBatch = Number(env.BATCH_LEDGERS || '5');
  const live = Number(env.LIVE_LEDGERS || '20');
  let breakAfter = env.BREAK_AFTER === undefined ? -1 : Number(env.BREAK_AFTER);
  let served = 0;
  const server = new grpc.Server();
  server.addService(flight.FlightService.service, {
    GetFlightInfo: (call, cb) => {
      const path = call.request.path || [];
      const name = path.length > 0 ? path[0] : 'stellar_ledger';
      const known = STREAMS[name] ? name : 'stellar_ledger'; // the Go source answers its default
      cb(null, {
        schema: Buffer.from(schemaOf(known).encapsulated),
        flight_descriptor: call.request,
        endpoint: [{ ticket: { ticket: Buffer.from(path.join(':')) }, location: [{ uri: `arrow-flight://localhost:${port}` }] }],
        total_records: '-1',
        total_bytes: '-1',
      });
    },
    DoGet: async (call) => {
      const parts = Buffer.from(call.request.ticket).toString('utf8').split(':');
      const name = STREAMS[parts[0]] ? parts[0] : 'stellar_ledger';
      let start = bound(parts, 1) || 1000;
      if (start < 1000) start = 1000;
      const end = bound(parts, 2);
      const last = end === 0 ? start + live - 1 : end;
      const breakHere = breakAfter;
      breakAfter = -1; // only the first stream breaks
      let sentSchema = false;
      let batches = 0;
      const write = (m) => new Promise((resolve) => { if (call.write(m)) resolve(); else call.once('drain', resolve); });
      for (let from = start; from <= last && !call.cancelled; from += perBatch) {
        const msgs = messages(STREAMS[name](from, Math.min(last, from + perBatch - 1)));
        if (!sentSchema) { await write({ data_header: Buffer.from(msgs[0].header) }); sentSchema = true; }
        if (breakHere >= 0 && batches === breakHere) {
          call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'the stand-in broke the stream off' });
          return;
        }
        await write({ data_header: Buffer.from(msgs[1].header), data_body: Buffer.from(msgs[1].body) });
        batches++;
        served++;
      }
      if (end === 0) return; // live: the stream stays open until the client goes
      call.end();
    },
  });
  server.bindAsync(`0.0.0.0:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) { console.error(err.message); process.exit(1); }
    console.log(`stellar-arrow-source stand-in: Flight on ${port}`);
  });
  createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'healthy', batches_served: served }));
  }).listen(healthPort);
  if (env.FLOWCTL_ENABLED === 'true') {
    const legacy = grpc.loadPackageDefinition(
      protoLoader.loadSync('flowctl/control_plane.proto', { includeDirs: [env.FLOWCTL_PROTO_DIR], ...loadOptions }),
    ).flowctl;
    const cp = new legacy.ControlPlane(env.FLOWCTL_ENDPOINT || 'localhost:8080', grpc.credentials.createInsecure());
    const seconds = Number((env.FLOWCTL_HEARTBEAT_INTERVAL || '10s').replace(/s$/, '')) || 10;
    cp.Register({
      service_type: 'SERVICE_TYPE_SOURCE',
      output_event_types: ['raw_ledger_service.RawLedgerChunk'],
      health_endpoint: `http://localhost:${healthPort}/health`,
      max_inflight: 100,
      metadata: { network: env.STELLAR_NETWORK || 'testnet', ledger_type: 'stellar', data_format: 'apache_arrow' },
    }, (err, ack) => {
      if (err) { console.error('register: ' + err.message); return; }
      const beat = () => cp.Heartbeat({
        service_id: ack.service_id,
        timestamp: { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 },
        metrics: { success_count: 1, error_count: 0, total_processed: 1, total_bytes_processed: 1024, last_successful_sequence: 1 },
      }, () => {});
      beat();
      setInterval(beat, seconds * 1000);
      console.log('registered as ' + ack.service_id);
    });
  }
  process.on('SIGTERM', () => { server.forceShutdown(); process.exit(0); });
} else if (role === 'flight-client') {
  const metadata = new grpc.Metadata();
  if (env.TOKEN) metadata.set('authorization', 'Bearer ' + env.TOKEN);
  const client = new flight.FlightService(env.ENDPOINT, grpc.credentials.createInsecure());
  const report = {};
  const collect = (call) => new Promise((resolve, reject) => {
    const items = [];
    call.on('data', (d) => items.push(d));
    call.on('error', reject);
    call.on('end', () => resolve(items));
  });
  try {
    report.flights = (await collect(client.ListFlights({}, metadata))).map((f) => f.flight_descriptor.path.join('/'));
    const info = await new Promise((resolve, reject) => client.GetFlightInfo(
      { type: 'PATH', path: [env.STREAM] }, metadata, (err, r) => (err ? reject(err) : resolve(r))));
    const schema = tableFromIPC(Buffer.concat([info.schema, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])])).schema;
    report.fields = schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable }));
    report.endpoints = info.endpoint.map((e) => ({ ticket: Buffer.from(e.ticket.ticket).toString(), locations: e.location.map((l) => l.uri) }));
    const ticket = env.TICKET || report.endpoints[0].ticket;
    const data = await collect(client.DoGet({ ticket: Buffer.from(ticket) }, metadata));
    report.messages = data.length;
    const table = tableFromIPC(stream(data.map((d) => ({ header: d.data_header, body: d.data_body }))));
    report.batches = table.batches.length;
    report.rows = table.numRows;
    const ledgers = new Set();
    let amount = 0n;
    for (const r of table) {
      if (r.ledger_sequence !== undefined) ledgers.add(r.ledger_sequence);
      if (r.amount !== undefined && r.amount !== null) amount += BigInt(r.amount);
    }
    report.ledgers = [...ledgers].sort((a, b) => a - b);
    report.amount = String(amount);
  } catch (err) {
    report.error = { code: err.code, details: err.details };
  }
  writeFileSync(env.REPORT, JSON.stringify(report));
  process.exit(0);
} else {
  console.error('usage: flight-peer.mjs stellar-arrow-source|flight-client');
  process.exit(2);
}
