/**
 * FTPS data connections: each a TLS client connection, verified with the control connection's
 * policy and resuming its session. Passive: `connect` to the port the server named. Active:
 * listen on a port chosen now, accept the server's connection, and be the TLS client on it
 * (`connectOver`). Then the bytes: a listing into memory (bounded), a download into a file, an
 * upload from a file — each hashed with SHA-256 as it passes, with backpressure both ways.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Observable, concat, defer, finalize, from, ignoreElements, mergeMap, of, type Subscription } from 'rxjs';
import type { SecureVersion } from 'node:tls';
import { connect, connectOver, handleEach, type CaSource, type ConnectEvent, type VerificationPolicy } from '../../lib';
import type { DataNote, DataRequest, TransferOutcome } from './dialogue';

/** What every connection of the session shares: the same trust, the same policy, the same name. */
export interface DataTls {
  readonly servername: string;
  readonly ca?: CaSource;
  readonly verify?: VerificationPolicy;
  readonly minVersion?: SecureVersion;
  readonly maxVersion?: SecureVersion;
  /** Offer the control connection's session ticket (default). `false` is the negative control: servers that require reuse refuse. */
  readonly reuseSession: boolean;
  /** Milliseconds for the data connection to arrive (active) and for its TLS handshake. */
  readonly timeout: number;
}

/** The most a listing may hold: it is read into memory. */
export const MAX_LISTING_BYTES = 1024 * 1024;

/** Opens the data connection a request asks for and moves its bytes. */
export function openData(tls: DataTls, request: DataRequest): Observable<DataNote> {
  const session = tls.reuseSession && request.ticket ? { session: request.ticket } : {};
  const options = {
    ...(tls.ca !== undefined && { ca: tls.ca }),
    ...(tls.verify && { verify: tls.verify }),
    ...(tls.minVersion && { minVersion: tls.minVersion }),
    ...(tls.maxVersion && { maxVersion: tls.maxVersion }),
    handshakeTimeout: tls.timeout,
    ...session,
  };
  if (request.mode === 'passive') {
    const connection$ = connect({ host: request.host, port: request.port as number, servername: tls.servername, ...options });
    return transfer(connection$, request);
  }
  return activeConnection(request, tls.timeout, (socket) =>
    transfer(connectOver(socket, { servername: tls.servername, ...options }), request),
  );
}

/**
 * Listens on 127.0.0.1 at a port the system picks now, reports it, and takes the first
 * connection that comes from the control connection's peer (anyone else is turned away).
 */
function activeConnection(request: DataRequest, timeout: number, then: (socket: Socket) => Observable<DataNote>): Observable<DataNote> {
  return new Observable<DataNote>((subscriber) => {
    let inner: Subscription | undefined;
    const server = createServer((socket) => {
      if (socket.remoteAddress?.replace(/^::ffff:/, '') !== request.serverAddress.replace(/^::ffff:/, '')) return void socket.destroy();
      clearTimeout(timer);
      server.close();
      inner = then(socket).subscribe(subscriber);
    });
    const timer = setTimeout(() => {
      subscriber.error(new Error(`the server did not connect to the data port within ${timeout} ms`));
    }, timeout);
    server.on('error', (error) => subscriber.error(error));
    server.listen(0, '127.0.0.1', () => {
      subscriber.next({ kind: 'listening', host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    });
    return () => {
      clearTimeout(timer);
      server.close();
      inner?.unsubscribe();
    };
  });
}

/** Runs one transfer over a verified data connection; ends with `done`, or `failed` saying why. */
function transfer(connection$: Observable<ConnectEvent>, request: DataRequest): Observable<DataNote> {
  return defer(() => {
    const hash = createHash('sha256');
    let bytes = 0;
    let resumed = false;
    const listing: Buffer[] = [];
    // Opened at the first verified byte (or at a clean end, for an empty file): a rejected data
    // connection leaves no file behind.
    let file: Promise<FileHandle> | undefined;
    const target = request.task.kind === 'get' ? request.task.local : undefined;
    const opened = () => (target === undefined ? undefined : (file ??= open(target, 'w')));
    const failed = (message: string): DataNote => ({ kind: 'failed', error: new Error(message) });
    return connection$.pipe(
      handleEach(async (event) => {
        if (event.type !== 'data') return;
        hash.update(event.bytes);
        bytes += event.bytes.length;
        if (request.task.kind === 'list') {
          if (bytes > MAX_LISTING_BYTES) throw new Error(`the listing is longer than ${MAX_LISTING_BYTES} bytes`);
          listing.push(event.bytes);
        } else if (target !== undefined) await (await (opened() as Promise<FileHandle>)).write(event.bytes);
      }),
      mergeMap((event): Observable<DataNote> => {
        switch (event.type) {
          case 'connected':
            resumed = event.session.resumed;
            if (request.task.kind === 'put') {
              const local = request.task.local;
              return from(upload(local, event.writer, hash).then((n) => void (bytes = n))).pipe(ignoreElements());
            }
            return of();
          case 'certFailed':
            return of(failed(`certificate check failed: ${event.errors.map((e) => `${e.code}: ${e.reason}`).join('; ')}`));
          case 'closed': {
            const outcome: TransferOutcome = {
              bytes,
              sha256: hash.digest('hex'),
              resumed,
              ...(request.task.kind === 'list' && { body: Buffer.concat(listing) }),
            };
            if (event.error) return of(failed(`closed with an error: ${event.error.message}`));
            return concat(
              defer(() => opened()?.then((f) => f.close()) ?? Promise.resolve()).pipe(ignoreElements()),
              of<DataNote>({ kind: 'done', outcome }),
            );
          }
          default:
            return of();
        }
      }),
      finalize(() => void file?.then((f) => f.close()).catch(() => undefined)),
    );
  });
}

/** Streams a local file to the data connection with backpressure, then closes it (close_notify). */
async function upload(
  path: string,
  writer: Extract<ConnectEvent, { type: 'connected' }>['writer'],
  hash: ReturnType<typeof createHash>,
): Promise<number> {
  const file = await open(path, 'r');
  let total = 0;
  try {
    for await (const chunk of file.createReadStream({ highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      total += chunk.length;
      if (!writer.write(chunk)) await writer.drain();
    }
  } finally {
    await file.close();
  }
  writer.end();
  return total;
}
