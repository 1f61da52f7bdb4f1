import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** A TCP socket seen through a stream that records when the transport itself reached its end. */
export interface WatchedTransport {
  /** What the TLS socket runs over. */
  readonly duplex: Duplex;
  /** Whether TCP delivered its end (FIN) to the TLS layer yet. */
  transportEnded(): boolean;
}

/**
 * Puts a JavaScript stream between TCP and TLS so that a TLS end of stream can be told apart
 * from a TCP one: OpenSSL reports the peer's close_notify as the TLS socket's end while TCP is
 * still open; a peer that only drops TCP (truncation) makes TLS end only after TCP did. Node's
 * own TLS socket reports both as `'end'`. The extra stream costs throughput, so it is opt-in
 * (`connect({ detectTruncation: true })`).
 */
export function watchedTransport(raw: Socket): WatchedTransport {
  let ended = false;
  const duplex = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      raw.write(chunk, callback);
    },
    final(callback) {
      raw.end();
      callback();
    },
    destroy(error, callback) {
      raw.destroy();
      callback(error);
    },
  });
  raw.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) raw.pause();
  });
  raw.on('end', () => {
    ended = true;
    duplex.push(null);
  });
  raw.on('error', (error) => duplex.destroy(error));
  raw.on('close', () => duplex.destroy());
  return { duplex, transportEnded: () => ended };
}
