// A hostile HTTP/2 client written against the raw protocol (Node's built-in http2, no gRPC
// library): it opens STREAMS gRPC calls on one connection, each declaring a DECLARED-byte message
// and sending only SENT bytes of it, and never finishes them. It prints, as one JSON line, how and
// when the server ended each stream.
//
// usage: node stalled-streams.mjs HOST PORT STREAMS DECLARED SENT HOLD_MS
import http2 from "node:http2";

const [host, port, streams, declared, sent, holdMs] = process.argv.slice(2);
const total = Number(streams);
// The streams waiting for a free slot keep their bytes in this client: allow it the memory.
const session = http2.connect(`http://${host}:${port}`, { maxSessionMemory: 1024 });
const results = [];
const started = Date.now();
let printed = false;

function finish() {
  if (printed) return;
  printed = true;
  console.log(JSON.stringify({ streams: total, closed: results.length, results }));
  session.destroy();
  process.exit(0);
}

session.on("error", (e) => results.push({ sessionError: e.code || String(e) }));
// Like any well-behaved client, it learns the server's SETTINGS (its concurrent stream limit)
// before it opens streams; the streams past the limit then wait in the client.
session.once("remoteSettings", open);

function open() {
for (let i = 0; i < total; i++) {
  const req = session.request({
    ":method": "POST",
    ":path": "/flowctl.ControlPlane/Register",
    "content-type": "application/grpc",
    te: "trailers",
  });
  const r = { i };
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(0, 0);
  prefix.writeUInt32BE(Number(declared), 1);
  req.write(prefix);
  req.write(Buffer.alloc(Number(sent), 0x41));
  // The server ends a stream with its status (a trailers-only response or trailers), or resets it.
  const ended = () => {
    if (r.closedMs !== undefined) return;
    r.closedMs = Date.now() - started;
    r.rstCode = req.rstCode;
    results.push(r);
    req.end(); // the client ends its half too (an empty DATA frame with END_STREAM)
    if (results.length >= total) finish();
  };
  req.on("response", (h) => {
    if (h["grpc-status"] !== undefined) {
      r.grpcStatus = h["grpc-status"];
      r.message = decodeURIComponent(h["grpc-message"] || "");
      ended();
    }
  });
  req.on("trailers", (t) => {
    r.grpcStatus = t["grpc-status"];
    r.message = decodeURIComponent(t["grpc-message"] || "");
    ended();
  });
  req.on("error", (e) => (r.error = e.code || String(e)));
  req.on("close", ended);
  req.resume();
}
}
setTimeout(finish, Number(holdMs));
