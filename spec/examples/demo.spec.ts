import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { demo } from '../../examples/demo';
import { createTestPki, startTlsServer } from '../../lib/testing';

const run = promisify(execFile);
const TSX = join(__dirname, '../../node_modules/.bin/tsx');
const EXAMPLE = join(__dirname, '../../examples/imap-greeting.ts');

describe('npm start (examples/demo.ts)', () => {
  it("prints the article's output: the greeting, then the certificate failure", async () => {
    const lines: string[] = [];
    await demo((line) => lines.push(line));
    expect(lines).toEqual([
      'Connected; now waiting for the greeting',
      'Received: * OK [CAPABILITY IMAP4rev1] rxtls demo ready',
      'Certificate check failed: self-signed certificate in certificate chain',
    ]);
  });
});

describe('examples/imap-greeting.ts as a command', () => {
  it('reads the greeting of a server verified against --ca-dir, and exits 0', async () => {
    const pki = await createTestPki();
    const dir = await mkdtemp(join(tmpdir(), 'rxtls-greeting-'));
    await writeFile(join(dir, 'ca.pem'), pki.ca.cert);
    const server = await startTlsServer({ ...(await pki.leaf()), greeting: '* OK IMAP ready\r\n' });
    try {
      const { stdout } = await run(TSX, [EXAMPLE, 'localhost', String(server.port), '--ca-dir', dir]);
      expect(stdout).toBe('Connected; now waiting for the greeting\nReceived: * OK IMAP ready\n');
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a server the default trust store does not trust, and exits 2', async () => {
    const pki = await createTestPki();
    const server = await startTlsServer({ ...(await pki.leaf()), greeting: '* OK secret\r\n' });
    try {
      const failure = await run(TSX, [EXAMPLE, 'localhost', String(server.port)]).catch(
        (e: unknown) => e as { code: number; stdout: string },
      );
      expect('code' in failure && failure.code).toBe(2);
      expect(failure.stdout).toBe(
        'Certificate check failed: unable to get local issuer certificate; unable to verify the first certificate\n',
      );
    } finally {
      await server.close();
    }
  });

  it('explains its usage and exits 1 without a host', async () => {
    const failure = await run(TSX, [EXAMPLE]).catch((e: unknown) => e as { code: number; stderr: string });
    expect('code' in failure && failure.code).toBe(1);
    expect((failure as { stderr: string }).stderr).toContain('usage: npx tsx examples/imap-greeting.ts HOST [PORT] [--ca-dir DIR]');
  });
});
