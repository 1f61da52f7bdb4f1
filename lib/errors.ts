/**
 * Errors rxtls delivers as error notifications, and the catalogue of their codes. Each error has
 * a stable `code` and a message that names the host:port, option or condition at fault.
 *
 * Two naming families, as in docs/errors.md:
 * - Codes rxtls invents are `ERR_RXTLS_<CONDITION>`, one code per condition whichever side
 *   (client, server, WebSocket, gateway) raises it: {@link RXTLS_ERROR_CODES}.
 * - Codes from the OS (`ECONNREFUSED`, …), OpenSSL or Node (`ERR_SSL_*`) pass through unchanged:
 *   {@link PASS_THROUGH_TRANSPORT_ERROR_CODES} lists the ones rxtls documents.
 * - Certificate problems ({@link CertErrorCode}) keep OpenSSL's bare names (`CERT_HAS_EXPIRED`),
 *   and rxtls's policy codes share that bare form (`PIN_MISMATCH`).
 *
 * The code fields are typed `Code | (string & {})`: editors complete the documented codes and a
 * `switch` can handle each, while a code a future Node or OpenSSL adds still type-checks.
 *
 * @example
 * ```ts
 * import { connect, TransportError } from 'rxtls';
 * connect({ host: '127.0.0.1', port: 1 }).subscribe({
 *   error: (e) => {
 *     if (e instanceof TransportError) console.log(e.code, e.host, e.port); // ECONNREFUSED 127.0.0.1 1
 *   },
 * });
 * ```
 * @module
 */

/**
 * The codes of {@link TransportError} that rxtls names itself, one per condition:
 *
 * - `ERR_RXTLS_CONNECT_TIMEOUT` — TCP (or the WebSocket) did not connect within `connectTimeout`.
 * - `ERR_RXTLS_CONNECT_FAILED` — connecting failed and the platform gave no code.
 * - `ERR_RXTLS_HANDSHAKE_TIMEOUT` — the TLS handshake did not finish within `handshakeTimeout`
 *   (client, `listen`'s `clientError`, `listenStartTls`).
 * - `ERR_RXTLS_HANDSHAKE_FAILED` — the TLS handshake failed and Node/OpenSSL gave no code.
 * - `ERR_RXTLS_NO_PEER_CERTIFICATE` — the server presented no certificate (or a resumed session
 *   came with none rxtls can judge).
 * - `ERR_RXTLS_PEER_CERTIFICATE_UNREADABLE` — the peer's certificate could not be read.
 * - `ERR_RXTLS_CLOSE_TIMEOUT` — after our close, the peer did not close within `closeTimeout`.
 * - `ERR_RXTLS_TLS_TRUNCATED` — with `detectTruncation`, the peer closed TCP without a TLS
 *   close_notify: the data may have been cut short.
 * - `ERR_RXTLS_LISTEN` — a server could not listen and the OS gave no code.
 * - `ERR_RXTLS_WEBSOCKET_CONNECT_FAILED` — the WebSocket failed or closed before it opened.
 * - `ERR_RXTLS_WEBSOCKET_ERROR` — an open WebSocket failed.
 * - `ERR_RXTLS_WEBSOCKET_CLOSED` — an open WebSocket closed with a code other than 1000.
 * - `ERR_RXTLS_IDLE_TIMEOUT` — no byte (no message, on a WebSocket) arrived from the peer within
 *   `idleTimeout` while we were reading; the connection was destroyed (`closed.clean: false`).
 * - `ERR_RXTLS_ABORTED` — the `signal` option aborted; `cause` is `signal.reason`. Before the
 *   connection is established it is the error notification, after it the `closed` event's error.
 * - `ERR_RXTLS_HEARTBEAT_TIMEOUT` — `heartbeat()` sent its no-op after a quiet period and
 *   nothing came back within its `timeout`.
 * - `ERR_RXTLS_PROXY_UNREACHABLE` — the proxy (option `proxy`) could not be connected to.
 * - `ERR_RXTLS_PROXY_REFUSED` — the proxy refused to open the tunnel (its HTTP status or SOCKS reply).
 * - `ERR_RXTLS_PROXY_AUTH_REQUIRED` — the proxy wants credentials, or other ones (HTTP 407, SOCKS5
 *   authentication failed or required).
 * - `ERR_RXTLS_PROXY_TARGET_UNREACHABLE` — the proxy could not reach the target (HTTP 502/504,
 *   SOCKS5 replies 3, 4, 5, 6).
 * - `ERR_RXTLS_PROXY_BAD_RESPONSE` — the proxy's answer was not HTTP or SOCKS5, or longer than
 *   `MAX_PROXY_RESPONSE_BYTES`.
 *
 * @example
 * ```ts
 * import { RXTLS_TRANSPORT_ERROR_CODES } from 'rxtls';
 * console.log(RXTLS_TRANSPORT_ERROR_CODES.includes('ERR_RXTLS_HANDSHAKE_TIMEOUT')); // true
 * ```
 */
export const RXTLS_TRANSPORT_ERROR_CODES = [
  'ERR_RXTLS_CONNECT_TIMEOUT',
  'ERR_RXTLS_CONNECT_FAILED',
  'ERR_RXTLS_HANDSHAKE_TIMEOUT',
  'ERR_RXTLS_HANDSHAKE_FAILED',
  'ERR_RXTLS_NO_PEER_CERTIFICATE',
  'ERR_RXTLS_PEER_CERTIFICATE_UNREADABLE',
  'ERR_RXTLS_CLOSE_TIMEOUT',
  'ERR_RXTLS_TLS_TRUNCATED',
  'ERR_RXTLS_LISTEN',
  'ERR_RXTLS_WEBSOCKET_CONNECT_FAILED',
  'ERR_RXTLS_WEBSOCKET_ERROR',
  'ERR_RXTLS_WEBSOCKET_CLOSED',
  'ERR_RXTLS_STARTTLS_REFUSED',
  'ERR_RXTLS_FETCH_FAILED',
  'ERR_RXTLS_IDLE_TIMEOUT',
  'ERR_RXTLS_ABORTED',
  'ERR_RXTLS_HEARTBEAT_TIMEOUT',
  'ERR_RXTLS_PROXY_UNREACHABLE',
  'ERR_RXTLS_PROXY_REFUSED',
  'ERR_RXTLS_PROXY_AUTH_REQUIRED',
  'ERR_RXTLS_PROXY_TARGET_UNREACHABLE',
  'ERR_RXTLS_PROXY_BAD_RESPONSE',
] as const;

/**
 * Codes of {@link TransportError} that come from the OS, OpenSSL or Node and pass through
 * unchanged; the ones rxtls documents (docs/errors.md). Any other `ERR_SSL_*` code is OpenSSL's
 * reason, upper-cased, and passes through too.
 *
 * @example
 * ```ts
 * import { PASS_THROUGH_TRANSPORT_ERROR_CODES } from 'rxtls';
 * console.log(PASS_THROUGH_TRANSPORT_ERROR_CODES.includes('ECONNREFUSED')); // true
 * ```
 */
export const PASS_THROUGH_TRANSPORT_ERROR_CODES = [
  // the OS, connecting
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  // the OS, listening
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'EACCES',
  // OpenSSL, through Node
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_VERSION_TOO_LOW',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_NO_SHARED_CIPHER',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_HTTP_REQUEST',
] as const;

/**
 * Every code a {@link TransportError} (or a server's `clientError`) can carry that rxtls
 * documents: rxtls's own ({@link RXTLS_TRANSPORT_ERROR_CODES}) and the OS/OpenSSL ones that pass
 * through ({@link PASS_THROUGH_TRANSPORT_ERROR_CODES}). Fields are typed
 * `TransportErrorCode | (string & {})`, so another OpenSSL code still type-checks.
 *
 * @example
 * ```ts
 * import type { TransportErrorCode } from 'rxtls';
 * const retryable = (code: TransportErrorCode | (string & {})) =>
 *   code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ERR_RXTLS_CONNECT_TIMEOUT' || code === 'ERR_RXTLS_HANDSHAKE_TIMEOUT';
 * ```
 */
export type TransportErrorCode = (typeof RXTLS_TRANSPORT_ERROR_CODES)[number] | (typeof PASS_THROUGH_TRANSPORT_ERROR_CODES)[number];

/**
 * The codes of the framing errors: `ERR_RXTLS_LINE_TOO_LONG` (a line past `maxLength`),
 * `ERR_RXTLS_LITERAL_TOO_LONG` (a literal past `maxLiteralLength`), `ERR_RXTLS_FRAME_TRUNCATED`
 * (the stream ended inside an announced literal or byte frame), `ERR_RXTLS_FRAME_MISUSE` (a
 * `FrameDecoder` asked for bytes when it cannot give them).
 *
 * @example
 * ```ts
 * import { FRAME_ERROR_CODES } from 'rxtls';
 * console.log(FRAME_ERROR_CODES.length); // 4
 * ```
 */
export const FRAME_ERROR_CODES = [
  'ERR_RXTLS_LINE_TOO_LONG',
  'ERR_RXTLS_LITERAL_TOO_LONG',
  'ERR_RXTLS_FRAME_TRUNCATED',
  'ERR_RXTLS_FRAME_MISUSE',
] as const;

/**
 * The code of a framing error (`FrameError` and its subclasses `LineTooLongError`,
 * `LiteralTooLongError`).
 *
 * @example
 * ```ts
 * import { FrameError, type FrameErrorCode } from 'rxtls';
 * const advice: Record<FrameErrorCode, string> = {
 *   ERR_RXTLS_LINE_TOO_LONG: 'raise lines({ maxLength }) or fix the peer',
 *   ERR_RXTLS_LITERAL_TOO_LONG: 'raise lines({ maxLiteralLength })',
 *   ERR_RXTLS_FRAME_TRUNCATED: 'the peer closed mid-literal: retry',
 *   ERR_RXTLS_FRAME_MISUSE: 'a bug in the framer',
 * };
 * const explain = (e: unknown) => (e instanceof FrameError ? advice[e.code] : undefined);
 * ```
 */
export type FrameErrorCode = (typeof FRAME_ERROR_CODES)[number];

/**
 * The codes of the binary framing errors that `frames()` and its codecs raise, besides
 * `ERR_RXTLS_FRAME_TRUNCATED` and `ERR_RXTLS_FRAME_MISUSE` of {@link FRAME_ERROR_CODES}:
 * `ERR_RXTLS_FRAME_TOO_LONG` (a frame declared or grown past `maxFrameLength`) and
 * `ERR_RXTLS_FRAME_LENGTH_INVALID` (a length field that no frame can have: below zero after
 * `lengthAdjustment`, or a varint longer than its bound).
 *
 * @example
 * ```ts
 * import { BINARY_FRAME_ERROR_CODES } from 'rxtls';
 * console.log(BINARY_FRAME_ERROR_CODES.length); // 2
 * ```
 */
export const BINARY_FRAME_ERROR_CODES = ['ERR_RXTLS_FRAME_TOO_LONG', 'ERR_RXTLS_FRAME_LENGTH_INVALID'] as const;

/**
 * The code of a binary framing error ({@link BINARY_FRAME_ERROR_CODES}); a `FrameError`'s `code`
 * is this or a {@link FrameErrorCode}.
 *
 * @example
 * ```ts
 * import { FrameError, type BinaryFrameErrorCode } from 'rxtls';
 * const advice: Record<BinaryFrameErrorCode, string> = {
 *   ERR_RXTLS_FRAME_TOO_LONG: 'raise the codec\'s maxFrameLength, or fix the peer',
 *   ERR_RXTLS_FRAME_LENGTH_INVALID: 'check lengthAdjustment, or fix the peer',
 * };
 * const explain = (e: unknown) => (e instanceof FrameError && e.code in advice ? advice[e.code as BinaryFrameErrorCode] : undefined);
 * ```
 */
export type BinaryFrameErrorCode = (typeof BINARY_FRAME_ERROR_CODES)[number];

/**
 * The codes of what `rxtls doctor` finds that no single connection raises as an error — a
 * diagnosis, made from several probes of the same server (`diagnose()`):
 *
 * - `ERR_RXTLS_PLAINTEXT_PORT` — the port answers in plaintext (a protocol's greeting, an HTTP
 *   response), not TLS, and offers no STARTTLS.
 * - `ERR_RXTLS_STARTTLS_REQUIRED` — the port speaks a protocol in plaintext that offers STARTTLS:
 *   connect with `--starttls PROTO` (`connectStartTls`).
 * - `ERR_RXTLS_NO_ANSWER` — TCP connects but nothing answers: no handshake, no greeting, no
 *   HTTP response.
 * - `ERR_RXTLS_LEGACY_TLS_ONLY` — the server speaks only TLS 1.0 or 1.1, which rxtls refuses.
 * - `ERR_RXTLS_SNI_REQUIRED` — the handshake works with SNI and fails without it (a warning).
 * - `ERR_RXTLS_PRIVATE_ROOT` — the chain verified, but through a CA that is not one of the
 *   public roots: a private CA, or a proxy or antivirus that intercepts TLS (a warning).
 * - `ERR_RXTLS_CHAIN_OUT_OF_ORDER` — the server sends its chain in another order than leaf,
 *   then each certificate's issuer (a warning: strict clients stop at the first that does not fit).
 * - `ERR_RXTLS_CHAIN_DUPLICATE` — the server sends one certificate of its chain twice (a warning).
 * - `ERR_RXTLS_CHAIN_UNRELATED` — the server sends a certificate that is not on its leaf's path
 *   (a warning).
 * - `ERR_RXTLS_CHAIN_ROOT_SENT` — the server sends the root too: harmless, bytes wasted (a warning).
 * - `ERR_RXTLS_CLIENT_CERTIFICATE_OPTIONAL` — the server asks for a client certificate without
 *   requiring one (a warning: browsers may prompt their users to choose one).
 *
 * @example
 * ```ts
 * import { DIAGNOSIS_CODES } from 'rxtls';
 * console.log(DIAGNOSIS_CODES.includes('ERR_RXTLS_STARTTLS_REQUIRED')); // true
 * ```
 */
export const DIAGNOSIS_CODES = [
  'ERR_RXTLS_PLAINTEXT_PORT',
  'ERR_RXTLS_STARTTLS_REQUIRED',
  'ERR_RXTLS_NO_ANSWER',
  'ERR_RXTLS_LEGACY_TLS_ONLY',
  'ERR_RXTLS_SNI_REQUIRED',
  'ERR_RXTLS_PRIVATE_ROOT',
  'ERR_RXTLS_CHAIN_OUT_OF_ORDER',
  'ERR_RXTLS_CHAIN_DUPLICATE',
  'ERR_RXTLS_CHAIN_UNRELATED',
  'ERR_RXTLS_CHAIN_ROOT_SENT',
  'ERR_RXTLS_CLIENT_CERTIFICATE_OPTIONAL',
] as const;

/**
 * A code of a diagnosis ({@link DIAGNOSIS_CODES}).
 *
 * @example
 * ```ts
 * import type { DiagnosisCode } from 'rxtls';
 * const warningsOnly: readonly DiagnosisCode[] = ['ERR_RXTLS_SNI_REQUIRED', 'ERR_RXTLS_PRIVATE_ROOT'];
 * ```
 */
export type DiagnosisCode = (typeof DIAGNOSIS_CODES)[number];

/**
 * Every code rxtls itself invents, of any error class: the transport codes, the class codes
 * (`ERR_RXTLS_INVALID_OPTION`, `ERR_RXTLS_WRITE_BUFFER_FULL`, `ERR_RXTLS_RUNTIME_UNSUPPORTED`,
 * `ERR_RXTLS_WIRE_MALFORMED` of the doctor's readers of handshake bytes) and
 * the framing codes, and the codes of a diagnosis ({@link DIAGNOSIS_CODES}). All are `ERR_RXTLS_<CONDITION>`.
 *
 * @example
 * ```ts
 * import { RXTLS_ERROR_CODES } from 'rxtls';
 * const ours = (code: string) => (RXTLS_ERROR_CODES as readonly string[]).includes(code);
 * ```
 */
export const RXTLS_ERROR_CODES = [
  ...RXTLS_TRANSPORT_ERROR_CODES,
  'ERR_RXTLS_INVALID_OPTION',
  'ERR_RXTLS_INVALID_TARGET',
  'ERR_RXTLS_WRITE_BUFFER_FULL',
  'ERR_RXTLS_RUNTIME_UNSUPPORTED',
  'ERR_RXTLS_WIRE_MALFORMED',
  ...FRAME_ERROR_CODES,
  ...BINARY_FRAME_ERROR_CODES,
  ...DIAGNOSIS_CODES,
] as const;

/**
 * A code rxtls invents ({@link RXTLS_ERROR_CODES}).
 *
 * @example
 * ```ts
 * import type { RxtlsErrorCode } from 'rxtls';
 * const code: RxtlsErrorCode = 'ERR_RXTLS_CLOSE_TIMEOUT';
 * ```
 */
export type RxtlsErrorCode = (typeof RXTLS_ERROR_CODES)[number];

/**
 * OpenSSL's certificate-verification codes (`X509_V_ERR_*` without the prefix, as Node reports
 * them in `authorizationError`), each of which rxtls reports with OpenSSL's own wording.
 *
 * @example
 * ```ts
 * import { OPENSSL_CERT_ERROR_CODES } from 'rxtls';
 * console.log(OPENSSL_CERT_ERROR_CODES.includes('CERT_HAS_EXPIRED')); // true
 * ```
 */
export const OPENSSL_CERT_ERROR_CODES = [
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'OUT_OF_MEM',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'UNSPECIFIED',
  'KEYUSAGE_NO_CERTSIGN',
  'KEYUSAGE_NO_DIGITAL_SIGNATURE',
  'INVALID_NON_CA',
  'PATH_LOOP',
  'INVALID_EXTENSION',
  'EXCLUDED_VIOLATION',
  'PERMITTED_VIOLATION',
  'UNSUPPORTED_SIGNATURE_ALGORITHM',
  'EE_KEY_TOO_SMALL',
  'CA_KEY_TOO_SMALL',
  'CA_MD_TOO_WEAK',
] as const;

/**
 * Certificate-problem codes rxtls raises itself, in the same bare form as OpenSSL's:
 * `ERR_TLS_CERT_ALTNAME_INVALID` (Node's name for a hostname mismatch, which rxtls checks
 * itself), `NO_PEER_CERTIFICATE` (no certificate to judge), and the policies' verdicts —
 * `PIN_MISMATCH` (`pin()`), `PIN_CHANGED` (`trustOnFirstUse()`), `FINGERPRINT_MISMATCH`
 * (`fingerprint()`), `CUSTOM_REJECTED` (`custom()` returned `false`), `POLICY_ERROR` (a policy
 * threw or rejected), `OCSP_STAPLE_INVALID` (`revocation()`: the stapled OCSP response cannot be
 * trusted) and `CHAIN_COMPLETION_FAILED` (`completeChain()`: the missing issuer could not be had).
 *
 * @example
 * ```ts
 * import { POLICY_CERT_ERROR_CODES } from 'rxtls';
 * console.log(POLICY_CERT_ERROR_CODES.includes('PIN_MISMATCH')); // true
 * ```
 */
export const POLICY_CERT_ERROR_CODES = [
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'NO_PEER_CERTIFICATE',
  'PIN_MISMATCH',
  'PIN_CHANGED',
  'FINGERPRINT_MISMATCH',
  'CUSTOM_REJECTED',
  'POLICY_ERROR',
  'OCSP_STAPLE_INVALID',
  'CHAIN_COMPLETION_FAILED',
] as const;

/**
 * An OpenSSL verification code ({@link OPENSSL_CERT_ERROR_CODES}).
 *
 * @example
 * ```ts
 * import type { OpenSslCertErrorCode } from 'rxtls';
 * const expired: OpenSslCertErrorCode = 'CERT_HAS_EXPIRED';
 * ```
 */
export type OpenSslCertErrorCode = (typeof OPENSSL_CERT_ERROR_CODES)[number];

/**
 * The code of a `CertError`: one of OpenSSL's verification codes, or one rxtls's checks and
 * policies raise ({@link POLICY_CERT_ERROR_CODES}). `CertError.code` is typed
 * `CertErrorCode | (string & {})`: a custom policy may add codes of its own.
 *
 * @example
 * ```ts
 * import type { CertErrorCode } from 'rxtls';
 * const tolerable: readonly CertErrorCode[] = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID'];
 * ```
 */
export type CertErrorCode = OpenSslCertErrorCode | (typeof POLICY_CERT_ERROR_CODES)[number];

/** A JavaScript runtime rxtls knows how to tell apart. */
export interface RuntimeInfo {
  /** `'Node'`, or a runtime that provides `node:tls` itself. */
  readonly name: 'Node' | 'Bun' | 'Deno';
  /** Its version, e.g. `'1.4.5'`. */
  readonly version: string;
}

/**
 * A capability some runtimes' `node:tls` lacks: `securityLevel`, OpenSSL's security levels (rxtls
 * builds every context at `DEFAULT_SECURITY_LEVEL`); `sessionResumption`, resuming a session
 * from a ticket (`connect({ session })`).
 */
export type RuntimeFeature = 'securityLevel' | 'sessionResumption';

/**
 * The connection could not be established or did not end well: DNS, refused, reset or closed
 * before the handshake finished, timeouts, TLS alerts, a truncated or unanswered close.
 *
 * @example
 * ```ts
 * import { connect, TransportError } from 'rxtls';
 * connect({ host: 'example.com', port: 443, handshakeTimeout: 100 }).subscribe({
 *   error: (e) => e instanceof TransportError && e.code === 'ERR_RXTLS_HANDSHAKE_TIMEOUT' && console.log('slow server'),
 * });
 * ```
 */
export class TransportError extends Error {
  /** The error class, for logs. */
  override readonly name = 'TransportError';
  constructor(
    /**
     * rxtls's own (`ERR_RXTLS_CONNECT_TIMEOUT`, `ERR_RXTLS_HANDSHAKE_TIMEOUT`, …), an OS code
     * (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`) or an OpenSSL one (`ERR_SSL_*`): see
     * {@link TransportErrorCode}.
     */
    readonly code: TransportErrorCode | (string & {}),
    /** The host connected to. */
    readonly host: string,
    /** The port connected to. */
    readonly port: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${host}:${port}: ${message}`, options);
  }
}

/** An option is missing or wrong. `option` names it and `value` is what was given. */
export class InvalidOptionError extends Error {
  /** The error class, for logs. */
  override readonly name = 'InvalidOptionError';
  /** A stable code to match on. */
  readonly code = 'ERR_RXTLS_INVALID_OPTION' satisfies RxtlsErrorCode;
  constructor(
    /** The option at fault. */
    readonly option: string,
    /** What was given for it. */
    readonly value: unknown,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`option "${option}" ${problem} (got ${describeValue(value)})`, options);
  }
}

/** A `HOST[:PORT]` text (a command-line argument, a gateway target) that does not parse; the message says what is wrong with it. */
export class InvalidTargetError extends Error {
  /** The error class, for logs. */
  override readonly name = 'InvalidTargetError';
  /** A stable code to match on. */
  readonly code = 'ERR_RXTLS_INVALID_TARGET' satisfies RxtlsErrorCode;
  constructor(
    /** The text given. */
    readonly text: string,
    message: string,
  ) {
    super(message);
  }
}

/** More bytes were written than `maxPendingWriteBytes` allows; the writer ignored backpressure. */
export class WriteBufferFullError extends Error {
  /** The error class, for logs. */
  override readonly name = 'WriteBufferFullError';
  /** A stable code to match on. */
  readonly code = 'ERR_RXTLS_WRITE_BUFFER_FULL' satisfies RxtlsErrorCode;
  constructor(
    /** The bound in force, in bytes. */
    readonly limit: number,
    /** Bytes already queued. */
    readonly pending: number,
    /** Bytes the refused write wanted to queue. */
    readonly attempted: number,
  ) {
    super(
      `write of ${attempted} bytes refused: ${pending} bytes already queued and maxPendingWriteBytes is ${limit}; wait for writer.drain() before writing more`,
    );
  }
}

/**
 * A feature the options ask for is missing from this runtime's `node:tls`. The connection (or
 * server) is not opened: rxtls does not go on without it.
 *
 * @example
 * ```ts
 * import { listen, RuntimeUnsupportedError } from 'rxtls';
 * listen({ credentials: { cert, key } }).subscribe({
 *   error: (e) => e instanceof RuntimeUnsupportedError && console.error(e.code, e.feature), // ERR_RXTLS_RUNTIME_UNSUPPORTED securityLevel (under Bun)
 * });
 * ```
 */
export class RuntimeUnsupportedError extends Error {
  /** The error class, for logs. */
  override readonly name = 'RuntimeUnsupportedError';
  /** A stable code to match on. */
  readonly code = 'ERR_RXTLS_RUNTIME_UNSUPPORTED' satisfies RxtlsErrorCode;
  constructor(
    /** The runtime that lacks the feature. */
    readonly runtime: RuntimeInfo,
    /** The feature it lacks. */
    readonly feature: RuntimeFeature,
    /** What is not supported where, why, and what to do instead. */
    message: string,
  ) {
    super(message);
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}
