/**
 * A Duplex of the doctor's own between a TLS socket and its TCP connection: it forwards every
 * byte both ways and keeps a copy of what the server sends, up to a bound — node:tls reads a
 * real socket's bytes in C++, where JavaScript never sees them, but it reads a Duplex's here.
 * @module
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** What the tap recorded of the server's bytes. */
export interface WireRecording {
  /** The bytes, in the chunks they came in. */
  readonly chunks: readonly Buffer[];
  /** How many bytes were kept. */
  readonly bytes: number;
  /** Whether more came than the bound, and were forwarded without being kept. */
  readonly truncated: boolean;
}

/** A tapped connection: the Duplex to give `tls.connect({ socket })`, and the recording so far. */
export interface WireTap {
  readonly duplex: Duplex;
  recording(): WireRecording;
}

/**
 * Taps `tcp` (connected): what the server sends is recorded up to `maxBytes`, then only
 * forwarded. Destroying the Duplex destroys the TCP socket.
 */
export function wireTap(tcp: Socket, maxBytes: number): WireTap {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let truncated = false;
  const duplex = new Duplex({
    read: () => void tcp.resume(),
    write: (chunk: Buffer, _encoding, done) => void tcp.write(chunk, done),
    final: (done) => {
      tcp.end();
      done();
    },
    destroy: (error, done) => {
      tcp.destroy();
      done(error);
    },
  });
  tcp.on('data', (chunk: Buffer) => {
    const room = maxBytes - bytes;
    if (chunk.length > room) truncated = true;
    if (room > 0) {
      const kept = chunk.length > room ? Buffer.from(chunk.subarray(0, room)) : chunk;
      chunks.push(kept);
      bytes += kept.length;
    }
    if (!duplex.push(chunk)) tcp.pause();
  });
  tcp.once('end', () => duplex.push(null));
  tcp.once('error', (error) => duplex.destroy(error));
  tcp.once('close', () => duplex.destroy());
  return { duplex, recording: () => ({ chunks, bytes, truncated }) };
}
