import { connect, type Socket } from 'node:net';
import { Duplex, type Readable } from 'node:stream';

/** A TCP socket seen through a stream that records when the transport itself reached its end. */
export interface WatchedTransport {
  /** What the TLS socket runs over. */
  readonly duplex: Duplex;
  /** The TCP socket underneath: for its `'connect'` and `'error'` events. */
  readonly tcp: Socket;
  /**
   * Whether TCP's end (FIN) reached the TLS layer before TLS ended its stream: `true` means the
   * peer closed TCP without a close_notify first (a truncation). Needs {@link carry}.
   */
  readonly transportEnded: () => boolean;
  /** Names the TLS socket that runs over {@link duplex}, so that its end can be compared with TCP's. */
  carry(tls: Readable): void;
}

/**
 * How much TCP reads at a time into a {@link watchedConnection}'s buffer: what Node reads into
 * for a socket of its own (64 KiB), so TLS gets whole records in few calls.
 */
const READ_SIZE = 64 * 1024;

/**
 * Puts a JavaScript stream between TCP and TLS so that a TLS end of stream can be told apart
 * from a TCP one: OpenSSL reports the peer's close_notify as the TLS socket's end while TCP is
 * still open; a peer that only drops TCP (truncation) makes TLS end only after TCP did. Node's
 * own TLS socket reports both as `'end'`. The extra stream costs throughput, so it is opt-in
 * (`connect({ detectTruncation: true })`). This one wraps a socket that exists already (STARTTLS);
 * {@link watchedConnection} opens its own and costs less.
 */
export function watchedTransport(raw: Socket): WatchedTransport {
  const watched = watch(raw, () => raw.resume());
  raw.on('data', (chunk: Buffer) => {
    if (!watched.duplex.push(chunk)) raw.pause();
  });
  return watched;
}

/**
 * Opens a TCP connection for {@link watchedTransport}'s purpose, reading into a buffer it
 * reuses (Node's `onread`) instead of a fresh 64 KiB Buffer a read, each then collected.
 *
 * Reuse is safe because a read is lent to the TLS layer only for as long as it takes: Node's
 * wrapper around a JavaScript stream (JSStreamSocket) copies each `'data'` chunk into OpenSSL
 * as it is emitted. A chunk the duplex queues instead (TLS is not reading: backpressure) keeps
 * its buffer, and the next read goes to a new one.
 */
export function watchedConnection(options: { readonly host: string; readonly port: number }): WatchedTransport {
  let buffer = new Uint8Array(READ_SIZE);
  let lent = false;
  const raw = connect({
    host: options.host,
    port: options.port,
    onread: {
      // Called once before the first read, then after each: the buffer the next read goes to.
      buffer: () => {
        if (lent) {
          buffer = new Uint8Array(READ_SIZE);
          lent = false;
        }
        return buffer;
      },
      callback: (bytes: number, into: Uint8Array) => {
        // `watched` is set below, before the socket can read anything.
        const duplex = watched.duplex;
        const queued = duplex.readableLength;
        if (!duplex.push(Buffer.from(into.buffer, into.byteOffset, bytes))) raw.pause();
        // Queued rather than emitted at once: this buffer is the queue's until the TLS layer reads it.
        if (duplex.readableLength > queued) lent = true;
        return true;
      },
    },
  });
  const watched = watch(raw, () => raw.resume());
  return watched;
}

/** The duplex over `raw`, and TCP's end, error and close forwarded to it; `read` asks for more. */
function watch(raw: Socket, read: () => void): WatchedTransport {
  let tls: Readable | undefined;
  let endedFirst = false;
  const duplex = new Duplex({
    read,
    write(chunk: Buffer, _encoding, callback) {
      // TCP already gone both ways (the peer closed): what TLS still says (its close_notify) has nowhere to go.
      if (raw.destroyed) callback();
      else raw.write(chunk, callback);
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
  // TCP's end reaches TLS when TLS has read every byte before it, which a paused consumer
  // delays: judge then, not when TCP ended. Whether TLS had already ended its stream is whether
  // the peer sent close_notify first. (Private, read only here; spec/certificates/node-internals.spec.ts
  // fails on any Node line where it moved.)
  duplex.prependListener('end', () => {
    endedFirst = !(tls as { _readableState?: { ended?: boolean } } | undefined)?._readableState?.ended;
  });
  raw.on('end', () => duplex.push(null));
  raw.on('error', (error) => duplex.destroy(error));
  // TCP closed: the TLS socket closes with the duplex. After a FIN, not before TLS delivered
  // everything that came before it to its consumer, which may be pausing (its 'end'); without a
  // FIN seen, at once, as a TCP socket of Node's own would.
  raw.on('close', () => {
    if (!raw.readableEnded || !tls || tls.readableEnded) duplex.destroy();
    else tls.once('end', () => setImmediate(() => duplex.destroy()));
  });
  return {
    duplex,
    tcp: raw,
    transportEnded: () => endedFirst,
    carry: (socket) => {
      tls = socket;
    },
  };
}
