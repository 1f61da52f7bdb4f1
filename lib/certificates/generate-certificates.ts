/**
 * Certificate generation: keys, self-signed certificates and small PKIs (a root CA, an
 * intermediate, leaves), in memory. `rxtls serve --self-signed` and the test kit
 * (`rxtls/testing`) use it; it is loaded only by what needs it, so `connect()` and `listen()`
 * never load `@peculiar/x509`.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createHash, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

// @peculiar/x509 signs through WebCrypto; Node's own implementation is native and fast
// (an ECDSA P-256 key and certificate take well under 20 ms).
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

/**
 * A certificate with its private key, both PEM, ready for `tls.createServer` or `connect({ cert, key })`.
 *
 * @example
 * ```ts
 * import { createTestPki } from 'rxtls/testing';
 * const { cert, key, spkiPin } = await (await createTestPki()).leaf();
 * ```
 */
export interface TestCredentials {
  /** The certificate (PEM); for a leaf issued by an intermediate, the leaf followed by the intermediate. */
  readonly cert: string;
  /** The PKCS#8 private key (PEM). */
  readonly key: string;
  /** SHA-256 fingerprint of the certificate, colon-separated upper-case hex as Node prints it. */
  readonly fingerprint256: string;
  /** SPKI pin of the certificate, `sha256/<base64>`. */
  readonly spkiPin: string;
}

/**
 * An issuing authority: credentials that can sign further certificates.
 *
 * @example
 * ```ts
 * import { createTestPki } from 'rxtls/testing';
 * const pki = await createTestPki();
 * const intermediate = await pki.ca.issue({ ca: true, commonName: 'Intermediate' });
 * const leaf = await intermediate.issue({ names: ['mail.test'] }); // leaf.cert carries the intermediate
 * ```
 */
export interface TestAuthority extends TestCredentials {
  /** Issues a leaf (or, with `ca: true`, an intermediate) signed by this authority. */
  issue(options?: IssueOptions): Promise<TestCredentials & TestAuthority>;
  /** A CRL (PEM) signed by this authority that revokes `revoked`; pass it as `tls: { crl }`. */
  revocationList(revoked?: readonly TestCredentials[]): Promise<string>;
}

/**
 * What a generated certificate says about itself. Every field has a sensible default.
 *
 * @example
 * ```ts
 * import { createTestPki } from 'rxtls/testing';
 * const pki = await createTestPki();
 * await pki.leaf({ names: ['imap.test', '127.0.0.1'], notAfter: new Date(Date.now() + 86_400_000) });
 * ```
 */
export interface IssueOptions {
  /** DNS names and IP addresses for the SAN extension; the first is also the CN. Default `['localhost', '127.0.0.1']`. */
  readonly names?: readonly string[];
  /** Start of validity. Default: one hour ago. */
  readonly notBefore?: Date;
  /** End of validity. Default: 30 days from now. */
  readonly notAfter?: Date;
  /** Make the certificate an authority (basicConstraints CA:TRUE, keyCertSign). Default false. */
  readonly ca?: boolean;
  /** Extended key usage: `'server'` (default), `'client'` or `'both'`. */
  readonly usage?: 'server' | 'client' | 'both';
  /** Subject common name; defaults to the first name. */
  readonly commonName?: string;
  /** The certificate's key: `'ecdsa-p256'` (default), `'rsa-2048'`, or the weak `'rsa-1024'`. */
  readonly key?: 'ecdsa-p256' | 'rsa-2048' | 'rsa-1024';
  /** The hash the issuer signs with: `'SHA-256'` (default) or the deprecated `'SHA-1'`. */
  readonly signatureHash?: 'SHA-256' | 'SHA-1';
}

/**
 * A throwaway public-key infrastructure for tests: one root CA and helpers that issue
 * leaves for the usual good and bad cases. Nothing is written to disk and nothing expires
 * in a repository, because every certificate is generated at run time.
 *
 * @example
 * ```ts
 * import { createTestPki } from 'rxtls/testing';
 * const pki = await createTestPki();
 * const good = await pki.leaf();                          // localhost + 127.0.0.1, signed by pki.ca
 * const expired = await pki.expired();
 * const wrongHost = await pki.leaf({ names: ['elsewhere.test'] });
 * const selfSigned = await pki.selfSigned();
 * ```
 */
export interface TestPki {
  /** The root CA; pass `pki.ca.cert` as the client's `ca`. */
  readonly ca: TestAuthority;
  /** A leaf signed by the root (defaults: localhost + 127.0.0.1, valid now, server usage). */
  leaf(options?: IssueOptions): Promise<TestCredentials>;
  /** A leaf whose validity ended yesterday. */
  expired(options?: IssueOptions): Promise<TestCredentials>;
  /** A leaf whose validity starts tomorrow. */
  notYetValid(options?: IssueOptions): Promise<TestCredentials>;
  /** A leaf for a client (extended key usage clientAuth). */
  client(options?: IssueOptions): Promise<TestCredentials>;
  /** A self-signed leaf that no CA vouches for. */
  selfSigned(options?: IssueOptions): Promise<TestCredentials>;
  /** A second, unrelated root CA: what it signs is "unknown CA" to clients trusting only `ca`. */
  otherAuthority(): Promise<TestAuthority>;
}

/**
 * Creates a {@link TestPki} with a fresh root CA named `commonName`.
 *
 * @example
 * ```ts
 * import { createTestPki } from 'rxtls/testing';
 * const pki = await createTestPki('My test CA');
 * console.log(pki.ca.cert.startsWith('-----BEGIN CERTIFICATE-----')); // true
 * ```
 */
export async function createTestPki(commonName = 'rxtls test root CA'): Promise<TestPki> {
  const ca = await createAuthority(commonName);
  return {
    ca,
    leaf: (options) => ca.issue(options),
    expired: (options) => ca.issue({ notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY), ...options }),
    notYetValid: (options) => ca.issue({ notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 30 * DAY), ...options }),
    client: (options) => ca.issue({ names: ['rxtls test client'], usage: 'client', ...options }),
    selfSigned: (options) => selfSigned(options),
    otherAuthority: () => createAuthority(`${commonName} (other)`),
  };
}

/**
 * Creates a self-signed leaf certificate (no CA).
 *
 * @example
 * ```ts
 * import { selfSigned } from 'rxtls/testing';
 * const dev = await selfSigned({ names: ['dev.local'] });
 * ```
 */
export async function selfSigned(options: IssueOptions = {}): Promise<TestCredentials> {
  const keys = await generateKeys(options.key);
  return generate(options, keys, { keys, name: subjectOf(options), chain: '' });
}

async function createAuthority(commonName: string): Promise<TestAuthority> {
  const keys = await generateKeys();
  const creds = await generate({ ca: true, commonName, names: [] }, keys, { keys, name: `CN=${commonName}`, chain: '' });
  return authority(creds, keys, `CN=${commonName}`, '');
}

interface Issuer {
  readonly keys: CryptoKeyPair;
  readonly name: string;
  /** PEM of the issuer's own chain below the root, appended to what it issues. */
  readonly chain: string;
  readonly certificate?: x509.X509Certificate;
}

function authority(creds: TestCredentials, keys: CryptoKeyPair, name: string, chain: string): TestAuthority {
  const ownPem = creds.cert.slice(0, creds.cert.indexOf(PEM_END) + PEM_END.length);
  const issuer: Issuer = { keys, name, chain, certificate: new x509.X509Certificate(ownPem) };
  return {
    ...creds,
    async issue(options = {}) {
      const childKeys = await generateKeys(options.key);
      const child = await generate(options, childKeys, issuer);
      // An intermediate hands its own certificate (and the chain above it, short of the root) to what it issues.
      return authority(child, childKeys, subjectOf(options), options.ca ? child.cert : '');
    },
    async revocationList(revoked = []) {
      const list = await x509.X509CrlGenerator.create({
        issuer: name,
        thisUpdate: new Date(Date.now() - 60_000),
        nextUpdate: new Date(Date.now() + DAY),
        signingAlgorithm: signingAlgorithm(keys.privateKey, 'SHA-256'),
        signingKey: keys.privateKey,
        entries: revoked.map((r) => ({
          serialNumber: new X509Certificate(r.cert).serialNumber,
          revocationDate: new Date(Date.now() - 60_000),
        })),
      });
      // OpenSSL wants the X509 CRL label.
      return list.toString('pem').replace(/-----(BEGIN|END) CRL-----/g, '-----$1 X509 CRL-----');
    },
  };
}

const PEM_END = '-----END CERTIFICATE-----';

async function generateKeys(kind: IssueOptions['key'] = 'ecdsa-p256'): Promise<CryptoKeyPair> {
  const algorithm =
    kind === 'ecdsa-p256'
      ? ECDSA_P256
      : {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: kind === 'rsa-1024' ? 1024 : 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        };
  return await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
}

/** How an issuer's key signs, with the hash asked for. */
function signingAlgorithm(issuerKey: CryptoKey, hash: string): Algorithm & { hash: string } {
  return { name: issuerKey.algorithm.name, hash };
}

function subjectOf(options: IssueOptions): string {
  const names = options.names ?? ['localhost', '127.0.0.1'];
  const cn = options.commonName ?? names[0] ?? 'rxtls test';
  return `CN=${cn.replace(/[,=+<>#;"\\]/g, ' ')}`;
}

let serial = 1;

async function generate(options: IssueOptions, keys: CryptoKeyPair, issuer: Issuer): Promise<TestCredentials> {
  const names = options.names ?? ['localhost', '127.0.0.1'];
  const usage = options.usage ?? 'server';
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(options.ca === true, undefined, true),
    new x509.KeyUsagesExtension(
      // KeyUsageFlags are bit flags, meant to be combined with |.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
      options.ca
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature
        : x509.KeyUsageFlags.digitalSignature |
            (keys.publicKey.algorithm.name === 'ECDSA' ? x509.KeyUsageFlags.keyAgreement : x509.KeyUsageFlags.keyEncipherment),
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (!options.ca) {
    const ekus =
      usage === 'both' ? ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'] : [usage === 'client' ? '1.3.6.1.5.5.7.3.2' : '1.3.6.1.5.5.7.3.1'];
    extensions.push(new x509.ExtendedKeyUsageExtension(ekus));
  }
  if (names.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(names.map((value): x509.JsonGeneralName => ({ type: isIP(value) ? 'ip' : 'dns', value }))),
    );
  }
  if (issuer.certificate) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate));
  }
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0') + Date.now().toString(16),
    subject: subjectOf(options),
    issuer: issuer.name,
    notBefore: options.notBefore ?? new Date(Date.now() - 60 * 60 * 1000),
    notAfter: options.notAfter ?? new Date(Date.now() + 30 * DAY),
    signingAlgorithm: signingAlgorithm(issuer.keys.privateKey, options.signatureHash ?? 'SHA-256'),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions,
  });
  const pem = certificate.toString('pem');
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END PRIVATE KEY-----\n`;
  const native = new X509Certificate(pem);
  const spki = native.publicKey.export({ type: 'spki', format: 'der' });
  return {
    cert: issuer.chain ? `${pem}\n${issuer.chain}` : `${pem}\n`,
    key,
    fingerprint256: native.fingerprint256,
    spkiPin: `sha256/${createHash('sha256').update(spki).digest('base64')}`,
  };
}
