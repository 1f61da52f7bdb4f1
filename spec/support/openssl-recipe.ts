import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs the `openssl x509 -in cert.pem …` command an error message recommends on `certificate`
 * (PEM), and returns what it printed: proof that the advice works as written.
 */
export async function runRecipe(message: string, certificate: string): Promise<string> {
  const recipe = /`(openssl x509 -in cert\.pem [^`]+)`/.exec(message)?.[1];
  if (!recipe) throw new Error(`no openssl x509 command in: ${message}`);
  const dir = await mkdtemp(join(tmpdir(), 'rxtls-recipe-'));
  try {
    const file = join(dir, 'cert.pem');
    await writeFile(file, certificate);
    return execFileSync('sh', ['-c', recipe.replace('cert.pem', `'${file}'`)]).toString();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
