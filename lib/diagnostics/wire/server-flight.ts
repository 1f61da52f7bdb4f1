/**
 * The server's first flight, read off the wire: from the bytes a TLS server sent (as they were
 * recorded, in any chunks) to its ServerHello, its Certificate message — the chain in the order
 * it was sent — and its CertificateRequest, if it asked for a client certificate. TLS 1.2 and
 * below send these in clear; TLS 1.3 encrypts them under the server handshake traffic secret,
 * which the caller passes (from its own connection's key log) to have them decrypted. A pure
 * function: whatever the bytes, it returns what it could read and, if it stopped early, why.
 * @module
 */
import { parseCertificateRequest, type CertificateRequest } from './certificate-request-message';
import { parseCertificateMessage, type CertificateEntry } from './certificate-message';
import { HANDSHAKE_TYPE, HandshakeReassembler, type HandshakeMessage } from './handshake-messages';
import { parseServerHello, type ServerHello } from './server-hello';
import { Tls13RecordDecrypter } from './tls13-record-decryption';
import { CONTENT_TYPE, RecordSplitter, type TlsRecord } from './tls-records';
import { WireFormatError } from './wire-format-error';

const TLS13 = 0x0304;

/**
 * What the server's first flight says.
 *
 * @example
 * ```ts
 * import type { ServerFlight } from './server-flight';
 * const chainLength = (flight: ServerFlight) => flight.certificates?.length ?? 0;
 * ```
 */
export interface ServerFlight {
  /** The version the ServerHello chose (0x0303 TLS 1.2, 0x0304 TLS 1.3). */
  readonly version?: number;
  /** The cipher suite it chose. */
  readonly cipherSuite?: number;
  /** The Certificate message's entries in the order sent; absent if none was read. */
  readonly certificates?: readonly CertificateEntry[];
  /** The CertificateRequest, if the server sent one. */
  readonly certificateRequest?: CertificateRequest;
  /** Whether the end of the flight was read (ServerHelloDone; TLS 1.3's Finished; a resumed session's ChangeCipherSpec). */
  readonly complete: boolean;
  /** TLS 1.2 and below: the server resumed a session (it sent no certificate). */
  readonly resumed: boolean;
  /** TLS 1.3 records that could not be read: no secret was given. */
  readonly encrypted: boolean;
  /** An alert the server sent instead: its level and description. */
  readonly alert?: { readonly level: number; readonly description: number };
  /** Why reading stopped before the end: the {@link WireFormatError}'s message. */
  readonly error?: string;
}

/** Options of {@link readServerFlight}. */
export interface ServerFlightOptions {
  /** TLS 1.3: the SERVER_HANDSHAKE_TRAFFIC_SECRET of this connection, to decrypt the flight with. */
  readonly serverHandshakeSecret?: Buffer;
  /** The longest handshake message accepted, in bytes (the bound of what was recorded). */
  readonly maxMessageBytes: number;
}

/** The flight read so far; each handler returns whether the flight is over. */
class FlightReader {
  version: number | undefined;
  cipherSuite: number | undefined;
  certificates: CertificateEntry[] | undefined;
  certificateRequest: CertificateRequest | undefined;
  complete = false;
  resumed = false;
  encrypted = false;
  alert: ServerFlight['alert'];
  private hello: ServerHello | undefined;
  private readonly clear: HandshakeReassembler;
  private readonly protectedMessages: HandshakeReassembler;
  private decrypter: Tls13RecordDecrypter | undefined;

  constructor(private readonly options: ServerFlightOptions) {
    this.clear = new HandshakeReassembler(options.maxMessageBytes);
    // TLS 1.3: a message never spans a key change (RFC 8446 §5.1), so the encrypted ones reassemble apart.
    this.protectedMessages = new HandshakeReassembler(options.maxMessageBytes);
  }

  private get tls13(): boolean {
    return this.hello !== undefined && !this.hello.helloRetryRequest && this.hello.version === TLS13;
  }

  record(record: TlsRecord): boolean {
    switch (record.type) {
      case CONTENT_TYPE.alert:
        return this.onAlert(record.fragment);
      case CONTENT_TYPE.changeCipherSpec:
        if (this.hello === undefined) throw new WireFormatError('flight', 'ChangeCipherSpec before the ServerHello');
        if (this.hello.version >= TLS13) return false; // TLS 1.3's is for middleboxes only
        // TLS 1.2 and below: what follows is encrypted. Before a certificate, this is a resumed session.
        this.resumed = this.certificates === undefined;
        this.complete = true;
        return true;
      case CONTENT_TYPE.handshake:
        if (this.tls13) throw new WireFormatError('flight', 'a TLS 1.3 handshake record in clear after the ServerHello');
        return this.clear.push(record.fragment).some((message) => this.message(message));
      default:
        return this.applicationData(record);
    }
  }

  private applicationData(record: TlsRecord): boolean {
    if (!this.tls13 || this.hello === undefined) throw new WireFormatError('flight', 'application data before the handshake');
    const secret = this.options.serverHandshakeSecret;
    if (secret === undefined) {
      this.encrypted = true;
      return true;
    }
    this.decrypter ??= new Tls13RecordDecrypter(this.hello.cipherSuite, secret);
    const inner = this.decrypter.decrypt(record);
    if (inner.type === CONTENT_TYPE.alert) return this.onAlert(inner.content);
    if (inner.type !== CONTENT_TYPE.handshake) throw new WireFormatError('flight', `content type ${inner.type} inside the handshake`);
    return this.protectedMessages.push(inner.content).some((message) => this.message(message));
  }

  private onAlert(fragment: Buffer): boolean {
    if (fragment.length !== 2) throw new WireFormatError('alert', `${fragment.length} bytes, not 2`);
    this.alert = { level: fragment[0] ?? 0, description: fragment[1] ?? 0 };
    return true;
  }

  /** One handshake message; `true` when it ends the flight. */
  private message({ type, body }: HandshakeMessage): boolean {
    if (type === HANDSHAKE_TYPE.serverHello) {
      if (this.hello !== undefined && !this.hello.helloRetryRequest) throw new WireFormatError('flight', 'a second ServerHello');
      this.hello = parseServerHello(body);
      this.version = this.hello.version;
      this.cipherSuite = this.hello.cipherSuite;
      return false;
    }
    if (this.hello === undefined) throw new WireFormatError('flight', `handshake message ${type} before the ServerHello`);
    const version = this.hello.version;
    if (type === HANDSHAKE_TYPE.certificate) this.certificates = parseCertificateMessage(body, version >= TLS13);
    else if (type === HANDSHAKE_TYPE.certificateRequest) this.certificateRequest = parseCertificateRequest(body, version);
    else if (type === HANDSHAKE_TYPE.serverHelloDone || (type === HANDSHAKE_TYPE.finished && this.tls13)) {
      this.complete = true;
      return true;
    }
    return false;
  }

  result(error?: string): ServerFlight {
    return {
      complete: this.complete,
      resumed: this.resumed,
      encrypted: this.encrypted,
      ...(this.version !== undefined && { version: this.version }),
      ...(this.cipherSuite !== undefined && { cipherSuite: this.cipherSuite }),
      ...(this.certificates && { certificates: this.certificates }),
      ...(this.certificateRequest && { certificateRequest: this.certificateRequest }),
      ...(this.alert && { alert: this.alert }),
      ...(error !== undefined && { error }),
    };
  }
}

/**
 * Reads the server's first flight from the bytes it sent, in the chunks they were recorded in.
 * Never throws for what the bytes are: a malformed record or message ends the reading, and the
 * result says why (`error`) along with what was read before it.
 *
 * Informally: `server bytes (+ TLS 1.3 secret) → { version, certificates in wire order, certificateRequest, complete }`.
 *
 * @param chunks The bytes the server sent, from its first, in order.
 * @param options The TLS 1.3 secret, if there is one, and the bound of a message.
 * @returns What the flight says.
 *
 * @example
 * ```ts
 * import { readServerFlight } from './server-flight';
 * const flight = readServerFlight([Buffer.from([21, 3, 3, 0, 2, 2, 40])], { maxMessageBytes: 262_144 });
 * console.log(flight.alert); // { level: 2, description: 40 } — a handshake_failure alert
 * ```
 */
export function readServerFlight(chunks: readonly Buffer[], options: ServerFlightOptions): ServerFlight {
  const reader = new FlightReader(options);
  const splitter = new RecordSplitter();
  try {
    for (const chunk of chunks) for (const record of splitter.push(chunk)) if (reader.record(record)) return reader.result();
  } catch (error) {
    if (error instanceof WireFormatError) return reader.result(error.message);
    throw error;
  }
  return reader.result();
}
