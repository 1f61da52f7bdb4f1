/**
 * The intermediate a server forgot to send, fetched by the AIA caIssuers URL of the last
 * certificate it did send — for the diagnosis only: rxtls never fetches certificates when it
 * connects. HTTP and HTTPS only, at most `doctorAiaMaxBytes` and `doctorAiaTimeoutMs`, and the
 * answer is believed only as far as its signature goes: it must be the issuer of that
 * certificate, and a trusted CA must have issued it.
 * @module
 */
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { IntermediateFinding } from '../../diagnostics/doctor-findings';
import { CLI_DEFAULTS } from '../cli-defaults';

/** Fetches `url` into a Buffer, bounded in bytes and time; rejects with a message that says which bound. */
function fetchBounded(url: URL): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const { doctorAiaMaxBytes: maxBytes, doctorAiaTimeoutMs: ms } = CLI_DEFAULTS;
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    const request = get(url, { timeout: ms }, (response: IncomingMessage) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new RangeError(`HTTP status ${response.statusCode ?? 'unknown'}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          request.destroy();
          reject(new RangeError(`more than ${maxBytes} bytes`));
        } else chunks.push(chunk);
      });
      response.on('end', () => resolve(Buffer.concat(chunks)));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new RangeError(`no answer within ${ms} ms`)));
    request.on('error', reject);
  });
}

/** The CA certificates this program trusts: those of `--ca` (a PEM file), or Node's public roots. */
export function trustedCertificates(caFile: string | undefined): X509Certificate[] {
  if (caFile === undefined) return certificatesOf([...rootCertificates]);
  const files = statSync(caFile).isDirectory() ? readdirSync(caFile).map((name) => join(caFile, name)) : [caFile];
  return certificatesOf(
    files.flatMap((file) => {
      try {
        return readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      } catch {
        return []; // a subdirectory, or a file we may not read: not a CA of ours
      }
    }),
  );
}

function certificatesOf(pems: readonly string[]): X509Certificate[] {
  return pems.flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return [];
    }
  });
}

/** Fetches the issuer of `lastPem` from `url` and checks it against `lastPem` and `trusted`. */
export async function fetchMissingIntermediate(
  url: string,
  lastPem: string,
  trusted: readonly X509Certificate[],
): Promise<IntermediateFinding> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, status: 'failed', error: 'not a URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return { url, status: 'failed', error: `${parsed.protocol} is not fetched (HTTP and HTTPS only)` };
  try {
    const body = await fetchBounded(parsed);
    // caIssuers serve DER (RFC 5280 §4.2.2.1); some serve PEM.
    const issuer = new X509Certificate(body.toString('latin1').includes('-----BEGIN') ? body.toString('latin1') : body);
    const last = new X509Certificate(lastPem);
    const issuesLastCertificate = last.checkIssued(issuer) && last.verify(issuer.publicKey);
    const chainsToTrusted = trusted.some((root) => issuer.checkIssued(root) && issuer.verify(root.publicKey));
    return { url, status: 'fetched', subject: issuer.subject.replace(/\n/g, ', '), issuesLastCertificate, chainsToTrusted };
  } catch (error) {
    return { url, status: 'failed', error: (error as Error).message };
  }
}
