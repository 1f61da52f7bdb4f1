/**
 * What `rxtls doctor` found, probe by probe, as plain data: the input of `diagnose()`. The probes
 * (DNS, TCP, the TLS handshakes, the plaintext greeting, the certificates' facts) live in the
 * command line (lib/cli/doctor/); this file only names what they report, so that the diagnosis
 * is a pure function that specs feed with fabricated findings.
 * @module
 */
import type { CertError, PeerInfo } from '../events';

/**
 * An error a probe met: its code (the catalogue's, or the platform's) and its message.
 *
 * @example
 * ```ts
 * import type { DoctorFindings } from 'rxtls';
 * const refused: DoctorFindings['tcp'][number] = {
 *   address: '127.0.0.1', family: 4, status: 'failed', error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' },
 * };
 * ```
 */
export interface ProbeError {
  /** The code: `ECONNREFUSED`, `ERR_RXTLS_HANDSHAKE_TIMEOUT`, `ERR_SSL_WRONG_VERSION_NUMBER`, … */
  readonly code: string;
  /** The platform's words. */
  readonly message: string;
}

/**
 * The name lookup: every address (A and AAAA) the resolver gave, or why it gave none.
 *
 * @example
 * ```ts
 * import type { DnsFinding } from 'rxtls';
 * const dualStack = (d: DnsFinding) => new Set(d.addresses.map((a) => a.family)).size === 2;
 * ```
 */
export interface DnsFinding {
  /** `skipped` when the host is an address already. */
  readonly status: 'ok' | 'failed' | 'skipped';
  /** Each address, in the resolver's order. */
  readonly addresses: readonly {
    /** The address. */
    readonly address: string;
    /** IPv4 or IPv6. */
    readonly family: 4 | 6;
  }[];
  /** Why the lookup failed. */
  readonly error?: ProbeError;
}

/**
 * One TCP connection attempt, to one address.
 *
 * @example
 * ```ts
 * import type { TcpFinding } from 'rxtls';
 * const reachable = (tcp: readonly TcpFinding[]) => tcp.filter((t) => t.status === 'ok').map((t) => t.address);
 * ```
 */
export interface TcpFinding {
  /** The address tried. */
  readonly address: string;
  /** Its family: IPv4 or IPv6. */
  readonly family: 4 | 6;
  /** Whether TCP connected. */
  readonly status: 'ok' | 'failed';
  /** How long connecting took, in ms. */
  readonly ms?: number;
  /** Why it did not connect. */
  readonly error?: ProbeError;
}

/**
 * A protocol recognised by its plaintext greeting or reply.
 *
 * @example
 * ```ts
 * import type { PlaintextProtocol } from 'rxtls';
 * const mailish: readonly PlaintextProtocol[] = ['imap', 'smtp', 'pop3'];
 * ```
 */
export type PlaintextProtocol = 'imap' | 'smtp' | 'pop3' | 'ftp' | 'http';

/**
 * What the port said in plaintext, when the TLS handshake failed: a greeting, an HTTP response, or nothing.
 *
 * @example
 * ```ts
 * import type { PlaintextFinding } from 'rxtls';
 * const needsStartTls = (p: PlaintextFinding) => p.protocol !== undefined && p.startTls;
 * ```
 */
export interface PlaintextFinding {
  /** The first line it sent (shortened), if it sent any. */
  readonly greeting?: string;
  /** The protocol the greeting (or the reply to an HTTP request) is of. */
  readonly protocol?: PlaintextProtocol;
  /** Whether the protocol offered STARTTLS when asked for its capabilities. */
  readonly startTls: boolean;
}

/**
 * One TLS handshake of the doctor, judged by the strict rules (a diagnostic policy that records
 * every problem and accepts nothing strict would not).
 *
 * @example
 * ```ts
 * import type { HandshakeFinding } from 'rxtls';
 * const describe = (h: HandshakeFinding) => (h.status === 'failed' ? h.error?.code : `${h.protocol} ${h.problems.length} problems`);
 * ```
 */
export interface HandshakeFinding {
  /** `verified`: accepted; `rejected`: the handshake finished but the certificate failed; `failed`: no handshake. */
  readonly status: 'verified' | 'rejected' | 'failed';
  /** Whether the client sent a server name (SNI). */
  readonly sni: boolean;
  /** The TLS version negotiated, when known (`TLSv1.3`). */
  readonly protocol?: string;
  /** The cipher suite negotiated, when known. */
  readonly cipher?: string;
  /** Every certificate problem found (empty when verified). */
  readonly problems: readonly CertError[];
  /** The peer and its chain, when the handshake got that far. */
  readonly peer?: PeerInfo;
  /** Why it failed (also after the handshake: a server that requires a client certificate says so then). */
  readonly error?: ProbeError;
  /** Whether the server sent a session ticket. */
  readonly ticket?: boolean;
}

/**
 * One TLS version, offered alone.
 *
 * @example
 * ```ts
 * import type { VersionFinding } from 'rxtls';
 * const legacyOnly = (v: readonly VersionFinding[]) => v.every((f) => !f.accepted || f.version === 'TLSv1' || f.version === 'TLSv1.1');
 * ```
 */
export interface VersionFinding {
  /** The version offered. */
  readonly version: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** Whether the server completed a handshake with it. */
  readonly accepted: boolean;
  /** Why it did not. */
  readonly error?: ProbeError;
}

/**
 * The facts of one certificate of the chain, read from its DER: what `PeerInfo` does not carry
 * (key type and size, signature algorithm, where its issuer can be fetched).
 *
 * @example
 * ```ts
 * import type { CertificateFacts } from 'rxtls';
 * const weak = (c: CertificateFacts) => (c.keyType === 'rsa' && (c.keyBits ?? 0) < 2048) || /sha1/i.test(c.signatureAlgorithm);
 * ```
 */
export interface CertificateFacts {
  /** Its subject, as OpenSSL prints it. */
  readonly subject: string;
  /** Its issuer's name. */
  readonly issuer: string;
  /** ISO 8601. */
  readonly validFrom: string;
  /** ISO 8601. */
  readonly validTo: string;
  /** Whole days until it expires (negative once it has). */
  readonly daysLeft: number;
  /** `rsa`, `ec`, `ed25519`, … */
  readonly keyType: string;
  /** Key size in bits (RSA modulus; EC curve size). */
  readonly keyBits?: number;
  /** EC curve name, e.g. `prime256v1`. */
  readonly curve?: string;
  /** The issuer's signature algorithm, e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`. */
  readonly signatureAlgorithm: string;
  /** Whether its issuer is itself (a root, or a self-signed leaf). */
  readonly selfIssued: boolean;
  /** Whether its basic constraints make it a CA. */
  readonly isCA: boolean;
  /** The AIA caIssuers URLs: where its issuer's certificate can be fetched. */
  readonly caIssuers: readonly string[];
  /** Its SHA-256 fingerprint (colon-separated hex), as `pin` and `allowErrors` take it. */
  readonly fingerprint256: string;
}

/**
 * The intermediate a chain lacked, fetched from its AIA caIssuers URL for the diagnosis only.
 *
 * @example
 * ```ts
 * import type { IntermediateFinding } from 'rxtls';
 * const serverShouldSend = (i: IntermediateFinding) => i.status === 'fetched' && i.issuesLastCertificate === true;
 * ```
 */
export interface IntermediateFinding {
  /** The AIA caIssuers URL it was fetched from. */
  readonly url: string;
  /** Whether fetching it worked. */
  readonly status: 'fetched' | 'failed';
  /** Its subject. */
  readonly subject?: string;
  /** Whether it really is the issuer of the last certificate the server sent (its key verifies that signature). */
  readonly issuesLastCertificate?: boolean;
  /** Whether a CA this program trusts issued it: with it, the chain would verify. */
  readonly chainsToTrusted?: boolean;
  /** Why fetching failed. */
  readonly error?: string;
}

/**
 * One certificate as the server sent it, in the order it sent them (read off the wire).
 *
 * @example
 * ```ts
 * import type { ServedCertificate } from 'rxtls';
 * const line = (c: ServedCertificate, i: number) => `${i} ${c.subject} ← ${c.issuer}`;
 * ```
 */
export interface ServedCertificate {
  /** Its subject, as OpenSSL prints it (`unreadable` if the bytes are no certificate). */
  readonly subject: string;
  /** Its issuer's name. */
  readonly issuer: string;
  /** Its SHA-256 fingerprint (colon-separated hex). */
  readonly fingerprint256: string;
  /** Whether it is signed by its own key (a root, or a self-signed leaf). */
  readonly selfSigned: boolean;
  /** Whether its basic constraints make it a CA. */
  readonly isCA: boolean;
  /** The position (from 0) of the first certificate sent whose key signed this one, if the server sent its issuer. */
  readonly issuerIndex?: number;
}

/**
 * The server's first flight as it came over the wire, recorded during a handshake of the
 * doctor's own and read by rxtls's parsers: the chain in the order sent, and the
 * CertificateRequest if the server asked for a client certificate. TLS 1.3 encrypts both; the
 * doctor decrypts them with that handshake's own secret, which never leaves the probe.
 *
 * @example
 * ```ts
 * import type { ServedFlightFinding } from 'rxtls';
 * const asServed = (s: ServedFlightFinding) => (s.certificates ?? []).map((c) => c.subject).join(' | ');
 * ```
 */
export interface ServedFlightFinding {
  /** `read`: the flight was read (`complete` says whether to its end); `encrypted`: TLS 1.3 without a secret to read it; `unreadable`: the bytes did not parse (`error`); `failed`: no handshake. */
  readonly status: 'read' | 'encrypted' | 'unreadable' | 'failed';
  /** The version the server chose (`TLSv1.3`). */
  readonly protocol?: string;
  /** The certificates in the order sent; absent if no Certificate message was read (a resumed session). */
  readonly certificates?: readonly ServedCertificate[];
  /** Whether the server asked for a client certificate, and what it accepts. */
  readonly certificateRequest?: {
    /** The CAs it names, as text (none: any). */
    readonly certificateAuthorities: readonly string[];
    /** The signature schemes it accepts (`ecdsa_secp256r1_sha256`, …). */
    readonly signatureAlgorithms: readonly string[];
  };
  /** Whether the end of the flight was read (ServerHelloDone, or TLS 1.3's Finished). */
  readonly complete: boolean;
  /** Set when the recording stopped at its bound (`DEFAULT_DOCTOR_MAX_FLIGHT_BYTES`): what came later was not read. */
  readonly truncatedAtBytes?: number;
  /** Why reading stopped early, or why there was no handshake. */
  readonly error?: string;
}

/**
 * Everything `rxtls doctor` found about one `HOST:PORT`.
 *
 * @example
 * ```ts
 * import { diagnose, type DoctorFindings } from 'rxtls';
 * const findings: DoctorFindings = {
 *   host: 'nowhere.invalid', port: 443, servername: 'nowhere.invalid', now: new Date().toISOString(),
 *   dns: { status: 'failed', addresses: [], error: { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND nowhere.invalid' } },
 *   tcp: [],
 * };
 * console.log(diagnose(findings).problems[0]?.code); // ENOTFOUND
 * ```
 */
export interface DoctorFindings {
  /** The host probed, as given. */
  readonly host: string;
  /** The port probed. */
  readonly port: number;
  /** The name sent as SNI and checked against the certificate. */
  readonly servername: string;
  /** The STARTTLS protocol the probes upgraded with, if any. */
  readonly starttls?: string;
  /** When the probes ran (ISO 8601): days are counted from it. */
  readonly now: string;
  /** The name lookup. */
  readonly dns: DnsFinding;
  /** One TCP attempt per address. */
  readonly tcp: readonly TcpFinding[];
  /** The main handshake: with SNI (unless connecting by address), at rxtls's own settings. */
  readonly tls?: HandshakeFinding;
  /** What the port said in plaintext, probed when the handshake failed. */
  readonly plaintext?: PlaintextFinding;
  /** Each TLS version offered alone (at OpenSSL security level 0, for this probe only). */
  readonly versions?: readonly VersionFinding[];
  /** The same handshake without SNI, when the main one sent it. */
  readonly withoutSni?: HandshakeFinding;
  /** The facts of each certificate, leaf first, as Node gives the chain. */
  readonly chain?: readonly CertificateFacts[];
  /** The server's first flight read off the wire: the chain as served (in its order), a CertificateRequest. */
  readonly served?: ServedFlightFinding;
  /** The intermediate the chain lacked, fetched by its AIA URL. */
  readonly intermediate?: IntermediateFinding;
  /** The root the chain ends at, and whether it is one of the public roots Node ships. */
  readonly anchor?: {
    /** The root's subject. */
    readonly subject: string;
    /** Whether it is one of Node's public roots (`tls.rootCertificates`). */
    readonly public: boolean;
  };
  /** A second connection with the first one's session ticket. */
  readonly resumption?: {
    /** Resumed; a full handshake despite the ticket; or no ticket was issued. */
    readonly status: 'resumed' | 'not-resumed' | 'no-ticket';
  };
}
