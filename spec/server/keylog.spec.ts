import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY, filter, mergeMap, type Subscription } from 'rxjs';
import {
  connect,
  connectStartTls,
  converse,
  InvalidOptionError,
  lines,
  listen,
  listenStartTls,
  serve,
  type ConnectEvent,
  type ListenEvent,
  type ListenOptions,
} from '../../lib';
import { smtpClient } from '../../examples/smtp-starttls';
import { smtpServer } from '../../examples/smtp/server';
import { createTestPki, type TestCredentials, type TestPki } from '../../lib/testing';
import { KEYLOG_LINE, TLS13_LABELS } from '../support/keylog-lines';
import { collect, eventually } from '../support/collect';

let pki: TestPki;
let credentials: TestCredentials;
let dir: string;
let files = 0;
const freshFile = () => join(dir, `server-keys-${++files}.log`);
let emitWarning: jest.SpyInstance;

beforeAll(async () => {
  pki = await createTestPki();
  credentials = await pki.leaf();
  dir = await mkdtemp(join(tmpdir(), 'rxtls-server-keylog-'));
  emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined); // checked in spec/client/keylog.spec.ts
});
afterAll(async () => {
  emitWarning.mockRestore();
  await rm(dir, { recursive: true, force: true });
});

const descriptorsOn = (path: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
const lineParts = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => KEYLOG_LINE.exec(l));
const labels = (text: string) => [...new Set(lineParts(text).map((m) => m?.[1]))].sort();

/** Starts a server that ends each connection at once; resolves with its port and how to stop it. */
async function running(options: Partial<ListenOptions>): Promise<{ port: number; subscription: Subscription }> {
  let subscription: Subscription | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    subscription = listen({ credentials, ...options })
      .pipe(mergeMap((e: ListenEvent) => (e.type === 'connection' ? e.events : [e])))
      .subscribe({
        next: (e) => {
          if (e.type === 'listening') resolve(e.port);
          if (e.type === 'connected') e.writer.end();
        },
        error: reject,
      });
  });
  return { port, subscription: subscription as Subscription };
}

const clientKeys = async (port: number) => {
  const lines: Buffer[] = [];
  const { events } = await collect<ConnectEvent>(connect({ host: 'localhost', port, ca: pki.ca.cert, keylog: (l) => lines.push(l) }));
  expect(events[0]?.type).toBe('connected');
  return Buffer.concat(lines).toString('latin1');
};

describe('listen({ keylog })', () => {
  it('writes every connection’s TLS 1.3 secrets to a file of mode 0600 — the same the client saw', async () => {
    const path = freshFile();
    const server = await running({ keylog: path });
    try {
      const client = [await clientKeys(server.port), await clientKeys(server.port)].join('');
      const written = await readFile(path, 'utf8');
      expect(written.endsWith('\n')).toBe(true);
      for (const parts of lineParts(written)) expect(parts).not.toBeNull();
      expect(labels(written)).toEqual(TLS13_LABELS);
      expect(new Set(lineParts(written).map((m) => m?.[2])).size).toBe(2); // two connections
      // the two ends derive the same secrets: the key log is the session's
      expect(written.split('\n').sort()).toEqual(client.split('\n').sort());
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(descriptorsOn(path)).toHaveLength(1); // one for the server, not one per connection
    } finally {
      server.subscription.unsubscribe();
    }
    await new Promise((r) => setTimeout(r, 100)); // the server's 'close'
    expect(descriptorsOn(path)).toEqual([]);
  });

  it('hands each line to a callback', async () => {
    const lines: Buffer[] = [];
    const server = await running({ keylog: (line) => lines.push(line) });
    try {
      await clientKeys(server.port);
    } finally {
      server.subscription.unsubscribe();
    }
    expect(labels(Buffer.concat(lines).toString('latin1'))).toEqual(TLS13_LABELS);
  });

  it('an unwritable path fails the server before it listens: InvalidOptionError naming keylog, no key material', async () => {
    const path = join(dir, 'missing', 'keys.log');
    const { events, error } = await collect(listen({ credentials, keylog: path }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({ option: 'keylog' });
    expect(error?.message).toContain(path);
    expect(error?.message).not.toMatch(/[0-9a-f]{64}/);
  });

  it('a bad value is an InvalidOptionError naming keylog', async () => {
    const { error } = await collect(listen({ credentials, keylog: 7 as never }));
    expect(error).toMatchObject({ option: 'keylog', code: 'ERR_RXTLS_INVALID_OPTION' });
  });
});

describe('serve({ keylog })', () => {
  it('records the secrets of the connections it serves', async () => {
    const path = freshFile();
    let subscription: Subscription | undefined;
    const port = await new Promise<number>((resolve, reject) => {
      subscription = serve({ credentials, keylog: path }, () => EMPTY)
        .pipe(filter((e) => e.type === 'listening'))
        .subscribe({ next: (e) => resolve(e.port), error: reject });
    });
    try {
      // The client stays connected: in TLS 1.3 it is connected before the server has read its Finished,
      // and with it the last secret.
      const client = connect({ host: 'localhost', port, ca: pki.ca.cert }).subscribe();
      try {
        await eventually(() => labels(readFileSync(path, 'utf8')).length === TLS13_LABELS.length, 5000, 'the server’s last secret');
      } finally {
        client.unsubscribe();
      }
      expect(labels(await readFile(path, 'utf8'))).toEqual(TLS13_LABELS);
    } finally {
      subscription?.unsubscribe();
    }
  });
});

describe('listenStartTls({ keylog })', () => {
  it('writes the secrets of each upgraded connection to the server’s one key log, of mode 0600', async () => {
    const path = freshFile();
    let subscription: Subscription | undefined;
    const port = await new Promise<number>((resolve, reject) => {
      subscription = listenStartTls({ credentials, keylog: path }).subscribe({
        next: (e) => {
          if (e.type === 'listening') resolve(e.port);
          if (e.type === 'connection') e.events.pipe(lines(), converse(smtpServer)).subscribe({ error: () => undefined });
        },
        error: reject,
      });
    });
    const client: Buffer[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const { events } = await collect(
          connectStartTls({ host: 'localhost', port, ca: pki.ca.cert, keylog: (l) => client.push(l) }).pipe(
            lines(),
            converse(smtpClient('c')),
          ),
        );
        expect(events.map((e) => e.type)).toContain('connected');
      }
      const clientText = () => Buffer.concat(client).toString('latin1');
      // The server's last secret may be written a moment after the client's.
      await eventually(() => readFileSync(path, 'utf8').length >= clientText().length, 5000, 'the server’s last secret');
      expect(readFileSync(path, 'utf8').split('\n').sort()).toEqual(clientText().split('\n').sort());
      const written = await readFile(path, 'utf8');
      expect(labels(written)).toEqual(TLS13_LABELS);
      expect(new Set(lineParts(written).map((m) => m?.[2])).size).toBe(2); // two upgraded connections
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(descriptorsOn(path)).toHaveLength(1);
    } finally {
      subscription?.unsubscribe();
    }
    await eventually(() => descriptorsOn(path).length === 0, 5000, 'the key log closed');
  });
});
