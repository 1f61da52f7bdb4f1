import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SECURE_CONTEXT_CACHE_SIZE } from '../defaults';
import { InvalidOptionError } from '../errors';
import { lruCache } from '../util/lru-cache';

/**
 * Where trusted CA certificates come from: PEM text (string or Buffer), a path to a PEM file,
 * a path to a directory of PEM files (such as `/etc/ssl/certs`), or an array of these.
 *
 * @example
 * ```ts
 * import { connect, type CaSource } from 'rxtls';
 * const fromDirectory: CaSource = '/etc/ssl/certs';
 * const fromPem: CaSource = ['-----BEGIN CERTIFICATE-----\n…', '/opt/ca/internal.pem'];
 * connect({ host: 'mail.example.com', port: 993, ca: fromDirectory });
 * ```
 */
export type CaSource = string | Buffer | ReadonlyArray<string | Buffer>;

/** CA certificates, parsed and de-duplicated. */
export interface LoadedCa {
  /** One PEM string per certificate, in the order found. */
  readonly pems: readonly string[];
  readonly certificates: readonly X509Certificate[];
}

/** The items of a {@link CaSource}, as a list. */
export function caSourceItems(source: CaSource): ReadonlyArray<string | Buffer> {
  return typeof source === 'string' || Buffer.isBuffer(source) ? [source] : source;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** True for a string that holds PEM text rather than a path. */
function isPemText(value: string): boolean {
  return value.includes('-----BEGIN');
}

/**
 * Loads CA certificates from any {@link CaSource}. Every failure is an {@link InvalidOptionError}
 * naming `option` and the value at fault: unreadable path, directory without certificates,
 * text without a PEM certificate, malformed certificate.
 */
export async function loadCa(source: CaSource, option = 'ca'): Promise<LoadedCa> {
  const items = caSourceItems(source);
  if (items.length === 0) throw new InvalidOptionError(option, source, 'is an empty array; omit it to use the default trust store');
  // PEM given as text is parsed once for all the connections that give the same text; files
  // and directories are read again each time, so that a renewed CA file is picked up.
  const text = items.every((item) => typeof item === 'string' && isPemText(item)) ? items.join('\n') : undefined;
  const known = text === undefined ? undefined : parsedPem.get(text);
  if (known) return known;
  const byFingerprint = new Map<string, X509Certificate>();
  for (const item of items) {
    for (const cert of await loadItem(item, option)) byFingerprint.set(cert.fingerprint256, cert);
  }
  const certificates = [...byFingerprint.values()];
  const loaded = { certificates, pems: certificates.map((c) => c.toString()) };
  if (text !== undefined) parsedPem.set(text, loaded);
  return loaded;
}

/** CA sets given as PEM text, already parsed. */
const parsedPem = lruCache<string, LoadedCa>(SECURE_CONTEXT_CACHE_SIZE);

async function loadItem(item: string | Buffer, option: string): Promise<X509Certificate[]> {
  if (Buffer.isBuffer(item)) return parsePem(item.toString('utf8'), option, item);
  if (typeof item !== 'string') throw new InvalidOptionError(option, item, 'must be PEM text, a Buffer, a file path or a directory path');
  if (isPemText(item)) return parsePem(item, option, item);
  const info = await stat(item).catch((error: unknown) => {
    throw unreadable(option, item, error);
  });
  if (info.isDirectory()) return loadDirectory(item, option);
  const text = await readFile(item, 'utf8').catch((error: unknown) => {
    throw unreadable(option, item, error);
  });
  return parsePem(text, option, item);
}

async function loadDirectory(dir: string, option: string): Promise<X509Certificate[]> {
  const names = await readdir(dir).catch((error: unknown) => {
    throw unreadable(option, dir, error);
  });
  const found: X509Certificate[] = [];
  for (const name of names.sort()) {
    // Unreadable entries, sub-directories and non-certificate files are skipped, as OpenSSL's
    // hashed-directory lookup does; only an empty result is an error.
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    for (const block of text.match(PEM_BLOCK) ?? []) {
      try {
        found.push(new X509Certificate(block));
      } catch {
        // a damaged file among many does not make the directory useless
      }
    }
  }
  if (found.length === 0) throw new InvalidOptionError(option, dir, 'is a directory with no PEM certificates in it');
  return found;
}

function unreadable(option: string, path: string, error: unknown): InvalidOptionError {
  const { code, message } = error as NodeJS.ErrnoException;
  return new InvalidOptionError(option, path, `cannot be read (${code ?? message})`, { cause: error });
}

function parsePem(text: string, option: string, value: unknown): X509Certificate[] {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new InvalidOptionError(option, value, 'contains no PEM certificate ("-----BEGIN CERTIFICATE-----")');
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new InvalidOptionError(option, value, `has a malformed certificate (PEM block ${index + 1}): ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
}

/** Where distributions keep their CA bundle or directory, most common first. */
const SYSTEM_LOCATIONS = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // macOS, BSDs
  '/etc/ssl/certs', // a hashed directory
];

/**
 * The operating system's trust store, as a path for `ca`: `SSL_CERT_FILE` or `SSL_CERT_DIR`
 * when set (as OpenSSL honours them), else the first of the usual bundle locations that exists.
 * Node's default is its own bundled copy of Mozilla's roots; use this to trust what the
 * system trusts (including CAs an administrator added). Throws when there is none.
 *
 * @example
 * ```ts
 * import { connect, systemTrustStore } from 'rxtls';
 * connect({ host: 'intranet.example', port: 993, ca: systemTrustStore() });
 * ```
 */
export function systemTrustStore(env: NodeJS.ProcessEnv = process.env, locations: readonly string[] = SYSTEM_LOCATIONS): string {
  const candidates = [env['SSL_CERT_FILE'], env['SSL_CERT_DIR'], ...locations].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new InvalidOptionError('ca', 'system', `found no system trust store; looked at ${candidates.join(', ')}`);
  return found;
}
