import { X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect as tlsConnect, type ConnectionOptions, type DetailedPeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import { isIP, type Socket } from 'node:net';
import { Observable, type Subscriber, type Subscription } from 'rxjs';
import { loadCa } from '../certificates/ca';
import { defaultTrustAnchors, type TrustAnchors } from '../certificates/certificate-checks';
import { handshakeFacts } from '../certificates/handshake-facts';
import { DEFAULT_CIPHERS } from '../defaults';
import { InvalidOptionError, TransportError, type TransportErrorCode } from '../errors';
import type { ClosedEvent, DataEvent, HandshakeEvent, HandshakeFacts } from '../events';
import type { ResolvedConnectOptions } from './connect-options';
import { sessionInfo } from '../certificates/peer-info';
import { secureContextFor } from '../certificates/secure-context-cache';
import { timerSet, type TimerSet } from '../util/timer-set';
import { establishedConnection } from '../transport/established-connection';
import { keepAliveOn } from '../transport/keep-alive';
import { watchedConnection, watchedTransport, type WatchedTransport } from '../transport/watched-transport';
import { recordKeys } from '../diagnostics/keylog';
import { abortedError, onAbort } from '../util/abort-signal';
import { handshakeMessage, publish } from '../util/diagnostics-channels';
import { dial } from './dial/dial';

const noop = () => undefined;

/** The raw handshake of `openTls`, which can also hand its verified socket over to another layer. */
export interface ReleasableHandshake extends HandshakeEvent {
  /**
   * Instead of `accept()`: gives the socket, unread, to the caller, who owns it from now on
   * (unsubscribing no longer destroys it). For protocols layered on TLS by another library (ws).
   */
  release(): ReleasedSocket;
}

/** A verified socket handed over by `release()`. */
export interface ReleasedSocket {
  readonly socket: TLSSocket;
  /**
   * With `detectTruncation`: whether TCP had already ended when TLS did. Asked on the socket's
   * 'end', `true` means the peer closed without close_notify (the data may be truncated).
   */
  readonly transportEnded?: () => boolean;
}

/** What `openTls` emits. */
export type OpenedTlsEvent = ReleasableHandshake | DataEvent | ClosedEvent;

/** What each ticket's original handshake established, for resumed sessions (which carry no certificate). */
const factsByTicket = new WeakMap<Buffer, HandshakeFacts>();

/**
 * The transport under `connect()`: opens one TLS socket per subscription and emits the raw
 * handshake, then — only after the handshake's `accept()` — `data`, then `closed`. Node's own
 * rejection is off (`rejectUnauthorized: false`) so that the verification policy sees every
 * problem; the socket is not read from, and nothing is written, until the policy accepted.
 * Failures before the handshake are error notifications ({@link TransportError}).
 */
export function openTls(options: ResolvedConnectOptions, over?: Socket): Observable<OpenedTlsEvent> {
  return new Observable<OpenedTlsEvent>((subscriber) => {
    const { signal, host, port } = options;
    if (signal?.aborted) {
      subscriber.error(abortedError(signal, host, port, 'before connecting'));
      return;
    }
    // Until the handshake is done an abort is this Observable's error; then the established connection's.
    const attempt = new Attempt(
      signal ? onAbort(signal, () => subscriber.error(abortedError(signal, host, port, 'before the TLS handshake finished'))) : noop,
    );
    publish('connect', () => ({ role: 'client', host, port, offersSession: options.session !== undefined }));
    contextFor(options).then(
      ({ context, anchors }) => {
        if (attempt.torn) return;
        const begin = (tcp: Socket | undefined) => {
          attempt.socket = start(options, context, anchors, subscriber, attempt, tcp);
        };
        // An IP address without a proxy or resolver needs no dialer: node:tls connects it, as fast as ever.
        if (over || !needsDialer(options)) return begin(over);
        // A key-log file that cannot be kept fails before any connection, as on the path without a dialer.
        if (typeof options.keylog === 'string') {
          try {
            const probe = new EventEmitter();
            recordKeys(probe, options.keylog, noop);
            probe.emit('close');
          } catch (error) {
            return subscriber.error(error);
          }
        }
        attempt.dialing = dial(options).subscribe({
          next: (tcp) => {
            tcp.on('error', noop); // the TLS socket over it reports the connection's errors
            keepAliveOn(tcp, options.keepAlive); // connected already: start()'s 'connect' listener will not see it
            begin(tcp);
          },
          error: (error: unknown) => subscriber.error(error),
        });
      },
      (error: unknown) => subscriber.error(error),
    );
    return attempt;
  });
}

/**
 * One subscription's attempt, and its teardown: an object rather than a closure, so that an open
 * connection's subscription keeps neither the options nor the attempt's closures alive.
 */
class Attempt {
  socket: TLSSocket | undefined;
  dialing: Subscription | undefined;
  torn = false;
  /** The socket was handed over (`release()`): it is no longer ours to destroy. */
  released = false;
  readonly timers: TimerSet = timerSet();

  constructor(private stopAbort: () => void) {}

  /** The handshake is done: from now on an abort is the established connection's. */
  established(): void {
    this.stopAbort();
    this.stopAbort = noop;
  }

  unsubscribe(): void {
    this.torn = true;
    this.established();
    this.timers.clear();
    this.dialing?.unsubscribe();
    // The socket's own listeners stay: its 'error' listener keeps late errors from reaching the
    // host process, its 'close' releases writers waiting in drain(), and a closed subscriber
    // ignores whatever they emit. They go with the destroyed socket.
    if (!this.released) this.socket?.destroy();
  }
}

/** Whether the TCP connection needs the dialer: a proxy, a resolver, or a name whose every address is to be tried. */
function needsDialer(options: ResolvedConnectOptions): boolean {
  return options.proxy !== undefined || options.lookup !== undefined || isIP(options.host) === 0;
}

/** Names the option OpenSSL could not use: a certificate that does not parse, else the key or its passphrase. */
function credentialError(options: ResolvedConnectOptions, error: Error): InvalidOptionError {
  let option = 'tls';
  if (options.cert !== undefined) {
    try {
      new X509Certificate(options.cert);
      option = blamesPassphrase(options.key, error) ? 'passphrase' : 'key';
    } catch {
      option = 'cert';
    }
  }
  const value = option === 'cert' ? options.cert : option === 'tls' ? options.tls : '(hidden)';
  return new InvalidOptionError(option, value, `cannot be used: ${error.message}`, { cause: error });
}

/** A PEM key that needs a passphrase: PKCS#8 `ENCRYPTED PRIVATE KEY`, or a legacy key with a `Proc-Type: 4,ENCRYPTED` header. */
const ENCRYPTED_PEM_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type: *4,ENCRYPTED/m;

/**
 * Whether the passphrase is why the key could not be used. OpenSSL usually says "bad decrypt", but
 * a wrong passphrase can also decrypt to bytes that happen to end in valid padding (about one try in
 * 256, as the salt is random); it then reports a decoding error instead. An encrypted key that does
 * not load is the passphrase's fault either way, unless it loaded and does not match the certificate.
 */
function blamesPassphrase(key: string | Buffer | undefined, error: Error): boolean {
  if (/bad decrypt|passphrase/i.test(error.message)) return true;
  if (key === undefined || /key values mismatch/i.test(error.message)) return false;
  return ENCRYPTED_PEM_KEY.test(typeof key === 'string' ? key : key.toString('latin1'));
}

interface PreparedContext {
  readonly context: SecureContext;
  readonly anchors: () => TrustAnchors;
}

async function contextFor(options: ResolvedConnectOptions): Promise<PreparedContext> {
  const ca = options.ca === undefined ? undefined : await loadCa(options.ca);
  let context: SecureContext;
  try {
    context = secureContextFor({
      ...options.tls,
      ...(ca && { ca: [...ca.pems] }),
      ...(options.cert !== undefined && { cert: options.cert, key: options.key, passphrase: options.passphrase }),
      minVersion: options.minVersion,
      ciphers: options.tls.ciphers ?? DEFAULT_CIPHERS,
      ...(options.maxVersion && { maxVersion: options.maxVersion }),
    });
  } catch (error) {
    throw credentialError(options, error as Error);
  }
  const anchors: () => TrustAnchors = ca ? () => ca.certificates : defaultTrustAnchors;
  return { context, anchors };
}

/*
 * What outlives the handshake holds only what it needs. V8 gives all the closures of one function
 * a single context, so a listener or callback made inside start() would keep every variable any of
 * its closures captured alive for the connection's life (Node keeps the connect options, and so
 * checkServerIdentity, as long as the socket). These helpers make those closures over small objects.
 */

/** Where checkServerIdentity leaves the peer's chain, until the handshake reads it. */
interface PeerCertificateBox {
  certificate?: DetailedPeerCertificate | undefined;
}

/** rxtls checks the name itself (certificate-checks.ts), so that it can report it with the rest. */
function keepPeerCertificate(box: PeerCertificateBox): NonNullable<ConnectionOptions['checkServerIdentity']> {
  // Node reads the peer's chain to call this (when OpenSSL accepted it): keep it, not read it twice.
  return (_name, certificate) => {
    box.certificate = certificate as DetailedPeerCertificate; // Node passes getPeerCertificate(true)
    return undefined;
  };
}

/** The latest session ticket the server sent, and the facts of the handshake that ticket resumes. */
interface Tickets {
  latest?: Buffer | undefined;
  facts?: HandshakeFacts | undefined;
}

function keepTickets(socket: TLSSocket, tickets: Tickets): () => Buffer | undefined {
  socket.on('session', (session: Buffer) => {
    tickets.latest = session;
    if (tickets.facts) factsByTicket.set(session, tickets.facts);
  });
  return () => tickets.latest;
}

function start(
  options: ResolvedConnectOptions,
  secureContext: SecureContext,
  anchors: () => TrustAnchors,
  subscriber: Subscriber<OpenedTlsEvent>,
  attempt: Attempt,
  over: Socket | undefined,
): TLSSocket {
  const { host, port, servername } = options;
  const { timers } = attempt;
  const peerCertificate: PeerCertificateBox = {};
  const connectOptions: ConnectionOptions = {
    ...options.tls,
    host,
    port,
    secureContext,
    rejectUnauthorized: false,
    checkServerIdentity: keepPeerCertificate(peerCertificate),
    ...(isIP(servername) === 0 && { servername }),
    ...(options.alpn && { ALPNProtocols: [...options.alpn] }),
    ...(options.session && { session: options.session }),
  };
  let socket: TLSSocket;
  let transport: WatchedTransport | undefined;
  let tcp: EventEmitter;
  try {
    if (options.detectTruncation) {
      transport = over ? watchedTransport(over) : watchedConnection({ host, port });
      const raw = transport.tcp;
      raw.on('error', noop); // reported through the TLS socket, which the watched transport forwards it to
      tcp = raw;
      socket = tlsConnect({ ...connectOptions, socket: transport.duplex });
      transport.carry(socket);
    } else if (over) {
      socket = tlsConnect({ ...connectOptions, socket: over });
      tcp = over;
    } else {
      socket = tlsConnect(connectOptions);
      tcp = socket;
    }
  } catch (error) {
    subscriber.error(
      new TransportError('ERR_RXTLS_CONNECT_FAILED', host, port, `could not start the TLS connection: ${(error as Error).message}`, {
        cause: error,
      }),
    );
    return undefined as never;
  }
  if (options.keylog !== undefined) {
    try {
      recordKeys(socket, options.keylog, (error) => subscriber.error(error));
    } catch (error) {
      socket.destroy(); // before a byte was sent: the key log the user asked for cannot be kept
      subscriber.error(error);
      return socket;
    }
  }
  const fail = (code: TransportErrorCode | (string & {}), message: string, cause?: unknown) => {
    subscriber.error(new TransportError(code, host, port, message, { cause }));
  };
  let handshakeDone = false;

  let handshakeStarted = 0;
  const startHandshakeTimer = () => {
    handshakeStarted = performance.now();
    const handshakeTimer = timers.after(options.handshakeTimeout, () =>
      fail('ERR_RXTLS_HANDSHAKE_TIMEOUT', `TLS handshake did not finish within ${options.handshakeTimeout} ms (option handshakeTimeout)`),
    );
    socket.once('secureConnect', () => {
      timers.cancel(handshakeTimer);
    });
  };
  if (over) {
    // Upgrading a connected socket in band (STARTTLS): the handshake starts now.
    startHandshakeTimer();
  } else {
    const connectTimer = timers.after(options.connectTimeout, () =>
      fail('ERR_RXTLS_CONNECT_TIMEOUT', `connect timed out after ${options.connectTimeout} ms (option connectTimeout)`),
    );
    tcp.once('connect', () => {
      timers.cancel(connectTimer);
      keepAliveOn(tcp, options.keepAlive);
      startHandshakeTimer();
    });
  }
  let facts: HandshakeFacts | undefined;
  const tickets: Tickets = {};
  const latestTicket = keepTickets(socket, tickets);
  let stapledOcsp: Buffer | undefined; // with requestOCSP: the server's stapled response, judged by revocation()
  if (options.requestOCSP) socket.once('OCSPResponse', (response: Buffer) => (stapledOcsp = response));
  const onHandshakeError = (error: NodeJS.ErrnoException) => {
    if (!handshakeDone) fail(error.code ?? 'ERR_RXTLS_HANDSHAKE_FAILED', describe(error, options), error);
  };
  socket.on('error', onHandshakeError);
  const closedEarly = () => {
    // 'error' has normally reported it already; error() after error() is a no-op.
    fail('ECONNRESET', 'connection closed before the TLS handshake finished');
  };
  socket.once('close', closedEarly);
  socket.once('secureConnect', () => {
    handshakeDone = true;
    socket.off('close', closedEarly); // an open connection holds only what it still needs
    try {
      facts = handshakeFacts(socket, {
        servername,
        anchors,
        trustScope: secureContext,
        ...(peerCertificate.certificate && { peerCertificate: peerCertificate.certificate }),
        ...(stapledOcsp && { stapledOcsp }),
      });
      peerCertificate.certificate = undefined; // read once; kept, it would hold the whole parsed chain for the connection's life
    } catch (error) {
      fail('ERR_RXTLS_PEER_CERTIFICATE_UNREADABLE', `could not read the peer's certificate: ${(error as Error).message}`, error);
      return;
    }
    if (!facts && socket.isSessionReused() && options.session) {
      // TLS 1.3 resumption sends no certificate: judge the peer as it was when the ticket was issued.
      facts = factsByTicket.get(options.session);
    }
    if (!facts) {
      fail(
        'ERR_RXTLS_NO_PEER_CERTIFICATE',
        socket.isSessionReused()
          ? 'the session was resumed without a certificate, and the ticket (option session) was not issued to this process'
          : 'the server presented no certificate',
      );
      return;
    }
    const { maxPendingWriteBytes, closeTimeout, idleTimeout, signal } = options;
    tickets.facts = facts;
    const session = sessionInfo(socket, latestTicket);
    publish('handshake', () => handshakeMessage('client', host, port, handshakeStarted, session, facts?.peer.validTo));
    attempt.established();
    const connection = establishedConnection(socket, subscriber, {
      role: 'client',
      maxPendingWriteBytes,
      closeTimeout,
      idleTimeout,
      signal,
      host,
      port,
      ...(transport && { transportEnded: transport.transportEnded }),
    });
    socket.off('error', onHandshakeError); // the established connection's own listener reports errors from now on
    subscriber.next({
      type: 'handshake',
      ...facts,
      session,
      accept: () => connection.accept(),
      reader: connection.reader,
      release: () => {
        connection.detach();
        socket.on('error', noop); // as before the handover: a late error the next layer does not hear of cannot crash the host
        attempt.released = true;
        return { socket, ...(transport && { transportEnded: transport.transportEnded }) };
      },
    });
  });
  return socket;
}

function describe(error: NodeJS.ErrnoException, options: ResolvedConnectOptions): string {
  if (/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|VERSION_TOO_LOW|NO_PROTOCOLS_AVAILABLE/.test(error.code ?? '')) {
    const range = `${options.minVersion}${options.maxVersion ? ` to ${options.maxVersion}` : ' and up'}`;
    return `no TLS version in common with the server: we accept ${range} (options minVersion / maxVersion) (${error.message})`;
  }
  const hints: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found (DNS)',
    EAI_AGAIN: 'host name lookup failed temporarily (DNS)',
    ECONNRESET: 'connection reset by peer before the TLS handshake finished',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  const hint = error.code ? hints[error.code] : undefined;
  return hint ? `${hint} (${error.message})` : error.message;
}
