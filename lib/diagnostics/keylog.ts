/**
 * The key log: the TLS secrets of each connection in the NSS key-log format that Wireshark and
 * tshark read (`SSLKEYLOGFILE`), as Node's `'keylog'` event gives them — one line each,
 * newline-terminated: `CLIENT_RANDOM <64 hex> <hex>` for TLS 1.2, and for TLS 1.3
 * `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_HANDSHAKE_TRAFFIC_SECRET`, `CLIENT_TRAFFIC_SECRET_0`,
 * `SERVER_TRAFFIC_SECRET_0` and `EXPORTER_SECRET`, each followed by the client random and the secret.
 *
 * Anyone who holds these lines can decrypt the recorded connections, so the key log is never on
 * by default, says so loudly on stderr while it is on, and keeps its file to its owner:
 *
 * - A new file is created with mode 0600.
 * - An existing file is appended to, and left as it is — unless it is a regular file other
 *   users may read or write (any group or other bit): then the option is refused, rather than
 *   rxtls silently changing the mode of a file it did not create. Something other than a regular
 *   file (a named pipe to Wireshark, `/dev/null`) is taken as it is.
 * - The file is opened when the connection (or the server) starts and closed when it ends:
 *   no descriptor is left behind. Lines are written synchronously, so each is in the file before
 *   the handshake that produced it completes.
 *
 * Key material never appears in an error, a warning or an event: errors name the option
 * `keylog` and the path, never a line.
 * @module
 */
import type { EventEmitter } from 'node:events';
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidOptionError } from '../errors';

/**
 * Where the TLS secrets go (option `keylog`): a file path, appended to, or a function that gets
 * each line (a Buffer, newline-terminated).
 *
 * @example
 * ```ts
 * import { connect, type Keylog } from 'rxtls';
 * const keylog: Keylog = '/tmp/rxtls-keys.log'; // then in Wireshark: TLS → (Pre)-Master-Secret log filename
 * connect({ host: '127.0.0.1', port: 8443, keylog });
 * ```
 */
export type Keylog = string | ((line: Buffer) => void);

const RULE = 'must be a file path or a function (line: Buffer) => void';
const FILE_MODE = 0o600;

/** Checks the option `keylog`; throws {@link InvalidOptionError} naming it. */
export function keylogOption(options: { readonly keylog?: unknown }): Keylog | undefined {
  const value = options.keylog;
  if (value === undefined) return undefined;
  if (typeof value === 'function') return value as (line: Buffer) => void;
  if (typeof value === 'string' && value.trim() !== '' && !value.includes('\0')) return value;
  throw new InvalidOptionError('keylog', value, RULE);
}

/** Keys already warned about: once per process per file (and once for callbacks). */
const warned = new Set<string>();

function warnOnce(key: string, where: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(
    `keylog: TLS session secrets are being written to ${where}; anyone who reads them can decrypt these connections. For debugging only.`,
    { code: 'RXTLS_KEYLOG', type: 'SecurityWarning' },
  );
}

/** An open key log. */
interface KeylogSink {
  write(line: Buffer): void;
  close(): void;
}

function fileSink(path: string): KeylogSink {
  const absolute = resolve(path);
  let fd: number;
  try {
    fd = openSync(absolute, 'a', FILE_MODE);
  } catch (error) {
    throw new InvalidOptionError('keylog', path, `cannot be opened for appending: ${(error as Error).message}`, { cause: error });
  }
  const stat = fstatSync(fd);
  if (stat.isFile() && (stat.mode & 0o077) !== 0) {
    closeSync(fd);
    throw new InvalidOptionError(
      'keylog',
      path,
      `is a file other users may access (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 it, or give a new file (created with mode 600)`,
    );
  }
  warnOnce(`file:${absolute}`, absolute);
  let open = true;
  return {
    write(line) {
      for (let done = 0; open && done < line.length;) done += writeSync(fd, line, done);
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

function callbackSink(callback: (line: Buffer) => void): KeylogSink {
  warnOnce('callback', 'a keylog callback');
  return { write: (line) => callback(line), close: () => undefined };
}

/**
 * Records the secrets `source` (a `TLSSocket` or a `tls.Server`) announces in its `'keylog'`
 * events into `keylog`, until `source` closes. Throws {@link InvalidOptionError} (option
 * `keylog`) when the file cannot be opened; a later failure to write (or a callback that
 * throws) stops the recording and is handed to `failed`, as an `InvalidOptionError` that names
 * the option and never carries a secret.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:tls';
 * import { recordKeys } from './keylog';
 * recordKeys(createServer({}), '/tmp/server-keys.log', (error) => console.error(error.message));
 * ```
 */
export function recordKeys(source: EventEmitter, keylog: Keylog, failed: (error: InvalidOptionError) => void): void {
  const sink = typeof keylog === 'function' ? callbackSink(keylog) : fileSink(keylog);
  const stop = () => {
    source.off('keylog', onLine);
    sink.close();
  };
  const onLine = (line: Buffer) => {
    try {
      sink.write(line);
    } catch (error) {
      stop();
      const callback = typeof keylog === 'function';
      // Not the error's message: a callback's own error might quote the line it was given.
      failed(
        new InvalidOptionError(
          'keylog',
          callback ? '(a function)' : keylog,
          callback
            ? 'threw on a key-log line; the recording stopped'
            : `could not be written: ${(error as NodeJS.ErrnoException).code ?? 'failed'}`,
          { cause: error },
        ),
      );
    }
  };
  source.on('keylog', onLine);
  source.once('close', stop);
}
