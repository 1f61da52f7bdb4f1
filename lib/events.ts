/**
 * The event model: a TLS connection is an `Observable<TlsEvent>`, a discriminated union on
 * `type`. `closed` is always the last event, then the Observable completes.
 *
 * @example
 * ```ts
 * import { match } from 'ts-pattern';
 * import { connect, type TlsEvent } from 'rxtls';
 *
 * const describe = (e: TlsEvent): string =>
 *   match(e)
 *     .with({ type: 'connected' }, (c) => `connected to ${c.peer.subject}`)
 *     .with({ type: 'data' }, (d) => `${d.bytes.length} bytes`)
 *     .with({ type: 'line' }, (l) => l.text)
 *     .with({ type: 'certFailed' }, (f) => `certificate check failed: ${f.reason}`)
 *     .with({ type: 'closed' }, (c) => `closed by ${c.by}${c.clean ? '' : ' (not clean)'}`)
 *     .exhaustive();
 *
 * connect({ host: 'imap.example.com', port: 993 }).subscribe((e) => console.log(describe(e)));
 * ```
 * @module
 */
import type { CertErrorCode } from './errors';

/** One certificate of the peer's chain, summarised. */
export interface CertificateSummary {
  /** Distinguished name of the subject, e.g. `CN=localhost, O=Example`. */
  readonly subject: string;
  /** Distinguished name of the issuer. */
  readonly issuer: string;
  /** Subject alternative names as OpenSSL prints them, e.g. `DNS:localhost`, `IP Address:127.0.0.1`. */
  readonly subjectAltNames: readonly string[];
  /** Start of validity. */
  readonly validFrom: Date;
  /** End of validity. */
  readonly validTo: Date;
  /** SHA-256 fingerprint of the DER certificate, colon-separated upper-case hex. */
  readonly fingerprint256: string;
  /** SHA-256 of the SubjectPublicKeyInfo, `sha256/<base64>` (the format OkHttp and HPKP use). */
  readonly spkiPin: string;
  /** Serial number, upper-case hex. */
  readonly serialNumber: string;
  /** Whether the certificate is a CA (basicConstraints CA:TRUE). */
  readonly isCA: boolean;
  /** The certificate in PEM. */
  readonly pem: string;
}

/** The verified (or, in `certFailed`, rejected) peer: its leaf certificate plus the whole chain. */
export interface PeerInfo extends CertificateSummary {
  /** The chain as the handshake produced it, leaf first. */
  readonly chain: readonly CertificateSummary[];
  /** The name that was checked against the certificate (SNI servername, or the host). */
  readonly servername: string;
  /** Remote address and port of the TCP connection. */
  readonly remoteAddress: string;
  /** Remote port of the TCP connection. */
  readonly remotePort: number;
  /**
   * What `revocation()` found out about the chain; absent when no revocation policy judged it
   * (nobody checked — neither `'good'` nor `'unknown'` would be honest then).
   */
  readonly revocation?: RevocationStatus;
  /**
   * Present when `completeChain()` fetched an issuer the peer did not send: the peer is
   * misconfigured even though it was accepted. `chain` stays the chain the handshake produced.
   */
  readonly chainCompletion?: ChainCompletion;
}

/**
 * The revocation status of a chain, as `revocation()` established it: `'revoked'` when some
 * certificate is, else `'unknown'` when the status of some certificate could not be established
 * (soft mode accepts that; hard mode rejects it), else `'good'`.
 *
 * @example
 * ```ts
 * import { connect, revocation } from 'rxtls';
 * connect({ host: 'example.com', port: 443, verify: revocation({ mode: 'soft' }) }).subscribe((e) => {
 *   if (e.type === 'connected' && e.peer.revocation?.status === 'unknown') console.warn('revocation unknown', e.peer.revocation.certificates);
 * });
 * ```
 */
export interface RevocationStatus {
  /** The worst status of any certificate of the chain. */
  readonly status: 'good' | 'revoked' | 'unknown';
  /** One entry per certificate checked (every one but the trust anchor), leaf first. */
  readonly certificates: readonly CertificateRevocation[];
}

/** The revocation status of one certificate of the chain, and where it came from. */
export interface CertificateRevocation {
  /** Subject of the certificate. */
  readonly subject: string;
  /** `'good'`: a trusted, fresh source says it is not revoked. `'unknown'`: no source could say. */
  readonly status: 'good' | 'revoked' | 'unknown';
  /** Where the status came from: a CRL, the server's stapled OCSP response, or nothing (`'none'`, with `'unknown'`). */
  readonly source: 'crl' | 'ocsp-staple' | 'none';
  /** The CRL's URL, when the source is a CRL or one was tried. */
  readonly url?: string;
  /** Why the status is unknown (the fetch failure, a stale CRL, no distribution point), or the revocation reason. */
  readonly reason?: string;
  /** When it was revoked. */
  readonly revokedAt?: Date;
}

/**
 * The issuers `completeChain()` fetched because the peer did not send them.
 *
 * @example
 * ```ts
 * import type { ChainCompletion } from 'rxtls';
 * const report = (c: ChainCompletion) => `the server omitted ${c.fetched.map((f) => f.subject).join(', ')}`;
 * ```
 */
export interface ChainCompletion {
  /** The fetched certificates, nearest the leaf first, with the URL each came from. */
  readonly fetched: readonly (CertificateSummary & {
    /** The AIA caIssuers URL it was fetched from. */
    readonly url: string;
  })[];
  /** The chain that was verified: the presented certificates, the fetched ones, the trust anchor. */
  readonly chain: readonly CertificateSummary[];
}

/** What was negotiated. */
export interface SessionInfo {
  /** `'TLSv1.3'`, `'TLSv1.2'`, … */
  readonly protocol: string;
  /** Cipher suite, IANA name, e.g. `TLS_AES_256_GCM_SHA384`. */
  readonly cipher: string;
  /** The ALPN protocol agreed on, or `false` when none was. */
  readonly alpn: string | false;
  /** Whether an earlier session was resumed (no full handshake). */
  readonly resumed: boolean;
  /**
   * The latest session ticket the server sent, for `connect({ session })` on a later
   * connection; `undefined` until one arrives (TLS 1.3 sends tickets after the handshake).
   */
  ticket(): Buffer | undefined;
}

/**
 * One problem found with the peer's certificate. `code` is stable, and of two families in one
 * bare form: OpenSSL's verification codes, unchanged (`CERT_HAS_EXPIRED`,
 * `DEPTH_ZERO_SELF_SIGNED_CERT`, …), and those rxtls's checks and policies raise
 * (`ERR_TLS_CERT_ALTNAME_INVALID`, `PIN_MISMATCH`, `POLICY_ERROR`, …) — see {@link CertErrorCode}.
 * A custom policy may add its own. `reason` is human, in OpenSSL's wording where OpenSSL has one.
 */
export interface CertError {
  /** A stable code: an OpenSSL code such as `CERT_HAS_EXPIRED`, rxtls's own such as `PIN_MISMATCH`, or a custom policy's. */
  readonly code: CertErrorCode | (string & {});
  /** What is wrong, for people, in OpenSSL's wording where it has one. */
  readonly reason: string;
  /** Subject of the certificate the problem is about, when it is about one certificate. */
  readonly certificate?: string;
  /** Facts about the problem beyond its words, when a check has some (a revocation's date and reason, the URL fetched). */
  readonly details?: CertErrorDetails;
}

/** What some checks add to a {@link CertError}: each field only where it applies. */
export interface CertErrorDetails {
  /** `CERT_REVOKED`: when the certificate was revoked. */
  readonly revokedAt?: Date;
  /** `CERT_REVOKED`: the CRL's or OCSP response's reason code, by its RFC 5280 name (`keyCompromise`, …). */
  readonly revocationReason?: string;
  /** The URL of the CRL or issuer certificate the problem is about. */
  readonly url?: string;
  /** Where a revocation status came from. */
  readonly source?: 'crl' | 'ocsp-staple';
}

/**
 * What a policy judges: the peer and every problem the standard checks found.
 *
 * @example
 * ```ts
 * import type { HandshakeFacts } from 'rxtls';
 * const onlyExpired = ({ problems }: HandshakeFacts) => problems.every((p) => p.code === 'CERT_HAS_EXPIRED');
 * ```
 */
export interface HandshakeFacts {
  /** The peer and its certificate chain. */
  readonly peer: PeerInfo;
  /** Chain, validity-date and hostname problems; empty when OpenSSL verified the chain and the name matched. */
  readonly problems: readonly CertError[];
  /** The OCSP response the server stapled (DER), when the client asked for one (`requestOCSP`) and got one. */
  readonly stapledOcsp?: Buffer;
  /**
   * The trust anchors the chain was verified against, as PEM: for a policy that must verify a
   * chain itself (`completeChain()`). Absent on fabricated facts that give none.
   */
  readonly trustAnchors?: () => readonly string[];
}

/** The write side of a verified connection. */
export interface TlsWriter {
  /**
   * Queues bytes (strings are UTF-8). Returns `true` while more may be written, `false` once the
   * socket's buffer is full: then wait for {@link TlsWriter.drain} before writing on.
   * Throws `WriteBufferFullError` when the queued bytes would exceed `maxPendingWriteBytes`.
   * After the connection closed it writes nothing and returns `false` (the `closed` event says why).
   */
  write(chunk: string | Uint8Array): boolean;
  /**
   * Resolves once the socket can take more bytes, or once the connection closed: then only after
   * the `closed` event was delivered, so a loop of `write()` and `await drain()` that checks for
   * `closed` ends by itself. Never rejects.
   */
  drain(): Promise<void>;
  /**
   * Flushes what is queued, sends close_notify and half-closes; the peer's reply ends the stream.
   * The peer has `timeout.ms` to close (without `timeout`, the connection's `closeTimeout`);
   * then the socket is destroyed and `closed` carries an `ERR_RXTLS_CLOSE_TIMEOUT` error naming
   * `timeout.option`. The first call starts the close and its bound; later calls change nothing.
   */
  end(timeout?: CloseTimeout): void;
  /** Bytes queued and not yet handed to the kernel. */
  readonly pendingBytes: number;
}

/**
 * How long the peer has to answer our close_notify with its own close, and the option that said
 * so: the `ERR_RXTLS_CLOSE_TIMEOUT` error names it, so a user can tell which knob to turn.
 *
 * @example
 * ```ts
 * import type { CloseTimeout, TlsWriter } from 'rxtls';
 * declare const writer: TlsWriter;
 * const logoutTimeout: CloseTimeout = { ms: 10_000, option: 'logoutTimeout' };
 * writer.end(logoutTimeout); // on expiry: "peer did not close within 10000 ms of our close_notify (option logoutTimeout)"
 * ```
 */
export interface CloseTimeout {
  /** Milliseconds, a non-negative integer. */
  readonly ms: number;
  /** What set `ms`, as the error names it: `'gracefulShutdown timeout'`, or your own option's name. */
  readonly option: string;
}

/**
 * The read side of a connection: a consumer that works asynchronously asks the transport to
 * stop reading while it catches up. `handleEach()` does it for you; use `reader` directly only
 * to build your own flow control.
 *
 * On a TLS or TCP socket (`connect`, the server's connections, STARTTLS, `connectWebSocket` in
 * Node) `pause()` stops the socket's `data` events; Node then reads no more from the kernel
 * once the socket's own readable buffer is full (its `readableHighWaterMark`, 16–64 KiB), the
 * kernel's receive window fills, and the peer's writes block: what waits for the consumer is
 * bounded. A peer that closes while the connection is paused is seen after what was sent before
 * its close is read: `closed` follows the buffered data once reading resumes.
 *
 * A browser's WebSocket cannot be paused (the WHATWG API has no receive flow control):
 * `pausable` is `false` there, and `pause()` only records the wish — messages keep arriving.
 *
 * @example
 * ```ts
 * import { connect } from 'rxtls';
 * connect({ host: 'imap.example.com', port: 993 }).subscribe((e) => {
 *   if (e.type === 'connected') {
 *     e.reader.pause(); // nothing more is delivered until…
 *     setTimeout(() => e.reader.resume(), 1000); // …a second later
 *   }
 * });
 * ```
 */
export interface TlsReader {
  /** Stops delivering `data` and, soon after, reading from the network. Idempotent. */
  pause(): void;
  /** Delivers and reads again. Idempotent. */
  resume(): void;
  /** Whether `pause()` was called last (and not `resume()`). */
  readonly paused: boolean;
  /** Whether pausing really stops the transport: `false` only for a browser's WebSocket. */
  readonly pausable: boolean;
}

/** The peer passed verification: reading and writing may begin. */
export interface ConnectedEvent {
  /** The discriminant: match on it. */
  readonly type: 'connected';
  /** rxtls's verification policy judged the peer's certificate (compare {@link WebSocketConnectedEvent}). */
  readonly verifiedBy: 'policy';
  /** The peer and its certificate chain. */
  readonly peer: PeerInfo;
  /** What was negotiated. */
  readonly session: SessionInfo;
  /** The write side. Nothing can be written before this event: fail closed. */
  readonly writer: TlsWriter;
  /** The read side: pause and resume reading, for a consumer that falls behind (see `handleEach`). */
  readonly reader: TlsReader;
  /** Present when the connection is a WebSocket over this TLS connection (`connectWebSocket` in Node, `wss:`). */
  readonly webSocket?: WebSocketInfo;
}

/** What is known of an open WebSocket. */
export interface WebSocketInfo {
  /** The URL the WebSocket was opened to. */
  readonly url: string;
  /** The subprotocol the server chose, `''` when none. */
  readonly protocol: string;
}

/**
 * A WebSocket is open and rxtls saw no certificate: in a browser, the browser verified the
 * `wss:` server itself (`verifiedBy: 'platform'`) and exposes nothing of it; a `ws:` URL is not
 * encrypted at all (`verifiedBy: 'none'`, allowed only to loopback addresses unless
 * `allowPlaintext` says otherwise). In Node, `wss:` gives a {@link ConnectedEvent} instead.
 */
export interface WebSocketConnectedEvent {
  /** The discriminant: match on it. */
  readonly type: 'connected';
  /** Who verified the server: the browser (`'platform'`), or nobody, for `ws:` (`'none'`). */
  readonly verifiedBy: 'platform' | 'none';
  /** The WebSocket. */
  readonly webSocket: WebSocketInfo;
  /** The write side: each write is one binary message. */
  readonly writer: TlsWriter;
  /** The read side; a browser's WebSocket cannot be paused (`reader.pausable` is `false`). */
  readonly reader: TlsReader;
}

/** Raw bytes received, before any framing. */
export interface DataEvent {
  /** The discriminant: match on it. */
  readonly type: 'data';
  /** The bytes as they arrived. */
  readonly bytes: Buffer;
}

/** One line of text, produced by the `lines()` operator. */
export interface LineEvent {
  /** The discriminant: match on it. */
  readonly type: 'line';
  /** The text, without its line ending. */
  readonly text: string;
  /**
   * The raw bytes announced at the end of this line, when `lines({ literal })` recognised an
   * announcement (IMAP's `{N}`): exactly N bytes, which may contain CRLF. The next line event
   * continues after them.
   */
  readonly literal?: Buffer;
}

/**
 * One frame of a binary (or mixed) protocol, produced by the `frames(codec)` operator: the bytes
 * the codec cut, with or without a header or delimiter as the codec was told.
 *
 * @example
 * ```ts
 * import { match } from 'ts-pattern';
 * import type { FrameEvent, FramedEvent } from 'rxtls';
 * const size = (e: FramedEvent) =>
 *   match(e)
 *     .with({ type: 'frame' }, (f: FrameEvent) => f.bytes.length)
 *     .otherwise(() => 0);
 * ```
 */
export interface FrameEvent {
  /** The discriminant: match on it. */
  readonly type: 'frame';
  /** The frame's bytes. May be a view of the chunk it came in: copy it to keep it beyond the event, if that chunk is large. */
  readonly bytes: Buffer;
}

/**
 * What a peer that rxtls rejected saw of it ({@link CertFailedEvent.peerSaw}). Never a TLS alert
 * naming the reason: Node cannot send one (see the README's known limits). The connection just
 * closes, without close_notify:
 *
 * - `'handshake-failure'`: before the peer's handshake finished, so its TLS stack reports a
 *   failed handshake (OpenSSL: "unexpected eof while reading"; Node: `ECONNRESET`). So it is for a
 *   TLS 1.3 server judged by a client, or a TLS 1.2 client judged by a server, when the policy
 *   decides at once (as `strict`, `pin`, `fingerprint` and `allowErrors` do).
 * - `'close-after-handshake'`: after the peer's handshake finished — a TLS 1.3 client judged by
 *   a server, a TLS 1.2 server judged by a client — or may have: rxtls says so too when the
 *   policy decided asynchronously (`trustOnFirstUse`, an async `custom`), by when our last
 *   handshake message may have left. The peer may have taken itself for connected: OpenSSL
 *   reports "unexpected eof while reading", while Node, and rxtls without `detectTruncation`,
 *   see an orderly end.
 */
export type PeerSawRejection = 'handshake-failure' | 'close-after-handshake';

/** The peer failed the verification policy; `closed` follows and no data is ever delivered. */
export interface CertFailedEvent {
  /** The discriminant: match on it. */
  readonly type: 'certFailed';
  /** Every problem the policy found, not only the first. */
  readonly errors: readonly CertError[];
  /** One line: the reasons joined with `; `. */
  readonly reason: string;
  /** The peer and its certificate chain. */
  readonly peer: PeerInfo;
  /** What the peer saw of the rejection: no TLS alert, only the connection closing (see {@link PeerSawRejection}). */
  readonly peerSaw: PeerSawRejection;
}

/** The connection is over. Always the last event. */
export interface ClosedEvent {
  /** The discriminant: match on it. */
  readonly type: 'closed';
  /** Who ended the connection: `'peer'` (it closed or reset) or `'local'` (we ended it). */
  readonly by: 'local' | 'peer';
  /** `true` for an orderly end of stream; `false` after an error, a reset, a timeout or a rejection. */
  readonly clean: boolean;
  /** The error that ended the connection, when one did. */
  readonly error?: Error;
  /** On a WebSocket: the close code (1000 is a normal closure, 1006 a connection lost without one). */
  readonly code?: number;
  /** On a WebSocket: the close reason the closing side gave, `''` when none. */
  readonly reason?: string;
}

/**
 * The write side of a plaintext connection that can be upgraded in band (STARTTLS): write the
 * protocol's upgrade command, wait for the go-ahead, then `startTls()`. From that moment this
 * writer writes nothing more and no further plaintext is delivered; the TLS layer's own
 * `connected` event brings the new writer.
 */
export interface PlaintextWriter extends TlsWriter {
  /** Starts the TLS handshake over this connection, in the role the connection has (client or server). */
  startTls(): void;
  /** Whether `startTls()` was called. */
  readonly upgrading: boolean;
}

/** A plaintext connection is open (`connectStartTls`, `listenStartTls`): nothing is protected yet. */
export interface PlaintextEvent {
  /** The discriminant: match on it. */
  readonly type: 'plaintext';
  /** The plaintext write side, with `startTls()`. */
  readonly writer: PlaintextWriter;
  /**
   * The plaintext read side, until `startTls()`; then it does nothing, and the TLS `connected`
   * event brings the reader of the upgraded connection. Always present on what
   * `connectStartTls` and `listenStartTls` emit; optional so that plaintext events built by hand
   * in tests need none.
   */
  readonly reader?: TlsReader;
}

/** Why {@link reconnect} reconnects: the connection closed, failed (an error notification), or, with `retryCertFailures`, was rejected. */
export type ReconnectReason = 'closed' | 'error' | 'certFailed';

/**
 * `reconnect` is about to open the connection again: the previous one closed or failed, and the
 * next attempt starts after `delay` ms. It comes after the old connection's `closed` (or its
 * failure) and before the new one's first event, so a consumer knows the next `connected` is a
 * new connection: `lines()` frames it afresh and `converse()` starts its dialogue again.
 *
 * @example
 * ```ts
 * import type { ReconnectingEvent } from 'rxtls';
 * const say = (e: ReconnectingEvent) => `attempt ${e.attempt} in ${e.delay} ms after ${e.reason}${e.error ? `: ${e.error.message}` : ''}`;
 * ```
 */
export interface ReconnectingEvent {
  /** The discriminant: match on it. */
  readonly type: 'reconnecting';
  /** 1 for the first attempt after a healthy connection, then 2, 3, … (see `maxAttempts`, `resetAfter`). */
  readonly attempt: number;
  /** Milliseconds until the attempt: full jitter, from 0 to the backoff's bound for this attempt. */
  readonly delay: number;
  /** What ended the previous connection. */
  readonly reason: ReconnectReason;
  /** The error that ended it, when one did: the error notification, or `closed.error`. */
  readonly error?: Error;
  /** Whether the attempt offers a session ticket of an earlier connection, to resume it. */
  readonly resuming: boolean;
}

/**
 * What `connect()` emits, and nothing else: `connected`, `data`, `closed` — or `certFailed`,
 * `closed`. Match on `type`.
 *
 * @example
 * ```ts
 * import type { ConnectEvent } from 'rxtls';
 * const describe = (e: ConnectEvent): string => {
 *   switch (e.type) {
 *     case 'connected': return `connected to ${e.peer.subject}`;
 *     case 'data': return `${e.bytes.length} bytes`;
 *     case 'certFailed': return `rejected: ${e.reason}`;
 *     case 'closed': return `closed by ${e.by}`;
 *   }
 * };
 * ```
 */
export type ConnectEvent = ConnectedEvent | DataEvent | CertFailedEvent | ClosedEvent;

/** What a STARTTLS connection emits: `plaintext`, plaintext `data`, then exactly what `connect()` emits. */
export type StartTlsEvent = ConnectEvent | PlaintextEvent;

/** A connection's events once `lines()` framed them: those of {@link ConnectEvent} and `line`. What `converse` and `gracefulShutdown` see. */
export type TlsEvent = ConnectEvent | LineEvent;

/** A connection's events once `frames()` framed them: those of {@link ConnectEvent} and `frame`. What a binary protocol's dialogue sees. */
export type FramedEvent = ConnectEvent | FrameEvent;

/**
 * What `connectWebSocket` from `rxtls` (Node) emits: the events of a TLS connection, where
 * `connected` is a {@link WebSocketConnectedEvent} when rxtls did not verify the server itself
 * (`ws:`, or a WebSocket implementation of your own).
 */
export type WebSocketEvent = ConnectEvent | WebSocketConnectedEvent;

/**
 * What `connectWebSocket` from `rxtls/browser` emits: the browser verifies a `wss:` server, so
 * there is no `certFailed` — a server it rejects is a connect failure (an error notification).
 *
 * @example
 * ```ts
 * import type { BrowserWebSocketEvent } from 'rxtls/browser';
 * const opened = (e: BrowserWebSocketEvent) => e.type === 'connected' && e.webSocket.url;
 * ```
 */
export type BrowserWebSocketEvent = WebSocketConnectedEvent | DataEvent | ClosedEvent;

/** Every event any rxtls transport (or `reconnect` over one) emits: what the operators (`lines`, `converse`, `gracefulShutdown`) accept. */
export type TransportEvent = TlsEvent | FrameEvent | PlaintextEvent | WebSocketConnectedEvent | ReconnectingEvent;

/**
 * The raw handshake, before a verification policy decided about it. `connect()` turns it into
 * `connected` or `certFailed` with `verify(policy)`; users meet it only when testing policies.
 */
export interface HandshakeEvent {
  /** The discriminant: match on it. */
  readonly type: 'handshake';
  /** The peer and its certificate chain. */
  readonly peer: PeerInfo;
  /** What was negotiated. */
  readonly session: SessionInfo;
  /**
   * Every problem the standard checks found (chain, validity dates, hostname): the facts a
   * policy judges. Empty when OpenSSL verified the chain and the name matched.
   */
  readonly problems: readonly CertError[];
  /** Starts reading and returns the write side. Called by `verify` only when the policy passed. */
  accept(): TlsWriter;
  /** The read side `connected` will carry; before `accept()` nothing is read whatever it says. */
  readonly reader: TlsReader;
  /** Which end of the TLS connection we are: `'client'` when absent. */
  readonly role?: 'client' | 'server';
}

/**
 * The peer's chain expires soon: from `expiryWarnings()`, right after `connected` or, on a
 * connection that lasts, when the threshold is reached.
 *
 * @example
 * ```ts
 * import type { ExpiryWarningEvent } from 'rxtls';
 * const text = (w: ExpiryWarningEvent) => `${w.subject} expires in ${w.daysLeft} days (${w.expiresAt.toISOString()})`;
 * ```
 */
export interface ExpiryWarningEvent {
  /** The discriminant: match on it. */
  readonly type: 'expiryWarning';
  /** Subject of the certificate of the chain that expires first. */
  readonly subject: string;
  /** Its `validTo`. */
  readonly expiresAt: Date;
  /** Whole days left, rounded down; 0 on the last day. */
  readonly daysLeft: number;
}

/**
 * One of a server's own certificates reached a countdown threshold: from
 * `certificateCountdown()`, so that new credentials can be loaded (hot reload) before it expires.
 *
 * @example
 * ```ts
 * import type { CertificateCountdownEvent } from 'rxtls';
 * const text = (e: CertificateCountdownEvent) => `${e.name}: ${e.subject} expires in ${e.daysLeft} days`;
 * ```
 */
export interface CertificateCountdownEvent {
  /** The discriminant: match on it. */
  readonly type: 'certificateExpiring';
  /** Which credential: `'default'`, or the SNI name it is served for. */
  readonly name: string;
  /** Subject of the certificate of that credential's chain that expires first. */
  readonly subject: string;
  /** Its `validTo`. */
  readonly expiresAt: Date;
  /** The threshold reached, in days before `expiresAt`; 0 when it has expired. */
  readonly thresholdDays: number;
  /** Whole days left at the time of the event, rounded down; 0 on the last day and after. */
  readonly daysLeft: number;
}

/** What the transport emits before verification: the handshake, then (after accept) data, then closed. */
export type RawTlsEvent = HandshakeEvent | DataEvent | ClosedEvent;
