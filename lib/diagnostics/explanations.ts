/**
 * The table `explain()` reads: for every code of the error catalogue (lib/errors.ts,
 * docs/errors.md) a cause in plain words and what to do, as sentences or functions of the facts
 * gathered about the failure. One table keyed by code, so that a new code is a compile error
 * here until it is explained, and a spec checks the catalogue against it.
 *
 * Never an explanation that tells anyone to switch verification off: where a user must accept
 * something unusual, the fix names the narrowest policy (`ca`, `pin()`, `fingerprint()`,
 * `allowErrors(codes, fingerprint)` for one certificate).
 * @module
 */
import type { CertErrorCode, DiagnosisCode, RxtlsErrorCode, TransportErrorCode } from '../errors';

/**
 * The facts behind an explanation, as far as the failure tells them: each present only when
 * known. Dates are ISO 8601 text and every field is plain JSON, so `rxtls` can print it as is.
 *
 * @example
 * ```ts
 * import type { ExplanationDetails } from 'rxtls';
 * const where = (d: ExplanationDetails) => d.target ?? d.option ?? 'unknown';
 * ```
 */
export interface ExplanationDetails {
  /** `host:port` of the connection (or of the server that could not listen). */
  readonly target?: string;
  /** The option at fault. */
  readonly option?: string;
  /** The name that was asked for and checked against the certificate (SNI server name, or the host). */
  readonly servername?: string;
  /** The names the certificate carries (its subject alternative names as OpenSSL prints them). */
  readonly names?: readonly string[];
  /** Subject of the certificate the problem is about (the leaf unless the problem names another). */
  readonly subject?: string;
  /** Its issuer. */
  readonly issuer?: string;
  /** Start of its validity, ISO 8601. */
  readonly validFrom?: string;
  /** End of its validity, ISO 8601. */
  readonly validTo?: string;
  /** Whole days since it expired, when it has. */
  readonly daysSinceExpiry?: number;
  /** Whole days until it becomes valid, when it is not yet. */
  readonly daysUntilValid?: number;
  /** SHA-256 fingerprint of the peer's leaf certificate: what `fingerprint()` and `allowErrors()` take. */
  readonly fingerprint256?: string;
  /** SPKI pin of the peer's leaf certificate: what `pin()` takes. */
  readonly spkiPin?: string;
  /** The problem's own words: OpenSSL's reason, or the error's message. */
  readonly reason?: string;
  /** A bound in force (`maxLength`, `maxPendingWriteBytes`, …), in bytes. */
  readonly limit?: number;
  /** The runtime feature missing (`RuntimeUnsupportedError`). */
  readonly feature?: string;
  /** The runtime lacking it, e.g. `Bun 1.1.0`. */
  readonly runtime?: string;
  /** The text that did not parse (`InvalidTargetError`). */
  readonly text?: string;
  /** A diagnosis: the plaintext protocol the port speaks (`imap`, `smtp`, `pop3`, `ftp`, `http`), when it was recognised. */
  readonly protocol?: string;
  /** A diagnosis: the first line the port sent in plaintext (a greeting, an HTTP status line), shortened. */
  readonly greeting?: string;
  /** A diagnosis: the TLS versions the server accepted when each was offered alone. */
  readonly versions?: readonly string[];
  /** A diagnosis: the subjects of the certificates the server sent, in the order it sent them (read off the wire). */
  readonly served?: readonly string[];
  /** A diagnosis: the CAs a server that asks for a client certificate says it accepts (none: any). */
  readonly certificateAuthorities?: readonly string[];
  /** The other problems of a `certFailed`, after the one explained, in the same order of importance. */
  readonly otherProblems?: readonly ExplainedProblem[];
}

/**
 * One further problem of a `certFailed`, with its own cause and fix.
 *
 * @example
 * ```ts
 * import type { ExplainedProblem } from 'rxtls';
 * const line = (p: ExplainedProblem) => `${p.code}: ${p.cause} ${p.fix}`;
 * ```
 */
export interface ExplainedProblem {
  /** Its code. */
  readonly code: string;
  /** OpenSSL's (or the policy's) reason. */
  readonly reason: string;
  /** One sentence: what went wrong. */
  readonly cause: string;
  /** One sentence: what to do. */
  readonly fix: string;
}

/** A sentence, or one written from the facts. */
export type Sentence = string | ((facts: ExplanationDetails) => string);

/**
 * Which part of the verification a certificate problem belongs to. A `certFailed` with several
 * problems is explained in this order: first whether the peer can be trusted at all (chain,
 * signatures, revocation, pins), then its dates, then the name — a certificate from nobody you
 * trust is the first thing to fix, and a renewed one will usually fix the rest.
 */
export type ProblemGroup = 'trust' | 'dates' | 'name';

/** How one code is explained. */
export interface ExplanationEntry {
  /** One sentence: what went wrong, in plain words. */
  readonly cause: Sentence;
  /** One sentence: what to do. */
  readonly fix: Sentence;
  /** For certificate problems: which part of the verification failed. */
  readonly group?: ProblemGroup;
}

/**
 * Every code `explain()` knows: the whole catalogue.
 *
 * @example
 * ```ts
 * import { explain, type CertFailedEvent, type ExplainedCode } from 'rxtls';
 * const codeOf = (e: CertFailedEvent): ExplainedCode | (string & {}) => explain(e).code;
 * ```
 */
export type ExplainedCode = CertErrorCode | TransportErrorCode | RxtlsErrorCode | DiagnosisCode;

const days = (n: number) => `${n} day${n === 1 ? '' : 's'}`;
const at = (d: ExplanationDetails) => (d.target ? ` (${d.target})` : '');
const subjectOf = (d: ExplanationDetails) => (d.subject ? `The certificate "${d.subject}"` : 'The certificate');
const fingerprintOf = (d: ExplanationDetails) => (d.fingerprint256 ? `'${d.fingerprint256}'` : 'its SHA-256 fingerprint');
const allowOne = (code: string) => (d: ExplanationDetails) =>
  `only if you have confirmed out of band that it is the right certificate, accept this one certificate alone with allowErrors(['${code}'], ${fingerprintOf(d)}).`;

const untrustedIssuer: ExplanationEntry = {
  group: 'trust',
  cause: (d) =>
    `The certificate${d.issuer ? ` was issued by "${d.issuer}", which` : "'s issuer"} is not among the CAs this program trusts, or the server did not send the intermediate certificates that lead to one.`,
  fix: 'If the server uses a private or corporate CA, give that CA certificate as ca (--ca on the command line); if it is a public CA, the server must send its full chain (leaf and intermediates).',
};

const missingChain: ExplanationEntry = {
  group: 'trust',
  cause: 'The server sent only its own certificate, without the intermediate certificates that link it to a trusted CA.',
  fix: "The server's operator must configure the full chain (leaf then intermediates); meanwhile you can give the intermediate as ca (--ca on the command line).",
};

const misbuiltPki: ExplanationEntry = {
  group: 'trust',
  cause: (d) =>
    `A certificate of the chain${d.subject ? ` ("${d.subject}")` : ''} is used for something it may not do: a CA that may not sign, or a certificate issued for another purpose.`,
  fix: "The certificate authority is misbuilt: the server's operator must reissue the certificate from a proper CA.",
};

const brokenChain: ExplanationEntry = {
  group: 'trust',
  cause: 'The certificate chain is too long, breaks a path-length constraint, or loops back on itself.',
  fix: "The server's operator must serve a correct chain: leaf, then each intermediate once, up to a trusted CA.",
};

const weakCrypto: ExplanationEntry = {
  group: 'trust',
  cause: (d) =>
    `${d.subject ? `The certificate "${d.subject}"` : 'A certificate of the chain'} uses a key or signature digest weaker than the security level rxtls requires (RSA under 2048 bits, or SHA-1).`,
  fix: "The server's operator must reissue it with a key of 2048 bits or more and a SHA-256 signature.",
};

const badSignature: ExplanationEntry = {
  group: 'trust',
  cause: 'A signature in the certificate chain does not verify or cannot be read: the certificate is corrupt, or forged.',
  fix: "Do not connect; report it to the server's operator, who must install an intact certificate.",
};

const malformedDates: ExplanationEntry = {
  group: 'dates',
  cause: 'The validity dates of the certificate are malformed.',
  fix: "The server's operator must reissue the certificate.",
};

const badExtension: ExplanationEntry = {
  group: 'trust',
  cause: 'The certificate breaks one of its own extensions or a name constraint of its CA.',
  fix: "The server's operator must reissue the certificate within what its CA allows.",
};

const crlProblem: ExplanationEntry = {
  group: 'trust',
  cause: (d) =>
    `The certificate revocation list (CRL) the certificate is checked against is missing, unsigned, or out of date${d.reason ? ` (${d.reason})` : ''}.`,
  fix: "Fix or refresh the CRL your trust store uses; for revocation(), make its distribution point reachable, or ask the CA to publish a fresh one. Use revocation({ mode: 'soft' }) only where an unknown status is acceptable.",
};

const noSharedVersion: ExplanationEntry = {
  cause: (d) => `This program and the server${at(d)} have no TLS version in common.`,
  fix: 'Upgrade the server to TLS 1.2 or 1.3; lower minVersion only for a legacy server on a network you control.',
};

const ourCertificateRejected: ExplanationEntry = {
  cause: (d) => `The server${at(d)} rejected the client certificate this program presented (mutual TLS).`,
  fix: 'Present a certificate the server trusts with the options cert and key, issued by the CA the server expects.',
};

const readTheCause: ExplanationEntry = {
  cause: (d) => `It failed and the platform gave no more specific code${d.reason ? `: ${d.reason}` : ''}.`,
  fix: "Read the error's message and its cause, which say what the platform reported.",
};

/**
 * The explanations, by code. Every code of the catalogue that a user can meet has an entry (the
 * type makes a missing one a compile error); there are no exclusions.
 *
 * @example
 * ```ts
 * import { EXPLANATIONS } from './explanations';
 * console.log(typeof EXPLANATIONS.CERT_HAS_EXPIRED.fix); // 'function'
 * ```
 */
export const EXPLANATIONS: Readonly<Record<ExplainedCode, ExplanationEntry>> = {
  // ── certificates: OpenSSL's verification ────────────────────────────────────────────────────
  CERT_HAS_EXPIRED: {
    group: 'dates',
    cause: (d) =>
      `${subjectOf(d)} expired${d.validTo ? ` on ${d.validTo.slice(0, 10)}` : ''}${d.daysSinceExpiry === undefined ? '' : ` (${days(d.daysSinceExpiry)} ago)`}.`,
    fix: (d) => `The server's operator must renew it; ${allowOne('CERT_HAS_EXPIRED')(d)}`,
  },
  CERT_NOT_YET_VALID: {
    group: 'dates',
    cause: (d) =>
      `${subjectOf(d)} is valid only from ${d.validFrom ? d.validFrom.slice(0, 10) : 'a later date'}${d.daysUntilValid === undefined ? '' : ` (in ${days(d.daysUntilValid)})`}: either it was issued for the future or this machine's clock is behind.`,
    fix: "Check this machine's date and time (and its time sync); if the clock is right, wait until the certificate becomes valid.",
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    group: 'trust',
    cause: (d) => `The server presented a self-signed certificate${d.subject ? ` ("${d.subject}")` : ''}, which no CA vouches for.`,
    fix: (d) =>
      `If this is your own server, check its fingerprint out of band and trust exactly that certificate with fingerprint(${fingerprintOf(d)}), or give the certificate as ca (--ca on the command line).`,
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    group: 'trust',
    cause: (d) =>
      `The chain ends in a root CA${d.issuer ? ` ("${d.issuer}")` : ''} that this program does not trust: a private CA, or a proxy or antivirus that re-signs connections.`,
    fix: "If it is your organisation's CA, give its certificate as ca (--ca on the command line); if you did not expect it, someone may be intercepting the connection.",
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: untrustedIssuer,
  UNABLE_TO_GET_ISSUER_CERT: untrustedIssuer,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: missingChain,
  CERT_UNTRUSTED: {
    group: 'trust',
    cause: 'The trust store does not accept this certificate for TLS servers.',
    fix: 'Give the CA that should vouch for it as ca (--ca on the command line), or ask the server operator for a certificate from a CA you trust.',
  },
  CERT_REJECTED: {
    group: 'trust',
    cause: 'The trust store is configured to reject this certificate for this purpose.',
    fix: 'Check the trust settings of the CA you give as ca; the server may need a certificate issued for TLS servers.',
  },
  CERT_REVOKED: {
    group: 'trust',
    cause: (d) => `${subjectOf(d)} has been revoked by its CA: it must no longer be trusted.`,
    fix: "Do not connect; the server's operator must replace the certificate.",
  },
  HOSTNAME_MISMATCH: {
    group: 'name',
    cause: (d) =>
      `The certificate is not for ${d.servername ? `"${d.servername}"` : 'the name connected to'}${d.names && d.names.length > 0 ? `: it is for ${d.names.join(', ')}` : ''}.`,
    fix: 'Connect by one of the names on the certificate, or set servername to one of them; otherwise the server needs a certificate for this name.',
  },
  INVALID_CA: misbuiltPki,
  INVALID_PURPOSE: misbuiltPki,
  KEYUSAGE_NO_CERTSIGN: misbuiltPki,
  INVALID_NON_CA: misbuiltPki,
  CERT_CHAIN_TOO_LONG: brokenChain,
  PATH_LENGTH_EXCEEDED: brokenChain,
  PATH_LOOP: brokenChain,
  EE_KEY_TOO_SMALL: weakCrypto,
  CA_KEY_TOO_SMALL: weakCrypto,
  CA_MD_TOO_WEAK: weakCrypto,
  CERT_SIGNATURE_FAILURE: badSignature,
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: badSignature,
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: badSignature,
  UNSUPPORTED_SIGNATURE_ALGORITHM: badSignature,
  ERROR_IN_CERT_NOT_BEFORE_FIELD: malformedDates,
  ERROR_IN_CERT_NOT_AFTER_FIELD: malformedDates,
  INVALID_EXTENSION: badExtension,
  EXCLUDED_VIOLATION: badExtension,
  PERMITTED_VIOLATION: badExtension,
  KEYUSAGE_NO_DIGITAL_SIGNATURE: badExtension,
  UNABLE_TO_GET_CRL: crlProblem,
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: crlProblem,
  CRL_SIGNATURE_FAILURE: crlProblem,
  CRL_NOT_YET_VALID: crlProblem,
  CRL_HAS_EXPIRED: crlProblem,
  ERROR_IN_CRL_LAST_UPDATE_FIELD: crlProblem,
  ERROR_IN_CRL_NEXT_UPDATE_FIELD: crlProblem,
  OUT_OF_MEM: {
    group: 'trust',
    cause: 'OpenSSL ran out of memory while verifying the certificate.',
    fix: 'Free memory on this machine and connect again.',
  },
  UNSPECIFIED: {
    group: 'trust',
    cause: (d) => `OpenSSL rejected the certificate without naming a reason${d.reason ? ` ("${d.reason}")` : ''}.`,
    fix: 'Inspect the chain (rxtls connect prints it) and compare it with what the server should present.',
  },

  // ── certificates: rxtls's checks and policies ──────────────────────────────────────────────
  ERR_TLS_CERT_ALTNAME_INVALID: {
    group: 'name',
    cause: (d) =>
      `The certificate is not for ${d.servername ? `"${d.servername}"` : 'the name connected to'}${d.names && d.names.length > 0 ? `: it is for ${d.names.join(', ')}` : ': it carries no names'}.`,
    fix: 'Connect by one of the names on the certificate, or set servername to one of them; otherwise the server needs a certificate for this name.',
  },
  NO_PEER_CERTIFICATE: {
    group: 'trust',
    cause: 'The peer sent no certificate, so there is nothing to verify.',
    fix: 'For mutual TLS the client must present a certificate with the options cert and key.',
  },
  PIN_MISMATCH: {
    group: 'trust',
    cause: (d) => `No certificate of the chain has one of the pinned keys${d.spkiPin ? `; the server's key is ${d.spkiPin}` : ''}.`,
    fix: "The server's key changed, or someone is intercepting: confirm the new key out of band before you update the pins given to pin().",
  },
  PIN_CHANGED: {
    group: 'trust',
    cause: (d) => `The server's key is not the one recorded on first use${d.spkiPin ? `; it is now ${d.spkiPin}` : ''}.`,
    fix: "Confirm the new key out of band; only then remove the host's line from the known-hosts file so that it is recorded again.",
  },
  FINGERPRINT_MISMATCH: {
    group: 'trust',
    cause: (d) => `The server's certificate is not the one expected${d.fingerprint256 ? `; its fingerprint is ${d.fingerprint256}` : ''}.`,
    fix: 'The server has a new certificate, or someone is intercepting: confirm it out of band before you update the fingerprint.',
  },
  CUSTOM_REJECTED: {
    group: 'trust',
    cause: 'Your custom() predicate returned false for this certificate.',
    fix: "That is your predicate's decision; return CertErrors with codes of your own from it to say why.",
  },
  OCSP_STAPLE_INVALID: {
    group: 'trust',
    cause: (d) => `The OCSP response the server stapled cannot be trusted${d.reason ? `: ${d.reason}` : ''}.`,
    fix: "The server's operator must staple a fresh response signed by the issuer (or its OCSP responder); or connect without requestOCSP.",
  },
  CHAIN_COMPLETION_FAILED: {
    group: 'trust',
    cause: (d) =>
      `The server omitted an intermediate certificate and it could not be fetched from the leaf's AIA caIssuers URL${d.reason ? `: ${d.reason}` : ''}.`,
    fix: "The server's operator must send the whole chain (the intermediates after the leaf); meanwhile give the intermediate as ca.",
  },
  POLICY_ERROR: {
    group: 'trust',
    cause: (d) =>
      `The verification policy failed while judging the certificate${d.reason ? `: ${d.reason}` : ''}, so the connection failed closed.`,
    fix: 'Fix what the policy needs (a known-hosts file it cannot read or write, a predicate that throws).',
  },

  // ── transport: rxtls's own ──────────────────────────────────────────────────────────────────
  ERR_RXTLS_CONNECT_TIMEOUT: {
    cause: (d) =>
      `The TCP connection${at(d)} was not established within connectTimeout: the host is down, a firewall drops the packets, or the network is slow.`,
    fix: 'Check the host, the port and the firewall, then retry; raise the option connectTimeout only for a slow network.',
  },
  ERR_RXTLS_CONNECT_FAILED: readTheCause,
  ERR_RXTLS_HANDSHAKE_TIMEOUT: {
    cause: (d) =>
      `The TLS handshake${at(d)} did not finish within handshakeTimeout: the port may not speak TLS (plaintext, or a STARTTLS port), or the peer stalled.`,
    fix: 'Check that the port speaks TLS from the first byte (use --starttls or connectStartTls for STARTTLS ports); raise the option handshakeTimeout for a slow peer.',
  },
  ERR_RXTLS_HANDSHAKE_FAILED: readTheCause,
  ERR_RXTLS_NO_PEER_CERTIFICATE: {
    cause: (d) =>
      `The server${at(d)} presented no certificate, or a resumed session came without one whose ticket was not issued to this process.`,
    fix: 'Connect without the option session, or with a ticket from connected.session.ticket() of this process.',
  },
  ERR_RXTLS_PEER_CERTIFICATE_UNREADABLE: {
    cause: (d) => `The server's certificate${at(d)} could not be read after the handshake: it is malformed.`,
    fix: "Report it to the server's operator, who must install a well-formed certificate.",
  },
  ERR_RXTLS_CLOSE_TIMEOUT: {
    cause: (d) =>
      `After this side closed, the peer${at(d)} did not close within the time allowed${d.option ? ` (option ${d.option})` : ''}.`,
    fix: 'Raise that option if the peer is slow to say goodbye, or accept the unclean close: the data sent was delivered.',
  },
  ERR_RXTLS_TLS_TRUNCATED: {
    cause: (d) => `The peer${at(d)} closed the TCP connection without a TLS close_notify: the last data may have been cut short.`,
    fix: 'Do not trust the last message to be complete; retry the request if it is safe to repeat.',
  },
  ERR_RXTLS_LISTEN: readTheCause,
  ERR_RXTLS_WEBSOCKET_CONNECT_FAILED: {
    cause: 'The WebSocket failed or closed before it opened; a browser never says why.',
    fix: "Check the URL, that the gateway runs, and that its origins allow this page; the browser's console may say more.",
  },
  ERR_RXTLS_WEBSOCKET_ERROR: {
    cause: 'An open WebSocket failed and the platform gave no code.',
    fix: 'Reconnect.',
  },
  ERR_RXTLS_WEBSOCKET_CLOSED: {
    cause: (d) => `An open WebSocket closed with an abnormal close code${d.reason ? ` (${d.reason})` : ''}.`,
    fix: 'Look up the close code (1014: the gateway could not reach its TLS service; 1001: going away) and reconnect.',
  },
  ERR_RXTLS_STARTTLS_REFUSED: {
    cause: (d) => `The server${at(d)} answered the STARTTLS upgrade with something other than the go-ahead.`,
    fix: 'Check the protocol given to --starttls and that the server offers STARTTLS on this port.',
  },
  ERR_RXTLS_FETCH_FAILED: {
    cause: (d) => `A CRL or issuer certificate could not be fetched${d.reason ? `: ${d.reason}` : ''}.`,
    fix: 'Check that the URL the certificate names is reachable from here over http: or https:, and within the fetch limits (fetch.maxBytes, fetch.timeoutMs, fetch.maxRedirects).',
  },
  ERR_RXTLS_IDLE_TIMEOUT: {
    cause: (d) =>
      `Nothing arrived from the peer${at(d)} within idleTimeout while this side was reading: the peer or the network path died silently, or the protocol is quiet for longer than that.`,
    fix: 'Reconnect; if the protocol is legitimately quiet for long, raise the option idleTimeout or keep it alive with heartbeat() (a no-op such as IMAP NOOP).',
  },
  ERR_RXTLS_ABORTED: {
    cause: (d) => `The connection${at(d)} was aborted through its AbortSignal (option signal); the error's cause is the signal's reason.`,
    fix: 'Nothing to fix if your code aborted on purpose; otherwise look at who called abort(), or at an AbortSignal.timeout() that was too short.',
  },
  ERR_RXTLS_HEARTBEAT_TIMEOUT: {
    cause: (d) =>
      `The heartbeat sent its no-op to the peer${at(d)} after a quiet period and nothing came back within its timeout: the peer or the path is dead or stalled.`,
    fix: 'Reconnect; raise the heartbeat timeout only for a peer known to be slow to answer.',
  },

  ERR_RXTLS_PROXY_UNREACHABLE: {
    cause: (d) =>
      `The proxy (option proxy) could not be connected to${d.reason ? `: ${d.reason}` : ''}; the target${at(d)} was never tried.`,
    fix: 'Check the proxy URL (host and port) and that the proxy runs; with proxy: "env", check HTTPS_PROXY / ALL_PROXY.',
  },
  ERR_RXTLS_PROXY_REFUSED: {
    cause: (d) => `The proxy refused to open a tunnel to the target${at(d)} (its status or SOCKS reply is in the message).`,
    fix: "Ask the proxy's operator to allow the target port (tinyproxy: ConnectPort; squid: SSL_ports), or list the target in NO_PROXY if it is reachable directly.",
  },
  ERR_RXTLS_PROXY_AUTH_REQUIRED: {
    cause:
      'The proxy wants credentials, or rejected the ones given (HTTP 407, or 401 as tinyproxy answers wrong ones; or SOCKS5 authentication).',
    fix: 'Put the user name and password in the proxy URL (http://user:password@host:port, percent-encoding reserved characters) and check them.',
  },
  ERR_RXTLS_PROXY_TARGET_UNREACHABLE: {
    cause: (d) =>
      `The proxy was reached, but it could not reach the target${at(d)} (HTTP 502/504, or a SOCKS5 reply such as host unreachable or refused).`,
    fix: 'Check the host and port of the target as the proxy sees them (with socks5h:// the proxy resolves the name); try again when the target is up.',
  },
  ERR_RXTLS_PROXY_BAD_RESPONSE: {
    cause: 'The proxy answered with something that is not HTTP (or SOCKS5), or with an answer longer than MAX_PROXY_RESPONSE_BYTES.',
    fix: 'Check that the URL names the right kind of proxy (http:// for an HTTP proxy, socks5h:// for a SOCKS5 one) and its port.',
  },

  // ── transport: from the OS ──────────────────────────────────────────────────────────────────
  ECONNREFUSED: {
    cause: (d) => `Nothing listens on${d.target ? ` ${d.target}` : ' that port'}: the connection was refused.`,
    fix: 'Check the host and the port (is the service running?), and retry when it is back.',
  },
  ECONNRESET: {
    cause: (d) => `The peer${at(d)} reset the connection, or closed it before the TLS handshake finished.`,
    fix: "Retry; if it keeps happening, the server may reject this client's TLS version or certificate, or require one: check its logs.",
  },
  ENOTFOUND: {
    cause: (d) => `The host name${d.target ? ` in ${d.target}` : ''} does not resolve: DNS knows no such name.`,
    fix: 'Check the spelling of the host name and the DNS settings of this machine.',
  },
  EAI_AGAIN: {
    cause: 'The host name could not be looked up for now: DNS did not answer.',
    fix: "Retry; check this machine's DNS servers and network connection.",
  },
  EHOSTUNREACH: {
    cause: (d) => `There is no route to the host${at(d)}.`,
    fix: 'Check the network, the address, and any VPN or firewall in between.',
  },
  ENETUNREACH: {
    cause: (d) => `The network of the host${at(d)} is unreachable from this machine.`,
    fix: "Check this machine's network connection and routes (an IPv6 address without IPv6 connectivity fails this way).",
  },
  ETIMEDOUT: {
    cause: (d) => `The operating system gave up connecting${at(d)}: no answer came.`,
    fix: 'Check the host, the port and the firewall, then retry.',
  },
  EPIPE: {
    cause: 'Data was written to a connection the peer had already closed.',
    fix: 'Reconnect; the peer ended the conversation first.',
  },
  EADDRINUSE: {
    cause: (d) => `Another program already listens on${d.target ? ` ${d.target}` : ' that port'}.`,
    fix: 'Pick another port (0 picks a free one), or stop the program that holds it.',
  },
  EADDRNOTAVAIL: {
    cause: (d) => `The address${d.target ? ` of ${d.target}` : ''} is not one of this machine's.`,
    fix: 'Give a host that is an address of this machine (127.0.0.1, or one of its interfaces).',
  },
  EACCES: {
    cause: (d) => `This program may not listen on${d.target ? ` ${d.target}` : ' that port'}: ports below 1024 need privileges.`,
    fix: 'Use a port of 1024 or above, or grant the program the privilege to bind low ports.',
  },

  // ── transport: from OpenSSL ─────────────────────────────────────────────────────────────────
  ERR_SSL_WRONG_VERSION_NUMBER: {
    cause: (d) =>
      `The peer${at(d)} does not speak TLS on this port: it answered in plaintext (a STARTTLS port, HTTP, or another protocol).`,
    fix: 'Check the port; for a STARTTLS port (SMTP 25/587, IMAP 143, POP3 110) use --starttls or connectStartTls.',
  },
  ERR_SSL_HTTP_REQUEST: {
    cause: 'A client sent plain HTTP to this TLS port.',
    fix: 'The client must use TLS (https:) to talk to this port.',
  },
  ERR_SSL_UNSUPPORTED_PROTOCOL: noSharedVersion,
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: noSharedVersion,
  ERR_SSL_VERSION_TOO_LOW: noSharedVersion,
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: noSharedVersion,
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: {
    cause: (d) => `The server${at(d)} found no cipher suite or other parameter in common with this program, or refused the handshake.`,
    fix: 'Upgrade the server to modern cipher suites; adjust tls: { ciphers } only for a legacy server you control.',
  },
  ERR_SSL_NO_SHARED_CIPHER: {
    cause: 'The two sides have no cipher suite in common.',
    fix: 'Upgrade the peer to modern cipher suites; adjust tls: { ciphers } only for a legacy peer you control.',
  },
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: ourCertificateRejected,
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: ourCertificateRejected,
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: {
    cause: (d) => `The server${at(d)} requires a client certificate (mutual TLS) and this program sent none.`,
    fix: 'Give a client certificate and its key with the options cert and key (rxtls connect --cert FILE --key FILE).',
  },

  // ── diagnoses: what rxtls doctor finds over several probes ────────────────────────────────
  ERR_RXTLS_PLAINTEXT_PORT: {
    cause: (d) =>
      `The port${at(d)} does not speak TLS: it answered in plaintext${d.protocol ? ` (${d.protocol.toUpperCase()}${d.greeting ? `: "${d.greeting}"` : ''})` : d.greeting ? ` ("${d.greeting}")` : ''} and offers no STARTTLS.`,
    fix: (d) =>
      d.protocol === 'http'
        ? "Connect to the server's HTTPS port (usually 443) instead; this one serves plain HTTP."
        : "Connect to the port where the service speaks TLS (for IMAP 993, SMTP 465, POP3 995, FTP 990), or ask the server's operator to enable TLS.",
  },
  ERR_RXTLS_STARTTLS_REQUIRED: {
    cause: (d) =>
      `The port${at(d)} speaks ${d.protocol ? d.protocol.toUpperCase() : 'a protocol'} in plaintext and offers STARTTLS: TLS begins only after the plaintext upgrade.`,
    fix: (d) =>
      `Connect with --starttls ${d.protocol ?? 'PROTO'} (connectStartTls in the library), or to the protocol's implicit-TLS port.`,
  },
  ERR_RXTLS_NO_ANSWER: {
    cause: (d) => `The TCP connection${at(d)} opens, but nothing answers on it: no TLS handshake, no greeting, no HTTP response.`,
    fix: 'Check that the service behind the port runs and is not stuck, and that no firewall or load balancer swallows the traffic.',
  },
  ERR_RXTLS_LEGACY_TLS_ONLY: {
    cause: (d) =>
      `The server${at(d)} speaks only ${d.versions && d.versions.length > 0 ? d.versions.join(' and ') : 'TLS 1.0 or 1.1'}, which are deprecated (RFC 8996) and refused by rxtls.`,
    fix: "The server's operator must enable TLS 1.2 or 1.3; lower minVersion only for a legacy server on a network you control.",
  },
  ERR_RXTLS_SNI_REQUIRED: {
    cause: (d) =>
      `The server${at(d)} completes the handshake only when the client names it (SNI${d.servername ? ` "${d.servername}"` : ''}); without SNI it has no certificate to present.`,
    fix: "Clients must send the server name (rxtls does when connecting by name; set servername when connecting by address); the server's operator may add a default certificate for old clients.",
  },
  ERR_RXTLS_PRIVATE_ROOT: {
    cause: (d) =>
      `The chain verified, but through ${d.issuer ? `"${d.issuer}"` : 'a CA'}, which is not one of the public roots Node ships: a private CA of the server's, or a proxy or antivirus that intercepts TLS and re-signs every connection with its own CA.`,
    fix: 'If you expected a public certificate for this host, compare its fingerprint from another network; programs that trust only the public roots will reject this certificate.',
  },

  ERR_RXTLS_CHAIN_OUT_OF_ORDER: {
    cause: (d) =>
      `The server${at(d)} sends its certificates out of order${d.served ? ` (${d.served.map((s) => `"${s}"`).join(', then ')})` : ''}: after its own certificate, each one should be the issuer of the one before it.`,
    fix: "Order the server's chain file: its own certificate first, then the intermediate that issued it, then that one's issuer; OpenSSL and Node reorder, but stricter clients may stop at the first certificate that does not fit.",
  },
  ERR_RXTLS_CHAIN_DUPLICATE: {
    cause: (d) => `The server${at(d)} sends ${d.subject ? `"${d.subject}"` : 'a certificate'} more than once in its chain.`,
    fix: "Remove the repeated certificate from the server's chain file: every handshake carries it twice, and some clients refuse such a chain.",
  },
  ERR_RXTLS_CHAIN_UNRELATED: {
    cause: (d) =>
      `The server${at(d)} sends ${d.subject ? `"${d.subject}"` : 'a certificate'} in its chain, which issued none of the certificates on its own certificate's path.`,
    fix: "Remove it from the server's chain file (often an old intermediate, or another site's certificate): send only the server's certificate and the intermediates that lead from it to the root.",
  },
  ERR_RXTLS_CHAIN_ROOT_SENT: {
    cause: (d) =>
      `The server${at(d)} sends the root ${d.subject ? `"${d.subject}" ` : ''}too: harmless, since a client trusts a root only from its own store, but every handshake carries its bytes for nothing.`,
    fix: "Leave the root out of the server's chain file; keep its own certificate and the intermediates.",
  },
  ERR_RXTLS_CLIENT_CERTIFICATE_OPTIONAL: {
    cause: (d) =>
      `The server${at(d)} asks for a client certificate without requiring one${d.certificateAuthorities && d.certificateAuthorities.length > 0 ? ` (issued by ${d.certificateAuthorities.map((ca) => `"${ca}"`).join(' or ')})` : ''}: clients without one connect anyway, but a browser may ask its user to pick a certificate.`,
    fix: 'Nothing to do if some clients are meant to identify themselves with a certificate (give it with cert and key, --cert FILE --key FILE); otherwise the server should stop asking (nginx ssl_verify_client off, Apache SSLVerifyClient none).',
  },

  // ── the other classes ───────────────────────────────────────────────────────────────────────
  ERR_RXTLS_INVALID_OPTION: {
    cause: (d) => `The option ${d.option ? `"${d.option}"` : 'given'} is missing or wrong${d.reason ? `: ${d.reason}` : ''}.`,
    fix: (d) => `Fix ${d.option ? `the option "${d.option}"` : 'that option'} as the message says; nothing was opened.`,
  },
  ERR_RXTLS_INVALID_TARGET: {
    cause: (d) => `The target ${d.text === undefined ? '' : `"${d.text}" `}is not a valid HOST[:PORT].`,
    fix: 'Write host:port, or [v6 address]:port.',
  },
  ERR_RXTLS_WRITE_BUFFER_FULL: {
    cause: (d) =>
      `More bytes were written than maxPendingWriteBytes${d.limit === undefined ? '' : ` (${d.limit})`} allows: the writer ignored backpressure.`,
    fix: 'When write() returns false, wait for writer.drain() before writing more; or raise maxPendingWriteBytes.',
  },
  ERR_RXTLS_WIRE_MALFORMED: {
    cause: (d) => `The server's handshake bytes${at(d)} do not parse as TLS${d.reason ? `: ${d.reason}` : ''}.`,
    fix: "Node's TLS judges the connection, not this reading: if it connects, report the bytes (a capture) as an rxtls bug; if not, the server, or something in between, sends a corrupt handshake.",
  },
  ERR_RXTLS_RUNTIME_UNSUPPORTED: {
    cause: (d) =>
      `This runtime${d.runtime ? ` (${d.runtime})` : ''} lacks a feature the options ask for${d.feature ? ` (${d.feature})` : ''}; nothing was opened.`,
    fix: 'Run under Node, or leave out what the message names.',
  },
  ERR_RXTLS_LINE_TOO_LONG: {
    cause: (d) => `The peer sent a line longer than maxLength${d.limit === undefined ? '' : ` (${d.limit} bytes)`} without a line ending.`,
    fix: 'Raise lines({ maxLength }) if the protocol allows such lines; otherwise the peer is broken or hostile.',
  },
  ERR_RXTLS_LITERAL_TOO_LONG: {
    cause: (d) => `The peer announced a literal larger than maxLiteralLength${d.limit === undefined ? '' : ` (${d.limit} bytes)`}.`,
    fix: 'Raise lines({ maxLiteralLength }), or fetch the data in smaller parts.',
  },
  ERR_RXTLS_FRAME_TRUNCATED: {
    cause: 'The peer closed in the middle of an announced literal: the data is incomplete and was not delivered.',
    fix: 'Reconnect and ask again.',
  },
  ERR_RXTLS_FRAME_TOO_LONG: {
    cause: (d) =>
      `The peer sent (or announced in a length field) a frame longer than the codec's maxFrameLength${d.limit === undefined ? '' : ` (${d.limit} bytes)`}.`,
    fix: "Raise the codec's maxFrameLength (lengthField, fixedLength, delimited) if the protocol allows such frames; otherwise the peer is broken or hostile.",
  },
  ERR_RXTLS_FRAME_LENGTH_INVALID: {
    cause: 'A length field held a value no frame can have: below zero after lengthAdjustment, or a varint longer than maxVarintBytes.',
    fix: "Check the codec's lengthSize, byteOrder, lengthOffset and lengthAdjustment against the protocol; if they are right, the peer is not speaking it.",
  },
  ERR_RXTLS_FRAME_MISUSE: {
    cause: 'A framer built on FrameDecoder asked it for bytes it cannot give at this point.',
    fix: 'Fix the framer as the message says; lines() never raises it.',
  },
};

/**
 * Codes of the catalogue `explain()` deliberately has no entry for, each with the reason. Empty:
 * every code can reach a user. A spec checks that the table and this list cover the catalogue.
 *
 * @example
 * ```ts
 * import { UNEXPLAINED_CODES } from './explanations';
 * console.log(Object.keys(UNEXPLAINED_CODES).length); // 0
 * ```
 */
export const UNEXPLAINED_CODES: Readonly<Record<string, string>> = {};

/** How an unknown code is explained: honestly, naming it. */
export function unknownCodeEntry(code: string): ExplanationEntry {
  return {
    cause: (d) => `The code ${code} is not in rxtls's catalogue${d.reason ? `; the message says: ${d.reason}` : ''}.`,
    fix: `Look up ${code} in the documentation of whatever raised it (Node, OpenSSL, the operating system, or your own code); rxtls has no advice of its own for it.`,
  };
}
