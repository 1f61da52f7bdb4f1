import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_GATEWAY_MAX_CONNECTIONS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_LISTEN_HOST,
} from '../defaults';
import type { StartTlsProtocol } from './starttls-preambles';

/** The well-known ports of a protocol that speaks STARTTLS. */
export interface ProtocolPorts {
  /** Where it speaks plaintext first and upgrades in band: `rxtls connect --starttls` uses it when HOST has no :PORT. */
  readonly starttls: number;
  /** Where it speaks TLS from the first byte (connect there without `--starttls`). */
  readonly implicitTls: number;
}

/** Every default of the `rxtls` command, in one place. */
export interface CliDefaults {
  /** `rxtls connect` and `rxtls pin`: the port when HOST has no :PORT and there is no `--starttls` (HTTPS's). */
  readonly port: number;
  /** `rxtls connect` without `--timeout`: the library's connect timeout, in ms ({@link DEFAULT_CONNECT_TIMEOUT_MS}). */
  readonly connectTimeoutMs: number;
  /** `rxtls connect` without `--timeout`: the library's handshake timeout, in ms ({@link DEFAULT_HANDSHAKE_TIMEOUT_MS}). */
  readonly handshakeTimeoutMs: number;
  /** `rxtls connect --send` without `--idle`: how long a silence ends the conversation, in seconds. */
  readonly idleSeconds: number;
  /** `rxtls serve` without `--host`: where it listens ({@link DEFAULT_LISTEN_HOST}). */
  readonly serveHost: string;
  /** `rxtls gateway` without `--max-connections`: the library's ({@link DEFAULT_GATEWAY_MAX_CONNECTIONS}). */
  readonly gatewayMaxConnections: number;
  /** `rxtls doctor` without `--timeout`: the bound of each of its probes (TCP, a handshake, a plaintext read), in ms. */
  readonly doctorTimeoutMs: number;
  /** `rxtls doctor`: how long it waits for a plaintext greeting after a failed handshake, in ms (servers that speak first do so at once). */
  readonly doctorGreetingWaitMs: number;
  /** `rxtls doctor`: the most bytes it reads of a plaintext greeting or reply. */
  readonly doctorMaxPlaintextBytes: number;
  /** `rxtls doctor`: how long it waits after a handshake for the session ticket (and for a server that then refuses), in ms. */
  readonly doctorTicketWaitMs: number;
  /** `rxtls doctor`: the most bytes of a missing intermediate it fetches by its AIA URL. */
  readonly doctorAiaMaxBytes: number;
  /** `rxtls doctor`: how long that fetch may take, in ms. */
  readonly doctorAiaTimeoutMs: number;
  /** `--workers`: how long past the shutdown timeout a stopping worker may take before it exits (or is killed), in ms. */
  readonly workerExitMarginMs: number;
  /** `--workers`, SIGHUP: how long a replaced worker, no longer given connections, has to serve those it took before it is stopped, in ms. */
  readonly workerHandOverMs: number;
  /** `--workers`: this many workers dying within `workerCrashWindowMs` stop the command (a crash loop) instead of being replaced. */
  readonly workerCrashLimit: number;
  /** `--workers`: the window of `workerCrashLimit`, in ms. */
  readonly workerCrashWindowMs: number;
  /** Per `--starttls` protocol, its STARTTLS port and its implicit-TLS port. */
  readonly protocols: Readonly<Record<StartTlsProtocol, ProtocolPorts>>;
}

/**
 * The `rxtls` command's defaults, which its help texts print: the library's own where the
 * library has one, and the protocols' registered ports (IANA).
 *
 * @example
 * ```ts
 * import { CLI_DEFAULTS } from './cli-defaults';
 * console.log(CLI_DEFAULTS.protocols.imap); // { starttls: 143, implicitTls: 993 }
 * ```
 */
export const CLI_DEFAULTS: CliDefaults = {
  port: 443,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
  idleSeconds: 2,
  serveHost: DEFAULT_LISTEN_HOST,
  gatewayMaxConnections: DEFAULT_GATEWAY_MAX_CONNECTIONS,
  doctorTimeoutMs: 5_000,
  doctorGreetingWaitMs: 1_500,
  doctorMaxPlaintextBytes: 16 * 1024,
  doctorTicketWaitMs: 300,
  // a certificate is 1–2 KiB; a CA's .p7c with several is rarely above 16 KiB
  doctorAiaMaxBytes: 64 * 1024,
  doctorAiaTimeoutMs: 5_000,
  workerExitMarginMs: 500,
  workerHandOverMs: 500,
  workerCrashLimit: 5,
  workerCrashWindowMs: 10_000,
  protocols: {
    // RFC 5321 relay on 25 (message submission, RFC 6409, is 587: give HOST:587); SMTPS 465 (RFC 8314)
    smtp: { starttls: 25, implicitTls: 465 },
    // RFC 3501; IMAPS 993 (RFC 8314)
    imap: { starttls: 143, implicitTls: 993 },
    // RFC 2595; POP3S 995 (RFC 8314)
    pop3: { starttls: 110, implicitTls: 995 },
    // RFC 4217; FTPS 990
    ftp: { starttls: 21, implicitTls: 990 },
  },
};

/** The port `rxtls connect` uses when HOST has no :PORT: the protocol's STARTTLS port, or {@link CliDefaults.port}. */
export function defaultPortFor(starttls: StartTlsProtocol | undefined): number {
  return starttls === undefined ? CLI_DEFAULTS.port : CLI_DEFAULTS.protocols[starttls].starttls;
}
