/**
 * The benchmark's TLS server, run in a child process so that it does not share the client's
 * event loop. It reads credentials as JSON on stdin, prints its port, and for each connection
 * reads one request line — `lines SIZE TOTAL` or `raw TOTAL` — then streams TOTAL bytes
 * (lines of SIZE bytes including CRLF, or raw bytes) as fast as the client reads, and ends.
 */
import { createServer } from 'node:tls';

function payload(kind: string, size: number): Buffer {
  if (kind === 'raw') return Buffer.alloc(256 * 1024, 0x78);
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
      const size = kind === 'lines' ? Number(a) : 0;
      const total = Number(kind === 'lines' ? b : a);
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
