import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs `openssl ARGS` in `cwd`; rejects with its stderr. */
export async function openssl(cwd: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('openssl', [...args], { cwd, timeout: 10_000 });
    return stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr ?? (error as Error).message}`, { cause: error });
  }
}

/** A certificate `openssl ca` issued, with its key, as files and as PEM. */
export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

/** Where an issued certificate says its CRL and its issuer are. */
export interface IssueOptions {
  readonly commonName: string;
  readonly crlUrl?: string;
  readonly aiaUrl?: string;
  /** Issue a CA (an intermediate) instead of a server certificate. */
  readonly ca?: boolean;
  /** A delegated OCSP responder (extendedKeyUsage OCSPSigning). */
  readonly ocspSigner?: boolean;
}

/**
 * A certificate authority run by the `openssl ca` tool, from a config in its own directory
 * (index.txt, serial, crlnumber): it issues with `openssl ca`, revokes with `-revoke`, makes
 * CRLs with `-gencrl` and OCSP responses with `openssl ocsp -index`.
 */
export interface OpensslCa {
  readonly dir: string;
  readonly certFile: string;
  readonly cert: string;
  issue(options: IssueOptions): Promise<IssuedCertificate>;
  revoke(certificate: IssuedCertificate, reason?: string): Promise<void>;
  /** A CRL (DER); `lastUpdate`/`nextUpdate` as `YYYYMMDDHHMMSSZ` to make a stale one. */
  crl(dates?: { lastUpdate: string; nextUpdate: string }): Promise<Buffer>;
  /** An OCSP response (DER) for `certificate`, signed by this CA or by `signer`. */
  ocspResponse(certificate: IssuedCertificate, signer?: IssuedCertificate): Promise<Buffer>;
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** Creates a CA in `dir`: self-signed, or issued by `parent` (an intermediate). */
export async function createOpensslCa(dir: string, name: string, parent?: OpensslCa, parentCrlUrl?: string): Promise<OpensslCa> {
  await mkdir(join(dir, 'newcerts'), { recursive: true });
  await Promise.all([
    writeFile(join(dir, 'index.txt'), ''),
    writeFile(join(dir, 'serial'), '1000\n'),
    writeFile(join(dir, 'crlnumber'), '01\n'),
  ]);
  const config = join(dir, 'ca.cnf');
  await writeFile(
    config,
    [
      '[ ca ]',
      'default_ca = CA_default',
      '[ CA_default ]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'serial = $dir/serial',
      'crlnumber = $dir/crlnumber',
      'new_certs_dir = $dir/newcerts',
      'certificate = $dir/ca.pem',
      'private_key = $dir/ca.key',
      'default_md = sha256',
      'default_days = 30',
      'default_crl_days = 7',
      'policy = policy_any',
      'unique_subject = no',
      'copy_extensions = none',
      '[ policy_any ]',
      'commonName = supplied',
      '[ req ]',
      'distinguished_name = dn',
      'prompt = no',
      '[ dn ]',
      `CN = ${name}`,
      '[ root_ext ]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  const certFile = join(dir, 'ca.pem');
  let serial = 0;
  const ca: OpensslCa = {
    dir,
    certFile,
    cert: '',
    async issue(options) {
      serial += 1;
      const base = join(dir, `issued-${serial}`);
      const ext = [
        '[ ext ]',
        options.ca ? 'basicConstraints = critical,CA:TRUE' : 'basicConstraints = critical,CA:FALSE',
        options.ca ? 'keyUsage = critical,keyCertSign,cRLSign' : 'keyUsage = critical,digitalSignature',
        ...(options.ca ? [] : [options.ocspSigner ? 'extendedKeyUsage = OCSPSigning' : 'extendedKeyUsage = serverAuth']),
        ...(options.ca || options.ocspSigner ? [] : ['subjectAltName = DNS:localhost']),
        'authorityKeyIdentifier = keyid',
        ...(options.crlUrl ? [`crlDistributionPoints = URI:${options.crlUrl}`] : []),
        ...(options.aiaUrl ? [`authorityInfoAccess = caIssuers;URI:${options.aiaUrl}`] : []),
        '',
      ].join('\n');
      await writeFile(`${base}.ext`, ext);
      await openssl(dir, ['req', '-new', ...KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${options.commonName}`]);
      await openssl(dir, [
        'ca',
        '-batch',
        '-config',
        config,
        '-in',
        `${base}.csr`,
        '-out',
        `${base}.pem`,
        '-extfile',
        `${base}.ext`,
        '-extensions',
        'ext',
        '-notext',
      ]);
      const [cert, key] = await Promise.all([readFile(`${base}.pem`, 'utf8'), readFile(`${base}.key`, 'utf8')]);
      return { certFile: `${base}.pem`, keyFile: `${base}.key`, cert, key };
    },
    async revoke(certificate, reason = 'keyCompromise') {
      await openssl(dir, ['ca', '-batch', '-config', config, '-revoke', certificate.certFile, '-crl_reason', reason]);
    },
    async crl(dates) {
      const out = join(dir, `crl-${Date.now()}-${Math.random()}.pem`);
      await openssl(dir, [
        'ca',
        '-batch',
        '-config',
        config,
        '-gencrl',
        '-out',
        out,
        ...(dates ? ['-crl_lastupdate', dates.lastUpdate, '-crl_nextupdate', dates.nextUpdate] : []),
      ]);
      await openssl(dir, ['crl', '-in', out, '-outform', 'DER', '-out', `${out}.der`]);
      return readFile(`${out}.der`);
    },
    async ocspResponse(certificate, signer) {
      const out = join(dir, `ocsp-${Date.now()}-${Math.random()}.der`);
      await openssl(dir, [
        'ocsp',
        '-index',
        join(dir, 'index.txt'),
        '-rsigner',
        signer?.certFile ?? certFile,
        '-rkey',
        signer?.keyFile ?? join(dir, 'ca.key'),
        '-CA',
        certFile,
        '-issuer',
        certFile,
        '-cert',
        certificate.certFile,
        '-ndays',
        '1',
        '-respout',
        out,
      ]);
      return readFile(out);
    },
  };
  if (parent) {
    const issued = await parent.issue({ commonName: name, ca: true, ...(parentCrlUrl && { crlUrl: parentCrlUrl }) });
    await Promise.all([writeFile(certFile, issued.cert), writeFile(join(dir, 'ca.key'), issued.key)]);
  } else {
    await openssl(dir, [
      'req',
      '-x509',
      ...KEY,
      '-config',
      config,
      '-extensions',
      'root_ext',
      '-days',
      '30',
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      certFile,
    ]);
  }
  return Object.assign(ca, { cert: await readFile(certFile, 'utf8') });
}

/** A plain HTTP server on 127.0.0.1 serving what `files` holds, by path; 404 otherwise. */
export interface FileServer {
  readonly files: Map<string, Buffer | { redirect: string }>;
  url(path: string): string;
  /** Requests seen, by path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startFileServer(): Promise<FileServer> {
  const files = new Map<string, Buffer | { redirect: string }>();
  const hits = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = files.get(path);
    if (!file) return response.writeHead(404).end();
    if ('redirect' in file) return response.writeHead(302, { location: file.redirect }).end();
    response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    files,
    hits,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
