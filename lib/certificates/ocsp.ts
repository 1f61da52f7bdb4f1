import { X509Certificate as NodeCertificate, createHash, verify as verifySignature } from 'node:crypto';
import type { CertError } from '../events';
import { certError } from './cert-errors';
import { asn1Libraries } from './crl-asn1';

/** What a stapled OCSP response says about the leaf, once it is shown to be trustworthy. */
export type OcspVerdict =
  | { readonly status: 'good' }
  | { readonly status: 'revoked'; readonly revokedAt: Date; readonly reason: string }
  | { readonly status: 'unusable'; readonly problem: CertError };

/** Signature algorithms of OCSP responses rxtls verifies, by OID: the digest node:crypto verifies with. */
const SIGNATURE_DIGESTS: Readonly<Record<string, string | null>> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null, // Ed25519
};

/** The hash algorithms of a CertID, by OID. */
const CERT_ID_HASHES: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

/** RFC 5280's CRLReason names, by value. */
const REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'reason 7',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];

/**
 * Judges the OCSP response a server stapled for `leaf`, issued by `issuer` (from the verified
 * chain): it must be a successful basic response, signed by the issuer itself or by a delegated
 * responder the issuer certified for OCSP signing (id-kp-OCSPSigning), carry a status for this
 * very certificate (issuer name and key hashes, serial number), and be fresh at `now`
 * (`thisUpdate` passed, `nextUpdate` not). Never throws: anything else is `unusable` with
 * `OCSP_STAPLE_INVALID` saying why.
 */
export async function judgeStaple(der: Buffer, leaf: NodeCertificate, issuer: NodeCertificate, now = new Date()): Promise<OcspVerdict> {
  try {
    return await judge(der, leaf, issuer, now);
  } catch (error) {
    return invalid(`does not parse: ${(error as Error)?.message ?? String(error)}`);
  }
}

function invalid(why: string): OcspVerdict {
  return { status: 'unusable', problem: certError('OCSP_STAPLE_INVALID', `the stapled OCSP response ${why}`) };
}

async function judge(der: Buffer, leaf: NodeCertificate, issuer: NodeCertificate, now: Date): Promise<OcspVerdict> {
  const { schema, x509Asn, ocsp } = await asn1Libraries();
  const response = schema.AsnConvert.parse(der, ocsp.OCSPResponse);
  if (response.responseStatus !== ocsp.OCSPResponseStatus.successful)
    return invalid(`is not successful (${ocsp.OCSPResponseStatus[response.responseStatus] ?? response.responseStatus})`);
  if (response.responseBytes?.responseType !== ocsp.id_pkix_ocsp_basic) return invalid('is not a basic OCSP response');
  const basic = schema.AsnConvert.parse(response.responseBytes.response, ocsp.BasicOCSPResponse);
  const signed = Buffer.from(basic.tbsResponseDataRaw ?? schema.AsnConvert.serialize(basic.tbsResponseData));
  const signers = [issuer, ...(basic.certs ?? []).map((c) => new NodeCertificate(Buffer.from(schema.AsnConvert.serialize(c))))];
  const digest = SIGNATURE_DIGESTS[basic.signatureAlgorithm.algorithm];
  if (digest === undefined) return invalid(`is signed with an algorithm rxtls does not verify (${basic.signatureAlgorithm.algorithm})`);
  const signer = signers.find((candidate) => {
    try {
      return verifySignature(digest, signed, candidate.publicKey, Buffer.from(basic.signature));
    } catch {
      return false;
    }
  });
  if (!signer) return invalid(`is not signed by ${issuer.subject.replace(/\n/g, ', ')} or a responder it certified`);
  if (signer !== issuer) {
    const delegated = delegationProblem(signer, issuer, now);
    if (delegated) return invalid(delegated);
  }
  const issuerAsn = schema.AsnConvert.parse(issuer.raw, x509Asn.Certificate).tbsCertificate;
  const issuerName = Buffer.from(schema.AsnConvert.serialize(issuerAsn.subject));
  const issuerKey = Buffer.from(issuerAsn.subjectPublicKeyInfo.subjectPublicKey);
  const serial = leaf.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, '');
  const single = basic.tbsResponseData.responses.find(({ certID }) => {
    const hash = CERT_ID_HASHES[certID.hashAlgorithm.algorithm];
    if (!hash) return false;
    const same = (value: { buffer: ArrayBuffer }, of: Buffer) => Buffer.from(value.buffer).equals(createHash(hash).update(of).digest());
    const idSerial = Buffer.from(certID.serialNumber)
      .toString('hex')
      .replace(/^(00)+(?=.)/, '');
    return idSerial === serial && same(certID.issuerNameHash, issuerName) && same(certID.issuerKeyHash, issuerKey);
  });
  if (!single) return invalid('has no status for this certificate');
  if (single.thisUpdate > now) return invalid(`is not valid before ${single.thisUpdate.toISOString()}`);
  if (!single.nextUpdate) return invalid('names no nextUpdate, so it is never fresh');
  if (single.nextUpdate <= now) return invalid(`is stale: its nextUpdate was ${single.nextUpdate.toISOString()}`);
  if (single.certStatus.revoked) {
    const code = single.certStatus.revoked.revocationReason?.reason;
    return {
      status: 'revoked',
      revokedAt: single.certStatus.revoked.revocationTime,
      reason: code === undefined ? 'unspecified' : (REASONS[code] ?? `reason ${code}`),
    };
  }
  if (single.certStatus.good !== undefined) return { status: 'good' };
  return invalid('says the responder does not know the certificate (unknown)');
}

/** Why `signer` may not answer for `issuer`'s certificates, if it may not (RFC 6960, 4.2.2.2). */
function delegationProblem(signer: NodeCertificate, issuer: NodeCertificate, now: Date): string | undefined {
  const name = signer.subject.replace(/\n/g, ', ');
  if (!signer.checkIssued(issuer) || !signer.verify(issuer.publicKey)) return `is signed by ${name}, which the issuer did not certify`;
  if (!(signer.keyUsage ?? []).includes(OCSP_SIGNING)) return `is signed by ${name}, which is not certified for OCSP signing`;
  if (new Date(signer.validTo) < now || new Date(signer.validFrom) > now) return `is signed by ${name}, which is not valid now`;
  return undefined;
}
