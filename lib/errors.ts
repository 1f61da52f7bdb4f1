/**
 * Errors rxtls delivers as error notifications. Each has a stable `code` and a message that
 * names the host:port, option or condition at fault.
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

/** The connection could not be established: DNS, refused, reset or closed before the handshake finished, timeouts, TLS alerts. */
export class TransportError extends Error {
  /** The error class, for logs. */
  override readonly name = 'TransportError';
  constructor(
    /** `ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, `ETIMEDOUT` (connect timeout), `HANDSHAKE_TIMEOUT`, or an OpenSSL code such as `ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION`. */
    readonly code: string,
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
  readonly code = 'ERR_RXTLS_INVALID_OPTION';
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

/** More bytes were written than `maxPendingWriteBytes` allows; the writer ignored backpressure. */
export class WriteBufferFullError extends Error {
  /** The error class, for logs. */
  override readonly name = 'WriteBufferFullError';
  /** A stable code to match on. */
  readonly code = 'ERR_RXTLS_WRITE_BUFFER_FULL';
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
  readonly code = 'ERR_RXTLS_RUNTIME_UNSUPPORTED';
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
  if (value === undefined || value === null || typeof value !== 'object') return String(value);
  return 'an object';
}
