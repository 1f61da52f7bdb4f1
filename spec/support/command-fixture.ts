import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '../../lib/testing';
import { buildOnce } from './build-once';

/** The built `rxtls` command, for specs that run it as its own process. */
export const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

/** What such a spec needs: a test PKI, a temporary directory, and a leaf for localhost in it as `cert.pem` and `key.pem` (mode 0600). */
export interface CommandFixture {
  readonly pki: TestPki;
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  /** Removes the directory. */
  remove(): Promise<void>;
}

/** Builds the command once per run, and makes the PKI and the files. */
export async function commandFixture(prefix: string): Promise<CommandFixture> {
  await buildOnce();
  const pki = await createTestPki();
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const leaf = await pki.leaf();
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await Promise.all([writeFile(cert, leaf.cert), writeFile(key, leaf.key, { mode: 0o600 })]);
  return { pki, dir, cert, key, remove: () => rm(dir, { recursive: true, force: true }) };
}
