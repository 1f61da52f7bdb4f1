/**
 * The facts of a certificate that `PeerInfo` does not carry — its key's type and size, the
 * issuer's signature algorithm, where its issuer can be fetched (AIA caIssuers) — read from
 * the DER with node:crypto and a few lines of DER walking.
 * @module
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateFacts } from '../../diagnostics/doctor-findings';

const DAY = 86_400_000;

/** The signature algorithms a certificate names, by OID (RFC 4055, 5758, 8410; MD5 and SHA-1 for the old ones). */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};

const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  'P-256': 256,
  'P-384': 384,
  'P-521': 521,
};

/** The header of a DER element at `at`: where its content starts and how long it is. */
function element(der: Buffer, at: number): { start: number; length: number } {
  const first = der[at + 1] ?? 0;
  if (first < 0x80) return { start: at + 2, length: first };
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i += 1) length = length * 256 + (der[at + 2 + i] ?? 0);
  return { start: at + 2 + count, length };
}

function oidText(bytes: Buffer): string {
  const parts = [Math.floor((bytes[0] ?? 0) / 40), (bytes[0] ?? 0) % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm SEQUENCE { OID, … }, signature }. */
export function signatureAlgorithmOf(der: Buffer): string {
  try {
    const certificate = element(der, 0);
    const tbs = element(der, certificate.start);
    const algorithm = element(der, tbs.start + tbs.length);
    const oid = element(der, algorithm.start);
    const text = oidText(der.subarray(oid.start, oid.start + oid.length));
    return SIGNATURE_ALGORITHMS[text] ?? text;
  } catch {
    return 'unreadable';
  }
}

/** The facts of one certificate (PEM), counting days from `now`. */
export function certificateFacts(pem: string, now: Date): CertificateFacts {
  const certificate = new X509Certificate(pem);
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const curve = details.namedCurve;
  const validTo = new Date(certificate.validTo);
  const caIssuers = [...(certificate.infoAccess ?? '').matchAll(/CA Issuers - URI:(\S+)/g)].map((m) => m[1] ?? '');
  return {
    subject: certificate.subject.replace(/\n/g, ', '),
    issuer: certificate.issuer.replace(/\n/g, ', '),
    validFrom: new Date(certificate.validFrom).toISOString(),
    validTo: validTo.toISOString(),
    daysLeft: Math.floor((validTo.getTime() - now.getTime()) / DAY),
    keyType: key.asymmetricKeyType ?? 'unknown',
    ...(details.modulusLength !== undefined && { keyBits: details.modulusLength }),
    ...(curve !== undefined && { curve, ...(CURVE_BITS[curve] !== undefined && { keyBits: CURVE_BITS[curve] }) }),
    signatureAlgorithm: signatureAlgorithmOf(certificate.raw),
    selfIssued: certificate.checkIssued(certificate),
    isCA: certificate.ca,
    caIssuers,
    fingerprint256: certificate.fingerprint256,
  };
}
