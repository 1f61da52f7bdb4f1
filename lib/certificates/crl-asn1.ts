import type { X509Certificate as NodeCertificate } from 'node:crypto';

/**
 * The ASN.1 libraries the revocation and chain-completion checks parse with (the @peculiar
 * family, which also makes the test PKI), loaded the first time a check needs them: a program
 * that never checks revocation does not pay for loading them.
 */
export async function asn1Libraries() {
  const [schema, x509Asn, ocsp, x509] = await Promise.all([
    import('@peculiar/asn1-schema'),
    import('@peculiar/asn1-x509'),
    import('@peculiar/asn1-ocsp'),
    peculiarX509(),
  ]);
  return { schema, x509Asn, ocsp, x509 };
}

let loading: Promise<typeof import('@peculiar/x509')> | undefined;

/** @peculiar/x509 with node:crypto's WebCrypto as its provider (what it verifies CRL signatures with). */
function peculiarX509(): Promise<typeof import('@peculiar/x509')> {
  loading ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    const { webcrypto } = await import('node:crypto');
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return loading;
}

/** The URIs of the general names given (the only kind rxtls can fetch). */
export function uris(names: ReadonlyArray<{ readonly uniformResourceIdentifier?: string }> | undefined): string[] {
  return (names ?? []).flatMap((n) => (n.uniformResourceIdentifier === undefined ? [] : [n.uniformResourceIdentifier]));
}

/** The DER value of the certificate's extension `oid`, when it has it. */
export async function extensionValue(cert: NodeCertificate, oid: string): Promise<ArrayBuffer | undefined> {
  const { schema, x509Asn } = await asn1Libraries();
  const parsed = schema.AsnConvert.parse(cert.raw, x509Asn.Certificate);
  const extension = parsed.tbsCertificate.extensions?.find((e) => e.extnID === oid);
  return extension?.extnValue.buffer;
}

/** The CRL distribution points the certificate names: the URIs of their full names, in order. */
export async function crlDistributionPoints(cert: NodeCertificate): Promise<string[]> {
  const { schema, x509Asn } = await asn1Libraries();
  const value = await extensionValue(cert, x509Asn.id_ce_cRLDistributionPoints);
  if (!value) return [];
  const points = schema.AsnConvert.parse(value, x509Asn.CRLDistributionPoints);
  // A point with a cRLIssuer is served by another CA (an indirect CRL): not supported, so not tried.
  return points.filter((p) => !p.cRLIssuer).flatMap((p) => uris(p.distributionPoint?.fullName));
}
