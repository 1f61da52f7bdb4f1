import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { main } from '../../lib/cli/main';
import type { DoctorReport } from '../../lib/cli/doctor/report';
import { wireProbe } from '../../lib/cli/doctor/wire-probe';
import { createTestPki } from '../../lib/testing';

/**
 * The wire probe of rxtls doctor over real TLS on loopback: the TLS 1.3 secret it decrypts with
 * never reaches its findings, the report, the JSON or stderr; the recording keeps to its bound.
 */
function capture(): NodeJS.WriteStream & { text(): string } {
  let text = '';
  return {
    isTTY: false,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    text: () => text,
  } as unknown as NodeJS.WriteStream & { text(): string };
}

const firstPem = (pem: string) => pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----\n'.length);
let server: Server;
let port: number;
let credentials: { cert: string; key: string };
let dir: string;
let caFile: string;
/** Every secret of every connection, as the server's own key log gives them. */
const secrets: string[] = [];

beforeAll(async () => {
  const pki = await createTestPki();
  const intermediate = await pki.ca.issue({ ca: true, commonName: 'rxtls wire intermediate' });
  const leaf = await intermediate.issue();
  dir = await mkdtemp(join(tmpdir(), 'rxtls-doctor-wire-'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.ca.cert);
  credentials = { cert: `${firstPem(leaf.cert)}${firstPem(intermediate.cert)}`, key: leaf.key };
  server = createServer(credentials);
  server.on('keylog', (line: Buffer) => secrets.push(line.toString('latin1').trim().split(' ')[2] ?? ''));
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('the wire probe', () => {
  it('decrypts a TLS 1.3 flight with its own secret, which appears nowhere in what rxtls doctor prints', async () => {
    const stdout = capture();
    const stderr = capture();
    secrets.length = 0;
    const status = await main(
      ['doctor', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', caFile, '--json', '--timeout', '3'],
      stdout,
      stderr,
    );
    const text = capture();
    await main(['doctor', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', caFile, '--timeout', '3'], text, stderr);
    const report = JSON.parse(stdout.text()) as DoctorReport;
    const served = report.steps.find((s) => s.name === 'chain')?.facts['served'];
    expect(served).toMatchObject({
      status: 'read',
      complete: true,
      protocol: 'TLSv1.3',
      certificates: [
        expect.objectContaining({ subject: 'CN=localhost', issuerIndex: 1 }),
        expect.objectContaining({ subject: 'CN=rxtls wire intermediate' }),
      ],
    });
    expect(status).toBe(0);
    // The server logged the secrets of every doctor connection, the wire probe's among them.
    const handshakeSecrets = secrets.filter((s) => /^[0-9a-f]{64,96}$/i.test(s));
    expect(handshakeSecrets.length).toBeGreaterThanOrEqual(5);
    const printed = `${stdout.text()}\n${text.text()}\n${stderr.text()}`.toLowerCase();
    for (const secret of handshakeSecrets) {
      expect(printed).not.toContain(secret.toLowerCase());
      expect(printed).not.toContain(Buffer.from(secret, 'hex').toString('base64').toLowerCase());
    }
  });

  it('keeps its findings free of the secret, and stops recording at its bound (and says so)', async () => {
    secrets.length = 0;
    const finding = await wireProbe({ address: '127.0.0.1', port, servername: 'localhost', timeoutMs: 3000 });
    const json = JSON.stringify(finding).toLowerCase();
    expect(finding.status).toBe('read');
    for (const secret of secrets) if (secret.length >= 64) expect(json).not.toContain(secret.toLowerCase());
    const bounded = await wireProbe({ address: '127.0.0.1', port, servername: 'localhost', timeoutMs: 3000, maxBytes: 300 });
    expect(bounded).toMatchObject({
      complete: false,
      truncatedAtBytes: 300,
      error: 'the flight is longer than the 300 bytes recorded (DEFAULT_DOCTOR_MAX_FLIGHT_BYTES)',
    });
  });

  it('reads TLS 1.2 in clear (no secret needed), and reports a port nothing listens on as failed', async () => {
    const tls12 = createServer({ ...credentials, maxVersion: 'TLSv1.2' });
    await new Promise<void>((resolve) => tls12.listen(0, '127.0.0.1', resolve));
    const read = await wireProbe({
      address: '127.0.0.1',
      port: (tls12.address() as { port: number }).port,
      servername: 'localhost',
      timeoutMs: 3000,
    });
    await new Promise<void>((resolve) => tls12.close(() => resolve()));
    expect(read).toMatchObject({
      status: 'read',
      complete: true,
      protocol: 'TLSv1.2',
      certificates: [expect.objectContaining({ subject: 'CN=localhost' }), expect.anything()],
    });
    const finding = await wireProbe({ address: '127.0.0.1', port: 1, servername: undefined, timeoutMs: 1000 });
    expect(finding).toMatchObject({ status: 'failed', complete: false, error: expect.stringMatching(/ECONNREFUSED/) });
  });
});
