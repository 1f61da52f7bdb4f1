import type {
  CertError,
  CloseTimeout,
  ConnectedEvent,
  HandshakeEvent,
  LineEvent,
  PeerInfo,
  SessionInfo,
  TlsReader,
  TlsWriter,
} from '../events';

/**
 * A {@link TlsWriter} that records what is written, for marble tests without a socket.
 *
 * @example
 * ```ts
 * import { recordingWriter } from 'rxtls/testing';
 * const writer = recordingWriter();
 * writer.write('a1 NOOP\r\n');
 * console.log(writer.written, writer.ended); // ['a1 NOOP\r\n'] false
 * writer.end({ ms: 500, option: 'logoutTimeout' });
 * console.log(writer.ended, writer.endTimeout); // true { ms: 500, option: 'logoutTimeout' }
 * ```
 */
export interface RecordingWriter extends TlsWriter {
  /** Every chunk written, in order, as strings (UTF-8) or Buffers as given. */
  readonly written: Array<string | Uint8Array>;
  /** Whether `end()` was called. */
  readonly ended: boolean;
  /** The bound the first `end()` was given (`gracefulShutdown` gives its `timeout`); `undefined` without one. */
  readonly endTimeout: CloseTimeout | undefined;
  /** Everything written, concatenated and decoded as UTF-8. */
  text(): string;
}

/**
 * Creates a {@link RecordingWriter}.
 *
 * @example
 * ```ts
 * import { recordingWriter } from 'rxtls/testing';
 * const writer = recordingWriter();
 * writer.write('a1 LOGIN\r\n');
 * console.log(writer.text()); // 'a1 LOGIN\r\n'
 * ```
 */
export function recordingWriter(): RecordingWriter {
  const written: Array<string | Uint8Array> = [];
  let ended = false;
  let endTimeout: CloseTimeout | undefined;
  return {
    written,
    get ended() {
      return ended;
    },
    get endTimeout() {
      return endTimeout;
    },
    write(chunk) {
      if (ended) return false;
      written.push(chunk);
      return true;
    },
    drain: () => Promise.resolve(),
    end(timeout) {
      // Like a real connection: the first end() starts the close and sets its bound.
      if (!ended) endTimeout = timeout;
      ended = true;
    },
    pendingBytes: 0,
    text: () => written.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'))).join(''),
  };
}

/**
 * A {@link TlsReader} that records each call that changed its state, for testing flow control
 * (`handleEach`) without a socket: `'pause'` and `'resume'`, in order.
 *
 * @example
 * ```ts
 * import { recordingReader } from 'rxtls/testing';
 * const reader = recordingReader();
 * reader.pause();
 * reader.pause(); // already paused: not recorded
 * reader.resume();
 * console.log(reader.calls, reader.paused); // ['pause', 'resume'] false
 * ```
 */
export interface RecordingReader extends TlsReader {
  /** Each call that changed the state, in order. */
  readonly calls: Array<'pause' | 'resume'>;
}

/**
 * Creates a {@link RecordingReader}.
 *
 * @example
 * ```ts
 * import { fakeConnected, recordingReader } from 'rxtls/testing';
 * const reader = recordingReader();
 * const connected = fakeConnected({ reader });
 * ```
 */
export function recordingReader(): RecordingReader {
  const calls: Array<'pause' | 'resume'> = [];
  let paused = false;
  return {
    calls,
    pause() {
      if (paused) return;
      paused = true;
      calls.push('pause');
    },
    resume() {
      if (!paused) return;
      paused = false;
      calls.push('resume');
    },
    get paused() {
      return paused;
    },
    pausable: true,
  };
}

/**
 * A plausible {@link PeerInfo} for tests; override any field.
 *
 * @example
 * ```ts
 * import { fakePeer } from 'rxtls/testing';
 * const peer = fakePeer({ subject: 'CN=imap.example.test' });
 * ```
 */
export function fakePeer(overrides: Partial<PeerInfo> = {}): PeerInfo {
  const now = Date.now();
  const base = {
    subject: 'CN=localhost',
    issuer: 'CN=rxtls test root CA',
    subjectAltNames: ['DNS:localhost', 'IP Address:127.0.0.1'],
    validFrom: new Date(now - 3_600_000),
    validTo: new Date(now + 30 * 86_400_000),
    fingerprint256: 'AA:'.repeat(31) + 'AA',
    spkiPin: `sha256/${Buffer.alloc(32, 0xaa).toString('base64')}`,
    serialNumber: '01',
    isCA: false,
    pem: '',
  };
  return { ...base, chain: [base], servername: 'localhost', remoteAddress: '127.0.0.1', remotePort: 993, ...overrides };
}

/**
 * A plausible {@link SessionInfo} for tests.
 *
 * @example
 * ```ts
 * import { fakeSession } from 'rxtls/testing';
 * const resumed = fakeSession({ resumed: true, alpn: 'imap' });
 * ```
 */
export function fakeSession(overrides: Partial<SessionInfo> = {}): SessionInfo {
  return { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', alpn: false, resumed: false, ticket: () => undefined, ...overrides };
}

/**
 * A raw handshake event, for testing policies with `verify(policy)` and no network.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { verify, strict } from 'rxtls';
 * import { fakeHandshake } from 'rxtls/testing';
 * of(fakeHandshake()).pipe(verify(strict())).subscribe((e) => console.log(e.type)); // connected
 * ```
 */
export function fakeHandshake(
  overrides: { peer?: PeerInfo; session?: SessionInfo; problems?: readonly CertError[]; writer?: TlsWriter; reader?: TlsReader } = {},
): HandshakeEvent {
  const writer = overrides.writer ?? recordingWriter();
  return {
    reader: overrides.reader ?? recordingReader(),
    type: 'handshake',
    peer: overrides.peer ?? fakePeer(),
    session: overrides.session ?? fakeSession(),
    problems: overrides.problems ?? [],
    accept: () => writer,
  };
}

/**
 * A `connected` event with a {@link RecordingWriter} and a {@link RecordingReader}, for marble tests of operators and dialogues.
 *
 * @example
 * ```ts
 * import { fakeConnected } from 'rxtls/testing';
 * const connected = fakeConnected();
 * connected.writer.write('hello');
 * ```
 */
export function fakeConnected(
  overrides: { peer?: PeerInfo; session?: SessionInfo; writer?: TlsWriter; reader?: TlsReader } = {},
): ConnectedEvent {
  return {
    type: 'connected',
    verifiedBy: 'policy',
    peer: overrides.peer ?? fakePeer(),
    session: overrides.session ?? fakeSession(),
    writer: overrides.writer ?? recordingWriter(),
    reader: overrides.reader ?? recordingReader(),
  };
}

/**
 * A `line` event.
 *
 * @example
 * ```ts
 * import { fakeLine } from 'rxtls/testing';
 * fakeLine('* OK ready'); // { type: 'line', text: '* OK ready' }
 * ```
 */
export function fakeLine(text: string): LineEvent {
  return { type: 'line', text };
}
