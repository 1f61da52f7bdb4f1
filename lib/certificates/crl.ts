import type { X509Certificate as NodeCertificate } from 'node:crypto';
import type { CertError } from '../events';
import { certError } from './cert-errors';
import { asn1Libraries, uris } from './crl-asn1';

/** What a CRL says about one certificate: it is not on it, or it is, since when and why. */
export type CrlVerdict =
  | { readonly status: 'good' }
  | { readonly status: 'revoked'; readonly revokedAt: Date; readonly reason: string }
  | { readonly status: 'unusable'; readonly problem: CertError };

/** A parsed CRL and what it was fetched as. */
export interface ParsedCrl {
  readonly url: string;
  readonly bytes: Buffer;
  readonly thisUpdate: Date;
  /** `undefined` when the CRL names none, which RFC 5280 forbids: such a CRL is never fresh. */
  readonly nextUpdate: Date | undefined;
  /** The @peculiar/x509 object, for the checks below. */
  readonly crl: import('@peculiar/x509').X509Crl;
}

/** The extensions of a complete CRL that rxtls understands; an unknown critical one makes the CRL unusable. */
const UNDERSTOOD_CRL_EXTENSIONS = new Set(['2.5.29.20' /* cRLNumber */, '2.5.29.35' /* authorityKeyIdentifier */, '2.5.29.28']);

/**
 * Parses CRL bytes, DER or PEM. Never throws: bytes that are no CRL give `UNABLE_TO_GET_CRL`
 * naming the URL.
 */
export async function parseCrl(url: string, bytes: Buffer): Promise<ParsedCrl | CertError> {
  const { x509 } = await asn1Libraries();
  try {
    const text = bytes.subarray(0, 64).toString('latin1');
    const crl = new x509.X509Crl(text.includes('-----BEGIN') ? bytes.toString('latin1') : new Uint8Array(bytes));
    return { url, bytes, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate, crl };
  } catch (error) {
    return certError('UNABLE_TO_GET_CRL', `the CRL at ${url} does not parse: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** Whether the CRL is fresh at `now`: issued before it, and its `nextUpdate` after it. */
export function crlIsFresh(parsed: Pick<ParsedCrl, 'thisUpdate' | 'nextUpdate'>, now: Date): boolean {
  return parsed.thisUpdate <= now && parsed.nextUpdate !== undefined && parsed.nextUpdate > now;
}

/**
 * What the CRL says about `cert`, once it is shown to be the right CRL: issued (by name) and
 * signed (by key) by `issuer`, fresh at `now`, complete (no delta CRL) and covering `cert`
 * (a partition by distribution point must be the one fetched, and cover this kind of
 * certificate). Anything else is `unusable`, with OpenSSL's code for it and the URL.
 */
export async function judgeByCrl(parsed: ParsedCrl, cert: NodeCertificate, issuer: NodeCertificate, now = new Date()): Promise<CrlVerdict> {
  const { crl, url } = parsed;
  const unusable = (code: string, why: string): CrlVerdict => ({
    status: 'unusable',
    problem: certError(code, `the CRL at ${url} ${why}`),
  });
  const { x509, schema, x509Asn } = await asn1Libraries();
  const issuerCert = new x509.X509Certificate(new Uint8Array(issuer.raw));
  if (!sameName(crl.issuerName.toArrayBuffer(), issuerCert.subjectName.toArrayBuffer())) {
    return unusable(
      'UNABLE_TO_GET_CRL',
      `is issued by ${crl.issuer}, not by the certificate's issuer ${issuerCert.subject} (indirect CRLs are not supported)`,
    );
  }
  const signed = await crl.verify({ publicKey: issuerCert }).catch(() => false);
  if (!signed) return unusable('CRL_SIGNATURE_FAILURE', `is not signed by the key of ${issuerCert.subject}`);
  if (crl.thisUpdate > now) return unusable('CRL_NOT_YET_VALID', `is not valid before ${crl.thisUpdate.toISOString()}`);
  if (crl.nextUpdate === undefined) return unusable('CRL_HAS_EXPIRED', 'names no nextUpdate, so it is never fresh');
  if (crl.nextUpdate <= now) return unusable('CRL_HAS_EXPIRED', `is stale: its nextUpdate was ${crl.nextUpdate.toISOString()}`);
  for (const extension of crl.extensions) {
    if (extension.type === x509Asn.id_ce_deltaCRLIndicator)
      return unusable('UNABLE_TO_GET_CRL', 'is a delta CRL; rxtls uses complete CRLs only');
    if (extension.critical && !UNDERSTOOD_CRL_EXTENSIONS.has(extension.type))
      return unusable('UNABLE_TO_GET_CRL', `has a critical extension rxtls does not understand (${extension.type})`);
  }
  const idpExtension = crl.extensions.find((e) => e.type === x509Asn.id_ce_issuingDistributionPoint);
  if (idpExtension) {
    const idp = schema.AsnConvert.parse(idpExtension.value, x509Asn.IssuingDistributionPoint);
    const scope = partitionProblem(idp, url, cert.ca);
    if (scope) return unusable('UNABLE_TO_GET_CRL', scope);
  }
  const entry = crl.findRevoked(new x509.X509Certificate(new Uint8Array(cert.raw)));
  if (!entry) return { status: 'good' };
  const reason = entry.reason === undefined ? 'unspecified' : (x509.X509CrlReason[entry.reason] ?? `reason ${entry.reason}`);
  if (reason === 'removeFromCRL') return { status: 'good' }; // only meaningful in delta CRLs, which are refused above
  return { status: 'revoked', revokedAt: entry.revocationDate, reason };
}

/** Why a partitioned CRL (one with an issuingDistributionPoint) does not cover `cert`, if it does not. */
function partitionProblem(idp: import('@peculiar/asn1-x509').IssuingDistributionPoint, url: string, certIsCa: boolean): string | undefined {
  if (idp.indirectCRL) return 'is an indirect CRL, which rxtls does not support';
  if (idp.onlySomeReasons) return 'covers only some revocation reasons, which rxtls does not support';
  if (idp.onlyContainsAttributeCerts) return 'covers attribute certificates only';
  if (idp.onlyContainsUserCerts && certIsCa) return 'covers end-entity certificates only, and this one is a CA';
  if (idp.onlyContainsCACerts && !certIsCa) return 'covers CA certificates only, and this one is not a CA';
  const points = uris(idp.distributionPoint?.fullName);
  if (points.length > 0 && !points.includes(url)) return `is the partition for ${points.join(', ')}, not for this distribution point`;
  return undefined;
}

function sameName(a: ArrayBuffer, b: ArrayBuffer): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}
