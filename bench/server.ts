/**
 * The benchmark's TLS server, run in a child process so that it does not share the client's
 * event loop. It reads credentials as JSON on stdin, prints its port, and for each connection
 * reads one request line — `lines SIZE TOTAL`, `frames SIZE TOTAL` or `raw TOTAL` — then streams
 * TOTAL bytes (lines of SIZE bytes including CRLF; frames of a SIZE-byte body after a 4-byte
 * big-endian length, as many whole ones as fit in TOTAL; or raw bytes) as fast as the client
 * reads, and ends.
 */
import { createServer } from 'node:tls';

function payload(kind: string, size: number): Buffer {
  if (kind === 'raw') return Buffer.alloc(256 * 1024, 0x78);
  if (kind === 'frames') {
    const frame = Buffer.alloc(4 + size, 0x66);
    frame.writeUInt32BE(size, 0);
    return Buffer.concat(Array.from({ length: Math.max(1, Math.floor((256 * 1024) / frame.length)) }, () => frame));
  }
  const line = Buffer.alloc(size, 0x61);
  line[size - 2] = 0x0d;
  line[size - 1] = 0x0a;
  // ~256 KiB of whole lines
  return Buffer.concat(Array.from({ length: Math.floor((256 * 1024) / size) }, () => line));
}

let input = '';
process.stdin.on('data', (chunk: Buffer) => (input += chunk.toString()));
process.stdin.on('end', () => {
  const { cert, key } = JSON.parse(input) as { cert: string; key: string };
  const server = createServer({ cert, key }, (socket) => {
    socket.on('error', () => undefined);
    let request = '';
    const onData = (chunk: Buffer) => {
      request += chunk.toString();
      const end = request.indexOf('\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.resume();
      const [kind = 'raw', a = '0', b = '0'] = request.slice(0, end).trim().split(' ');
      const size = kind === 'lines' || kind === 'frames' ? Number(a) : 0;
      const requested = Number(kind === 'lines' || kind === 'frames' ? b : a);
      // Frames: whole ones only, so that every piece sent ends on a frame boundary.
      const total = kind === 'frames' ? Math.floor(requested / (4 + size)) * (4 + size) : requested;
      const block = payload(kind, size);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          const piece = total - sent >= block.length ? block : block.subarray(0, total - sent);
          sent += piece.length;
          if (!socket.write(piece)) return void socket.once('drain', pump);
        }
        socket.end();
      };
      pump();
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  // The parent closes our stdin's sibling pipe by killing us; stop if it disappears.
  process.on('disconnect', () => process.exit(0));
});
