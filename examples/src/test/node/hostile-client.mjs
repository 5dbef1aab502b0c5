// A hostile client on raw HTTP/2 (Node's http2, prior knowledge, no gRPC library), for the tests
// that check a server's log stays quiet under attack:
//   node hostile-client.mjs HOST:PORT COUNT METHOD_PATH [TOKEN]
// For each of COUNT rounds it sends three refused calls, one at a time:
//   - a message to METHOD_PATH (say /flowctl.v1.ConsumerService/Consume) whose gRPC prefix
//     declares 2 GiB (refused RESOURCE_EXHAUSTED before any body);
//   - a message to METHOD_PATH of bytes that are no protobuf (refused);
//   - a call to a method that does not exist (UNIMPLEMENTED).
// With TOKEN it sends that bearer token (a wrong one: UNAUTHENTICATED). It prints one JSON line:
// the grpc-status codes seen and how many of each.
import http2 from 'node:http2';

const [target, countArg, method, token] = process.argv.slice(2);
const count = Number(countArg || '100');
// A server may end a connection that misbehaves: a new one is opened as a client would.
let session;
const connection = () => {
  if (!session || session.destroyed || session.closed) {
    session = http2.connect(`http://${target}`);
    session.on('error', () => {});
  }
  return session;
};

function call(path, body) {
  return new Promise((resolve) => {
    const headers = {
      ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers',
    };
    if (token) headers.authorization = `Bearer ${token}`;
    let req;
    try { req = connection().request(headers); } catch (e) { session = null; resolve('reset'); return; }
    let status = 'none';
    const done = () => resolve(status);
    req.on('response', (h) => { if (h['grpc-status'] !== undefined) status = h['grpc-status']; });
    req.on('trailers', (h) => { if (h['grpc-status'] !== undefined) status = h['grpc-status']; });
    req.on('data', () => {});
    req.on('end', done);
    req.on('error', done);
    req.on('close', done);
    req.setTimeout(10000, () => { req.close(); });
    req.end(body);
  });
}

const frame = (declared, bytes) => {
  const head = Buffer.alloc(5);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(declared, 1);
  return Buffer.concat([head, bytes]);
};

const seen = {};
const note = (s) => { seen[s] = (seen[s] || 0) + 1; };
for (let i = 0; i < count; i++) {
  // 2 GiB declared, 16 bytes sent
  note(await call(method, frame(0x7fffffff, Buffer.alloc(16))));
  // a declared length that matches, but the bytes are no protobuf message (a bad tag and varint)
  const junk = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  note(await call(method, frame(junk.length, junk)));
  note(await call('/flowctl.v1.NoSuchService/Nothing', frame(0, Buffer.alloc(0))));
}
if (session) session.close();
console.log(JSON.stringify(seen));
