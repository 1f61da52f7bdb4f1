/**
 * Every default rxtls applies, as a named constant with its value. The README's
 * "Defaults" table lists the same values.
 *
 * @example
 * ```ts
 * import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from 'rxtls';
 * console.log(DEFAULT_HANDSHAKE_TIMEOUT_MS); // 10000
 * ```
 * @module
 */

/** Time allowed for the TLS handshake after TCP connects (option `handshakeTimeout`): 10 s, as Netty and Reactor Netty. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Time allowed for the TCP connection to be established (option `connectTimeout`): 30 s, as Reactor Netty's connect timeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/**
 * With several addresses for a host (IPv6 and IPv4), how long one connection attempt may go
 * unanswered before the next address is tried as well (option `attemptTimeout`): 2 s. The earlier
 * attempt stays alive, so the first to answer wins. Node's own 250 ms (RFC 8305's "Connection
 * Attempt Delay") is shorter than one lost SYN: Linux resends a SYN after 1 s, and a route of
 * 300 ms or more (satellite, a congested mobile link) lost to Node's timer on every address. 2 s lets
 * one resent SYN arrive and still falls back well within `connectTimeout`.
 */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 2_000;

/**
 * Largest HTTP proxy answer to `CONNECT` read before giving up (status line and headers): 16 KiB,
 * Node's own `maxHeaderSize`. A proxy that sends more fails with `ERR_RXTLS_PROXY_BAD_RESPONSE`.
 */
export const MAX_PROXY_RESPONSE_BYTES = 16 * 1024;

/** Lowest TLS version offered and accepted (option `minVersion`): TLS 1.2 (TLS 1.0 and 1.1 are deprecated by RFC 8996). */
export const DEFAULT_MIN_TLS_VERSION = 'TLSv1.2' as const;

/**
 * Most bytes that may wait in the write queue of one connection before `write` refuses more
 * (option `maxPendingWriteBytes`; the gateway's `maxBufferedBytes`): 1 MiB. A writer that respects backpressure (waits for `drain()`) never reaches it.
 */
export const DEFAULT_MAX_PENDING_WRITE_BYTES = 1024 * 1024;

/** How many distinct secure contexts (CA / certificate configurations) are kept for reuse. */
export const SECURE_CONTEXT_CACHE_SIZE = 32;

/**
 * How many peer chains that OpenSSL verified are remembered per trust configuration, so that the
 * next handshake with the same peer certificate skips reading and summarising its chain.
 */
export const VERIFIED_CHAIN_CACHE_SIZE = 256;

/**
 * After we end a connection (close_notify), how long to wait for the peer's close before the
 * socket is destroyed (option `closeTimeout`) and `closed.clean` is `false`: 3 s, as Netty's and Reactor Netty's
 * close_notify flush/read timeouts.
 */
export const DEFAULT_CLOSE_TIMEOUT_MS = 3_000;

/** When a server's subscriber leaves: how long its open connections have to close gracefully before they are destroyed (option `shutdownTimeout`). */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = DEFAULT_CLOSE_TIMEOUT_MS;

/**
 * How long a session ticket key that left a server's `ticketKeys` still opens the tickets it
 * sealed (option `ticketKeyGrace`): Node's servers stop resuming a session 300 s after it began
 * (`sessionTimeout`), so no ticket sealed before a rotation is resumable for longer.
 */
export const DEFAULT_TICKET_KEY_GRACE_MS = 300_000;

/** How often `ticketKeysFromFile` (and `rxtls serve --ticket-keys`) looks for a change of the key file, in ms (option `pollInterval`). */
export const DEFAULT_TICKET_KEY_FILE_POLL_MS = 1_000;

/** The most session ticket keys a server opens tickets with at once: the current `ticketKeys` and the retired keys still in their grace period. */
export const TICKET_KEYS_MAX = 32;

/** Where servers (`listen`, `serve`, `gateway`, `rxtls serve`) listen unless told otherwise (option `host`): this machine only. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/** Longest line `lines()` buffers before failing with `LineTooLongError` (option `maxLength`): 64 KiB. */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

/** Appended to `line(text)` by `converse`: CRLF, as IMAP, SMTP, POP3 and FTP want. */
export const DEFAULT_LINE_ENDING = '\r\n';

/** Largest literal `lines({ literal })` accepts (option `maxLiteralLength`): 16 MiB. */
export const DEFAULT_MAX_LITERAL_LENGTH = 16 * 1024 * 1024;

/**
 * Longest frame `frames()` delivers with the built-in codecs (`lengthField`, `fixedLength`,
 * `delimited`; option `maxFrameLength`): 1 MiB, as a WebSocket message. A longer one fails the
 * stream with `FrameTooLongError` — for a length field as soon as its header is read.
 */
export const DEFAULT_MAX_FRAME_LENGTH = 1024 * 1024;

/**
 * OpenSSL security level for every context rxtls builds: 2, as Debian and Ubuntu configure
 * OpenSSL — RSA and DH keys under 2048 bits (\`EE_KEY_TOO_SMALL\`) and SHA-1 signatures
 * (\`CA_MD_TOO_WEAK\`) are refused. Node's own default is 1. Override with \`tls: { ciphers }\`.
 */
export const DEFAULT_SECURITY_LEVEL = 2;

/** The cipher string that carries {@link DEFAULT_SECURITY_LEVEL}. */
export const DEFAULT_CIPHERS = `DEFAULT@SECLEVEL=${DEFAULT_SECURITY_LEVEL}`;

/**
 * Largest WebSocket message rxtls accepts (option `maxMessageBytes` of `connectWebSocket` in
 * Node and of `gateway`): 1 MiB. A
 * bigger one closes the WebSocket with code 1009 (message too big).
 */
export const DEFAULT_MAX_WEBSOCKET_MESSAGE_BYTES = 1024 * 1024;

/**
 * Over a WebSocket, `write()` returns `false` once this many bytes wait in the WebSocket's
 * buffer (`bufferedAmount`), and `drain()` resolves when fewer do (option `highWaterBytes`): 64 KiB.
 */
export const DEFAULT_WEBSOCKET_HIGH_WATER_BYTES = 64 * 1024;

/** Most WebSocket clients one `gateway` bridges at once (option `maxConnections`): 256. One more is refused with HTTP 503. */
export const DEFAULT_GATEWAY_MAX_CONNECTIONS = 256;

/** The port `listen` and `serve` bind unless told otherwise (option `port`): 0, any free port, reported by `listening`. */
export const DEFAULT_LISTEN_PORT = 0;

/** Whether `listen` asks clients for a certificate (option `requestCert`): no; mutual TLS is asked for by name. */
export const DEFAULT_REQUEST_CERT = false;

/** Whether `connect` tells close_notify from a bare TCP close (option `detectTruncation`): no, it costs throughput. */
export const DEFAULT_DETECT_TRUNCATION = false;

/** Whether `connectWebSocket` accepts `ws:` to a host that is not loopback (option `allowPlaintext`): no. */
export const DEFAULT_ALLOW_PLAINTEXT = false;

/** The port of a `wss:` URL that names none (`connectWebSocket`'s `url`): 443, HTTPS's. */
export const DEFAULT_WSS_PORT = 443;

/** The port of a `ws:` URL that names none (`connectWebSocket`'s `url`): 80, HTTP's. */
export const DEFAULT_WS_PORT = 80;

/** The URL path a `gateway` answers on (option `path`): `/`; other paths get 404. */
export const DEFAULT_GATEWAY_PATH = '/';

/**
 * How many handlers `handleEach` runs at once (option `concurrency`): 1, so events are handled
 * one after the other, in order, as `concatMap` does.
 */
export const DEFAULT_HANDLE_EACH_CONCURRENCY = 1;

/**
 * How many events `handleEach` holds (queued, being handled, or handled and waiting for an
 * earlier one) before it pauses the connection's reader (option `highWaterMark`): 16, Node's
 * default for object-mode streams. It resumes reading once no more than `lowWaterMark` wait
 * (by default half of `highWaterMark`, rounded down).
 */
export const DEFAULT_HANDLE_EACH_HIGH_WATER_MARK = 16;

/**
 * Most bytes of one fetched CRL or issuer certificate (`revocation()` and `completeChain()`,
 * option `fetch.maxBytes`): 8 MiB, above the largest public CA's CRL shards and far below what a
 * hostile distribution point could make a client hold.
 */
export const DEFAULT_FETCH_MAX_BYTES = 8 * 1024 * 1024;

/** Time for one fetch of a CRL or an issuer certificate, redirects included (option `fetch.timeoutMs`): 5 s. */
export const DEFAULT_FETCH_TIMEOUT_MS = 5_000;

/** Redirects a fetch follows (option `fetch.maxRedirects`): 3, never to another scheme than http: or https:, never from https: to http:. */
export const DEFAULT_FETCH_MAX_REDIRECTS = 3;

/** How many CRLs `revocation()` keeps in memory (each until its `nextUpdate`; option `cacheSize`). */
export const DEFAULT_CRL_CACHE_SIZE = 64;

/** What `revocation()` does when a CRL cannot be had or trusted (option `mode`): `'hard'`, reject — fail closed. */
export const DEFAULT_REVOCATION_MODE = 'hard' as const;

/** How many issuer certificates `completeChain()` keeps in memory, by URL (fetched from AIA caIssuers). */
export const ISSUER_CACHE_SIZE = 64;

/** How soon before the peer's chain expires `expiryWarnings()` warns (option `withinDays`): 14 days. */
export const DEFAULT_EXPIRY_WARNING_DAYS = 14;

/** When `certificateCountdown()` fires for each of the server's own certificates (option `thresholdsDays`): 30, 14, 7 and 1 day before expiry. */
export const DEFAULT_COUNTDOWN_THRESHOLDS_DAYS: readonly number[] = [30, 14, 7, 1];

/** Whether `connect` asks the server to staple an OCSP response (option `requestOCSP`): no. */
export const DEFAULT_REQUEST_OCSP = false;

/**
 * Longest first wait before reconnecting (option `initialDelay` of `reconnect`): 1 s, as
 * gRPC's connection backoff, socket.io and MQTT.js. Short enough that a server restart is
 * hardly noticed; with full jitter the real wait is anywhere from 0 to this.
 */
export const DEFAULT_RECONNECT_INITIAL_DELAY_MS = 1_000;

/**
 * Longest wait between two reconnect attempts (option `maxDelay` of `reconnect`): 30 s. The
 * exponential growth stops there, so a client that outlives a long outage still tries twice a
 * minute, while a thousand clients of a server that restarts spread their returns over 30 s
 * instead of arriving together (full jitter, as in AWS's "Exponential Backoff and Jitter").
 */
export const DEFAULT_RECONNECT_MAX_DELAY_MS = 30_000;

/** How much the longest wait grows per failed attempt (option `factor` of `reconnect`): 2, doubling, the classic exponential backoff. */
export const DEFAULT_RECONNECT_FACTOR = 2;

/**
 * How many reconnect attempts in a row may fail before `reconnect` gives up (option
 * `maxAttempts`): no limit. A connection that is meant to stay up keeps trying, as MQTT.js and
 * socket.io do; the backoff bounds what that costs to one attempt per `maxDelay`. Set a number
 * when a caller must learn of the failure instead.
 */
export const DEFAULT_RECONNECT_MAX_ATTEMPTS = Number.POSITIVE_INFINITY;

/**
 * How long a connection must stay up to count as healthy, so that the next reconnect starts
 * from `initialDelay` again (option `resetAfter` of `reconnect`): 30 s, as long as the longest
 * wait — a server that accepts and then drops every connection within that time keeps being
 * backed off instead of being hammered once a second.
 */
export const DEFAULT_RECONNECT_RESET_AFTER_MS = 30_000;

/**
 * How long a connection may go without receiving a byte before it is ended with
 * `ERR_RXTLS_IDLE_TIMEOUT` (option `idleTimeout`): 0, off. Protocols are legitimately quiet for
 * long — IMAP IDLE waits up to 29 minutes, a shell or an MQTT client between its pings — so a
 * default would cut live connections; a protocol that can afford a no-op uses `heartbeat()`, and
 * TCP keepalive (on by default) notices a peer whose host is gone.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 0;

/**
 * Whether TCP keepalive is on for client sockets and the sockets a server accepts (option
 * `keepAlive`): yes. Without it a peer whose host vanished (a mobile link gone, a NAT that forgot
 * the mapping) holds a quiet connection open forever.
 */
export const DEFAULT_KEEP_ALIVE = true;

/**
 * Quiet time before TCP sends its first keepalive probe (option `keepAlive: ms`): 15 s, as Go's
 * `net.Dialer` and `net.ListenConfig`. Linux's own default, 2 hours, outlasts most NAT and firewall
 * idle timeouts (often 5 minutes or less), so the path dies before the first probe; a probe is a
 * bare ACK, cheap enough to send after 15 s of silence. The probe interval and count stay the
 * system's.
 */
export const DEFAULT_KEEP_ALIVE_INITIAL_DELAY_MS = 15_000;

/**
 * How long `heartbeat()` waits for any answer to its no-op before failing with
 * `ERR_RXTLS_HEARTBEAT_TIMEOUT` (option `timeout`): 10 s, as the handshake timeout — a live peer
 * answers a no-op within a round trip or two.
 */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * The most bytes of the server's first flight `rxtls doctor` records to read the chain as
 * served and a CertificateRequest off the wire: 256 KiB. A chain of a dozen RSA-4096
 * certificates is under 32 KiB; beyond the bound the recording stops and the report says so.
 */
export const DEFAULT_DOCTOR_MAX_FLIGHT_BYTES = 262_144;
