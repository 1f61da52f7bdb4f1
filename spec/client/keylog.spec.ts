import { chmodSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, InvalidOptionError, type ConnectEvent, type ConnectOptions } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { describeWithOpenssl, runOpenssl } from '../interop/openssl';
import { KEYLOG_LINE, TLS13_LABELS } from '../support/keylog-lines';
import { collect } from '../support/collect';

let pki: TestPki;
let dir: string;
let server: TestServer;
let server12: TestServer;
/** The warnings rxtls emitted (process.emitWarning, as insecureAcceptAnyCertificate() warns), still printed. */
const warnings: { message: string; code: string | undefined; type: string | undefined }[] = [];
let emitWarning: jest.SpyInstance;

beforeAll(async () => {
  pki = await createTestPki();
  dir = await mkdtemp(join(tmpdir(), 'rxtls-keylog-'));
  const leaf = await pki.leaf();
  server = await startTlsServer({ ...leaf, greeting: 'hello\n', onConnection: (socket) => socket.end() });
  server12 = await startTlsServer({ ...leaf, maxVersion: 'TLSv1.2', greeting: 'hello\n', onConnection: (socket) => socket.end() });
  const original = process.emitWarning.bind(process);
  emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(((message: string, options?: { code?: string; type?: string }) => {
    warnings.push({ message, code: options?.code, type: options?.type });
    original(message, options as never);
  }) as typeof process.emitWarning);
});
afterAll(async () => {
  emitWarning.mockRestore();
  await Promise.all([server.close(), server12.close()]);
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
const freshFile = () => join(dir, `keys-${++files}.log`);

function session(options: Partial<ConnectOptions>, port = server.port) {
  return collect<ConnectEvent>(connect({ host: 'localhost', port, ca: pki.ca.cert, ...options }));
}

/** The key-log lines of a file, each checked to be newline-terminated. */
async function linesOf(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

/** Descriptors of this process that point at `path`. */
function descriptorsOn(path: string): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed while we looked (readdir's own descriptor)
    }
  });
}

const labels = (lines: readonly string[]) => [...new Set(lines.map((l) => KEYLOG_LINE.exec(l)?.[1]))].sort();

describe('connect({ keylog }): a file', () => {
  it.each([
    ['TLSv1.3', undefined, TLS13_LABELS],
    ['TLSv1.2', 'TLSv1.2', ['CLIENT_RANDOM']],
  ] as const)('%s: writes the NSS key-log lines of the handshake, one client random, mode 0600', async (protocol, maxVersion, expected) => {
    const path = freshFile();
    const { events, error } = await session(
      { keylog: path, ...(maxVersion && { maxVersion: maxVersion }) },
      maxVersion ? server12.port : server.port,
    );
    expect(error).toBeUndefined();
    const connected = events[0];
    expect(connected?.type === 'connected' && connected.session.protocol).toBe(protocol);
    const lines = await linesOf(path);
    for (const line of lines) expect(line).toMatch(KEYLOG_LINE);
    expect(labels(lines)).toEqual(expected);
    expect(new Set(lines.map((l) => KEYLOG_LINE.exec(l)?.[2])).size).toBe(1); // one handshake, one client random
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('holds the file open while connected and closes it when the connection ends: no descriptor is left behind', async () => {
    const path = freshFile();
    let whileConnected: string[] = [];
    const ended = new Promise<void>((resolve, reject) =>
      connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, keylog: path }).subscribe({
        next: (e) => {
          if (e.type === 'connected') whileConnected = descriptorsOn(path);
        },
        error: reject,
        complete: resolve,
      }),
    );
    await ended;
    expect(whileConnected).toHaveLength(1);
    expect(descriptorsOn(path)).toEqual([]);
  });

  it('closes the file on unsubscribe', async () => {
    const path = freshFile();
    const quiet = await startTlsServer({ ...(await pki.leaf()) }); // keeps the connection open
    try {
      const seen = await new Promise<number>((resolve, reject) => {
        const subscription = connect({ host: 'localhost', port: quiet.port, ca: pki.ca.cert, keylog: path }).subscribe({
          next: (e) => {
            if (e.type !== 'connected') return;
            const open = descriptorsOn(path).length;
            subscription.unsubscribe();
            resolve(open);
          },
          error: reject,
        });
      });
      expect(seen).toBe(1);
      await new Promise((r) => setTimeout(r, 50)); // the destroyed socket's 'close'
      expect(descriptorsOn(path)).toEqual([]);
    } finally {
      await quiet.close();
    }
  });

  it('appends to an existing file of mode 0600, and leaves its mode as it is', async () => {
    const path = freshFile();
    writeFileSync(path, '# earlier session\n', { mode: 0o600 });
    await session({ keylog: path });
    await session({ keylog: path });
    const lines = await linesOf(path);
    expect(lines[0]).toBe('# earlier session');
    expect(new Set(lines.slice(1).map((l) => KEYLOG_LINE.exec(l)?.[2])).size).toBe(2);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('refuses an existing file other users may read: InvalidOptionError naming keylog, nothing written, no connection', async () => {
    const path = freshFile();
    writeFileSync(path, '');
    chmodSync(path, 0o644);
    const before = server.acceptedConnections();
    const { error } = await session({ keylog: path });
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('keylog');
    expect(error?.message).toMatch(/mode 644/);
    expect(await readFile(path, 'utf8')).toBe('');
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.acceptedConnections()).toBe(before);
  });

  it('an unwritable path: InvalidOptionError naming keylog and the path, before any connection', async () => {
    for (const path of [join(dir, 'no-such-dir', 'keys.log'), dir]) {
      const { error } = await session({ keylog: path });
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({ option: 'keylog', code: 'ERR_RXTLS_INVALID_OPTION' });
      expect(error?.message).toContain(path);
      expect(error?.message).not.toMatch(/[0-9a-f]{64}/);
    }
  });

  it('warns loudly once per process per file, naming the file and no secret', async () => {
    const path = freshFile();
    const count = () => warnings.filter((w) => w.code === 'RXTLS_KEYLOG' && w.message.includes(path));
    await session({ keylog: path });
    await session({ keylog: path });
    await new Promise((r) => setImmediate(r));
    expect(count()).toHaveLength(1);
    const [warning] = count();
    expect(warning?.type).toBe('SecurityWarning');
    expect(warning?.message).toMatch(/decrypt/);
    expect(warning?.message).not.toMatch(/[0-9a-f]{64}/);
    const other = freshFile();
    await session({ keylog: other });
    await new Promise((r) => setImmediate(r));
    expect(warnings.filter((w) => w.message.includes(other))).toHaveLength(1);
  });

  it('is off by default: no warning and no key log without the option', async () => {
    const before = warnings.length;
    const { error } = await session({});
    await new Promise((r) => setImmediate(r));
    expect(error).toBeUndefined();
    expect(warnings.slice(before).filter((w) => w.code === 'RXTLS_KEYLOG')).toEqual([]);
  });
});

describe('connect({ keylog }): a callback', () => {
  it('gets each line as a newline-terminated Buffer', async () => {
    const lines: Buffer[] = [];
    const { error } = await session({ keylog: (line) => lines.push(line) });
    expect(error).toBeUndefined();
    expect(lines.every((l) => Buffer.isBuffer(l) && l.toString('latin1').endsWith('\n'))).toBe(true);
    expect(labels(lines.map((l) => l.toString('latin1').trimEnd()))).toEqual(TLS13_LABELS);
  });

  it('a callback that throws ends the connection with an InvalidOptionError naming keylog and never quoting a line', async () => {
    const { error, events } = await session({
      keylog: (line) => {
        throw new Error(`cannot take ${line.toString()}`);
      },
    });
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('keylog');
    expect(error?.message).not.toMatch(/[0-9a-f]{64}|[A-Z]+_SECRET|CLIENT_RANDOM/);
    expect(events.map((e) => e.type)).not.toContain('data');
  });
});

describe('connect({ keylog }): bad values', () => {
  it.each([42, '', '   ', 'a\0b', {}, true])('%p is an InvalidOptionError naming keylog', async (keylog) => {
    const { error } = await session({ keylog: keylog as never });
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('keylog');
  });
});

describeWithOpenssl('connect({ keylog }) against openssl s_client -keylogfile', () => {
  it.each([
    ['-tls1_3', undefined],
    ['-tls1_2', 'TLSv1.2'],
  ] as const)('%s: the same labels, in the same format, for the same server', async (flag, maxVersion) => {
    const ours = freshFile();
    const theirs = freshFile();
    const port = maxVersion ? server12.port : server.port;
    await session({ keylog: ours, ...(maxVersion && { maxVersion: maxVersion }) }, port);
    const client = runOpenssl(['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', flag, '-keylogfile', theirs]);
    client.child.stdin?.end();
    await client.finished(15_000);
    const [mine, openssl] = [await linesOf(ours), (await linesOf(theirs)).filter((l) => !l.startsWith('#'))];
    for (const line of openssl) expect(line).toMatch(KEYLOG_LINE);
    expect(labels(mine)).toEqual(labels(openssl));
    // the secrets have the lengths OpenSSL writes for this server's cipher suite
    const lengths = (lines: string[]) =>
      [...new Set(lines.map((l) => `${KEYLOG_LINE.exec(l)?.[1]}:${KEYLOG_LINE.exec(l)?.[3]?.length}`))].sort();
    expect(lengths(mine)).toEqual(lengths(openssl));
  });
});
