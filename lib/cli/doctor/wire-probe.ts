/**
 * `rxtls doctor`'s wire probe: one handshake of its own over a {@link wireTap}, to read what
 * node:tls summarises away — the chain in the order the server sent it (`getPeerCertificate`
 * follows issuer links instead), repeats and strays in it, and a CertificateRequest the server
 * sends without requiring a certificate. TLS 1.2 and below send those in clear; TLS 1.3 under
 * the server handshake traffic secret, which this probe takes from its own socket's `keylog`
 * event and hands to the decryption only: it never leaves this function (no finding, error,
 * report or log carries it).
 *
 * The probe judges nothing and accepts nothing: it records, and destroys its socket when the
 * handshake ends either way, before any application byte. Whether the peer is trusted is the
 * main handshake probe's business (strict(), through rxtls's own connect).
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { DEFAULT_DOCTOR_MAX_FLIGHT_BYTES } from '../../defaults';
import type { ServedCertificate, ServedFlightFinding } from '../../diagnostics/doctor-findings';
import { distinguishedNameText } from '../../diagnostics/wire/distinguished-name';
import { readServerFlight, type ServerFlight } from '../../diagnostics/wire/server-flight';
import { signatureSchemeName } from '../../diagnostics/wire/signature-schemes';
import { WireFormatError } from '../../diagnostics/wire/wire-format-error';
import { wireTap, type WireRecording } from './wire-tap';

/** What the wire probe connects to. */
export interface WireProbe {
  readonly address: string;
  readonly port: number;
  /** The SNI name, as the main probe sends it; `undefined` sends none. */
  readonly servername: string | undefined;
  readonly timeoutMs: number;
  /** The bound of the recording, in bytes. Default {@link DEFAULT_DOCTOR_MAX_FLIGHT_BYTES}. */
  readonly maxBytes?: number;
}

const VERSION_NAMES: Readonly<Record<number, string>> = { 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };
const SECRET_LINE = /^SERVER_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]+ ([0-9a-f]+)\s*$/i;

/** Records one handshake's server bytes; resolves when it ended (done, failed, or `timeoutMs`), with the TLS 1.3 secret if there was one. */
function recordHandshake(probe: WireProbe, maxBytes: number): Promise<{ recording?: WireRecording; secret?: Buffer; error?: string }> {
  return new Promise((resolve) => {
    let tls: TLSSocket | undefined;
    let secret: Buffer | undefined;
    let recording: (() => WireRecording) | undefined;
    let settled = false;
    const tcp: Socket = tcpConnect({ host: probe.address, port: probe.port });
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const recorded = recording?.();
      tls?.destroy();
      tcp.destroy();
      resolve({ ...(recorded && { recording: recorded }), ...(secret && { secret }), ...(error !== undefined && { error }) });
    };
    const timer = setTimeout(() => finish(`no end of the handshake within ${probe.timeoutMs} ms (option --timeout)`), probe.timeoutMs);
    tcp.on('error', (error) => finish(error.message));
    tcp.once('connect', () => {
      const tap = wireTap(tcp, maxBytes);
      recording = () => tap.recording();
      tls = tlsConnect({
        socket: tap.duplex,
        ...(probe.servername !== undefined && isIP(probe.servername) === 0 && { servername: probe.servername }),
        // Nothing is trusted here, nothing sent but the handshake: the socket is destroyed when it ends.
        rejectUnauthorized: false,
      });
      tls.on('keylog', (line: Buffer) => {
        const hex = SECRET_LINE.exec(line.toString('latin1'))?.[1];
        if (hex !== undefined) secret = Buffer.from(hex, 'hex');
      });
      tls.once('secureConnect', () => finish());
      tls.on('error', (error: Error) => finish(error.message));
      tls.once('close', () => finish());
    });
  });
}

/** The certificates of the flight, each with the position of its issuer among them. */
function servedCertificates(flight: ServerFlight): ServedCertificate[] | undefined {
  if (flight.certificates === undefined) return undefined;
  const parsed = flight.certificates.map((entry) => {
    try {
      return new X509Certificate(entry.der);
    } catch {
      return undefined;
    }
  });
  return parsed.map((certificate, i): ServedCertificate => {
    if (certificate === undefined)
      return { subject: 'unreadable', issuer: 'unreadable', fingerprint256: `unreadable #${i}`, selfSigned: false, isCA: false };
    const signedBy = (issuer: X509Certificate) => certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
    const issuerIndex = parsed.findIndex(
      (other) => other !== undefined && other.fingerprint256 !== certificate.fingerprint256 && signedBy(other),
    );
    return {
      subject: certificate.subject.replace(/\n/g, ', '),
      issuer: certificate.issuer.replace(/\n/g, ', '),
      fingerprint256: certificate.fingerprint256,
      selfSigned: signedBy(certificate),
      isCA: certificate.ca,
      ...(issuerIndex >= 0 && { issuerIndex }),
    };
  });
}

function caNames(flight: ServerFlight): string[] {
  return (flight.certificateRequest?.certificateAuthorities ?? []).map((der) => {
    try {
      return distinguishedNameText(der);
    } catch (error) {
      if (error instanceof WireFormatError) return `unreadable name (${der.length} bytes)`;
      throw error;
    }
  });
}

/** Runs the wire probe; never rejects. */
export async function wireProbe(probe: WireProbe): Promise<ServedFlightFinding> {
  const maxBytes = probe.maxBytes ?? DEFAULT_DOCTOR_MAX_FLIGHT_BYTES;
  const { recording, secret, error } = await recordHandshake(probe, maxBytes);
  if (recording === undefined || recording.bytes === 0) return { status: 'failed', complete: false, ...(error !== undefined && { error }) };
  const flight = readServerFlight(recording.chunks, { maxMessageBytes: maxBytes, ...(secret && { serverHandshakeSecret: secret }) });
  secret?.fill(0); // read once, then gone: nothing below sees it
  const certificates = servedCertificates(flight);
  const protocol = flight.version === undefined ? undefined : (VERSION_NAMES[flight.version] ?? `0x${flight.version.toString(16)}`);
  const status = flight.error !== undefined ? 'unreadable' : flight.encrypted ? 'encrypted' : 'read';
  const incomplete = recording.truncated && !flight.complete;
  return {
    status,
    complete: flight.complete,
    ...(protocol !== undefined && { protocol }),
    ...(certificates && { certificates }),
    ...(flight.certificateRequest && {
      certificateRequest: {
        certificateAuthorities: caNames(flight),
        signatureAlgorithms: flight.certificateRequest.signatureAlgorithms.map(signatureSchemeName),
      },
    }),
    ...(incomplete && { truncatedAtBytes: maxBytes }),
    ...(flight.error !== undefined
      ? { error: flight.error }
      : incomplete
        ? { error: `the flight is longer than the ${maxBytes} bytes recorded (DEFAULT_DOCTOR_MAX_FLIGHT_BYTES)` }
        : status === 'encrypted'
          ? { error: 'TLS 1.3, and no server handshake traffic secret came from the keylog event' }
          : {}),
  };
}
