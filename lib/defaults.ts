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

/** Where servers (`listen`, `serve`, `gateway`, `rxtls serve`) listen unless told otherwise (option `host`): this machine only. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';

/** Longest line `lines()` buffers before failing with `LineTooLongError` (option `maxLength`): 64 KiB. */
export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

/** Appended to `line(text)` by `converse`: CRLF, as IMAP, SMTP, POP3 and FTP want. */
export const DEFAULT_LINE_ENDING = '\r\n';

/** Largest literal `lines({ literal })` accepts (option `maxLiteralLength`): 16 MiB. */
export const DEFAULT_MAX_LITERAL_LENGTH = 16 * 1024 * 1024;

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
