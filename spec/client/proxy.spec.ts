import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { filter, firstValueFrom, map, mergeWith, NEVER, take } from 'rxjs';
import { connect, connectStartTls, converse, line, lines, TransportError, type TlsEvent } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { collect } from '../support/collect';
import { freePort } from '../interop/peers';
import { describeWithMicrosocks, startMicrosocks } from '../interop/microsocks';
import { describeWithTinyproxy, startTinyproxy, type RunningProxy } from '../interop/tinyproxy';

/** A TCP relay of our own between a proxy and the TLS target, recording what it carried each way. */
interface RecordingRelay {
  readonly port: number;
  readonly toTarget: Buffer[];
  readonly fromTarget: Buffer[];
  connections(): number;
  close(): Promise<void>;
}

async function startRecordingRelay(targetPort: number): Promise<RecordingRelay> {
  const toTarget: Buffer[] = [];
  const fromTarget: Buffer[] = [];
  const open = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((inbound) => {
    connections++;
    const outbound = tcpConnect(targetPort, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => open.delete(s));
    }
    inbound.on('data', (b: Buffer) => (toTarget.push(Buffer.from(b)), outbound.write(b)));
    outbound.on('data', (b: Buffer) => (fromTarget.push(Buffer.from(b)), inbound.write(b)));
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    toTarget,
    fromTarget,
    connections: () => connections,
    close: () => {
      open.forEach((s) => s.destroy());
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const PLAINTEXT = 'the secret plaintext line 8f3a1c';
const USER = 'rxtls-user';
const PASSWORD = 'Pw-QX7Z91-unique';

/** Every way an error could show a secret: message, String(), JSON, util.inspect (with its cause). */
const shown = (error: unknown) => [(error as Error).message, String(error), JSON.stringify(error), inspect(error, { depth: 5 })].join('\n');

let pki: TestPki;
let target: TestServer;
let relay: RecordingRelay;
beforeAll(async () => {
  pki = await createTestPki();
  target = await startTlsServer({ ...(await pki.leaf()), echo: true });
  relay = await startRecordingRelay(target.port);
});
afterAll(async () => {
  await relay?.close();
  await target?.close();
});
beforeEach(() => {
  relay.toTarget.length = 0;
  relay.fromTarget.length = 0;
});

/** Connects through `proxy` to the relay (hence the target), says PLAINTEXT, and returns its echo. */
const echoThrough = (proxy: string, extra: object = {}) =>
  firstValueFrom(
    connect({ host: 'localhost', port: relay.port, ca: pki.ca.cert, proxy, ...extra }).pipe(
      lines(),
      converse((events$) =>
        events$.pipe(
          filter((e) => e.type === 'connected'),
          take(1),
          map(() => line(PLAINTEXT)),
          mergeWith(NEVER), // stay open for the echo: ending would half-close the relayed TCP
        ),
      ),
      filter((e): e is Extract<TlsEvent, { type: 'line' }> => e.type === 'line'),
      take(1),
    ),
  );

/** From the relayed side: the proxy carried TLS records only, and none of the plaintext. */
function expectOnlyCiphertextRelayed(): void {
  for (const direction of [relay.toTarget, relay.fromTarget]) {
    const bytes = Buffer.concat(direction);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes[0]).toBe(0x16); // a TLS handshake record: no CONNECT line, no SOCKS bytes, no plaintext before TLS
    expect(bytes.includes(Buffer.from(PLAINTEXT))).toBe(false);
    expect(bytes.includes(Buffer.from('secret'))).toBe(false);
  }
}

describeWithTinyproxy('through tinyproxy (HTTP CONNECT)', () => {
  let open: RunningProxy;
  let guarded: RunningProxy;
  beforeAll(async () => {
    open = await startTinyproxy({ connectPorts: [relay.port] });
    guarded = await startTinyproxy({ connectPorts: [relay.port], basicAuth: { user: USER, password: PASSWORD } });
  });
  afterAll(async () => {
    await open?.stop();
    await guarded?.stop();
  });

  it('TLS runs end to end: the echo comes back, and the proxy relayed only ciphertext', async () => {
    expect(await echoThrough(`http://127.0.0.1:${open.port}`)).toEqual({ type: 'line', text: PLAINTEXT });
    expectOnlyCiphertextRelayed();
  });

  it('verification is about the target, never the proxy: a wrong servername fails on the target’s certificate', async () => {
    const { events } = await collect(
      connect({
        host: 'localhost',
        servername: 'other.example',
        port: relay.port,
        ca: pki.ca.cert,
        proxy: `http://127.0.0.1:${open.port}`,
      }),
    );
    expect(events.map((e) => e.type)).toEqual(['certFailed', 'closed']);
    const failed = events[0];
    if (failed?.type === 'certFailed') expect(failed.errors.map((e) => e.code)).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('with BasicAuth: the right credentials pass', async () => {
    expect(await echoThrough(`http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${guarded.port}`)).toEqual({
      type: 'line',
      text: PLAINTEXT,
    });
    expectOnlyCiphertextRelayed();
  });

  it.each([
    ['no credentials', () => `http://127.0.0.1:${guarded.port}`, /status 407.*no credentials/],
    ['a wrong password', () => `http://${USER}:${PASSWORD}-wrong@127.0.0.1:${guarded.port}`, /status 40[17].*rejected the credentials/],
  ])('with BasicAuth and %s: ERR_RXTLS_PROXY_AUTH_REQUIRED with the status, and no password shown', async (_what, url, words) => {
    const { error } = await collect(connect({ host: 'localhost', port: relay.port, ca: pki.ca.cert, proxy: url() }));
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.code).toBe('ERR_RXTLS_PROXY_AUTH_REQUIRED');
    expect(error?.message).toMatch(words);
    expect(shown(error)).not.toContain(PASSWORD);
    expect(shown(error)).not.toContain(USER);
  });

  it('a port outside ConnectPort: ERR_RXTLS_PROXY_REFUSED with the proxy’s status', async () => {
    const { error } = await collect(
      connect({ host: 'localhost', port: target.port, ca: pki.ca.cert, proxy: `http://127.0.0.1:${open.port}` }),
    );
    expect(error?.code).toBe('ERR_RXTLS_PROXY_REFUSED');
    expect(error?.message).toMatch(/refused CONNECT localhost:\d+ \(status 403/);
    expect(relay.toTarget).toHaveLength(0);
  });

  it('a target the proxy cannot reach: the proxy’s own answer, on the proxy’s hop', async () => {
    const deadPort = await freePort(); // allowed by ConnectPort, but nothing listens there
    const nowhere = await startTinyproxy({ connectPorts: [deadPort] });
    try {
      const { error } = await collect(connect({ host: '127.0.0.1', port: deadPort, proxy: `http://127.0.0.1:${nowhere.port}` }));
      // tinyproxy answers 500 "Unable to connect" where RFC 9110 would have 502: refused, with its status.
      expect(error).toBeInstanceOf(TransportError);
      expect(error?.code).toBe('ERR_RXTLS_PROXY_REFUSED');
      expect(error?.message).toMatch(
        new RegExp(`proxy http://127\\.0\\.0\\.1:${nowhere.port} refused CONNECT 127\\.0\\.0\\.1:${deadPort} \\(status 500`),
      );
    } finally {
      await nowhere.stop();
    }
  });

  it('a proxy that is not there: ERR_RXTLS_PROXY_UNREACHABLE, naming the proxy', async () => {
    const port = await freePort();
    const { error } = await collect(
      connect({ host: 'localhost', port: relay.port, proxy: `http://${USER}:${PASSWORD}@127.0.0.1:${port}` }),
    );
    expect(error?.code).toBe('ERR_RXTLS_PROXY_UNREACHABLE');
    expect(error?.message).toMatch(
      new RegExp(`^localhost:${relay.port}: proxy http://127\\.0\\.0\\.1:${port} unreachable: connection refused`),
    );
    expect(shown(error)).not.toContain(PASSWORD);
  });

  describe("proxy: 'env'", () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const name of ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy']) {
        if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = saved[name];
      }
    });

    it('HTTPS_PROXY is used when asked', async () => {
      process.env['HTTPS_PROXY'] = `http://127.0.0.1:${open.port}`;
      delete process.env['https_proxy'];
      delete process.env['NO_PROXY'];
      delete process.env['no_proxy'];
      const before = relay.connections();
      expect(await echoThrough('env')).toEqual({ type: 'line', text: PLAINTEXT });
      expect(relay.connections()).toBe(before + 1);
    });

    it('a target on NO_PROXY is reached directly: the proxy and its relay see nothing', async () => {
      // Through the proxy, the target's own port is refused (outside ConnectPort); directly, it answers.
      process.env['HTTPS_PROXY'] = `http://127.0.0.1:${open.port}`;
      process.env['NO_PROXY'] = 'example.org, localhost';
      delete process.env['https_proxy'];
      delete process.env['no_proxy'];
      const logBefore = open.log().length;
      const before = relay.connections();
      const { events, error } = await collect(
        connect({ host: 'localhost', port: target.port, ca: pki.ca.cert, proxy: 'env' }).pipe(
          filter((e) => e.type === 'connected'),
          take(1),
        ),
      );
      expect(error).toBeUndefined();
      expect(events.map((e) => e.type)).toEqual(['connected']);
      expect(relay.connections()).toBe(before);
      await new Promise((r) => setTimeout(r, 100));
      expect(open.log().slice(logBefore)).not.toContain(`CONNECT localhost:${target.port}`);
    });

    it('without proxy, the environment is not read: a broken HTTPS_PROXY changes nothing', async () => {
      process.env['HTTPS_PROXY'] = 'http://127.0.0.1:1';
      const { events } = await collect(
        connect({ host: 'localhost', port: target.port, ca: pki.ca.cert }).pipe(
          filter((e) => e.type === 'connected'),
          take(1),
        ),
      );
      expect(events.map((e) => e.type)).toEqual(['connected']);
    });
  });

  it('connectStartTls goes through the proxy too', async () => {
    const plain: Server = createServer((socket) => socket.end('220 ready\r\n'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const { port } = plain.address() as { port: number };
    const proxy = await startTinyproxy({ connectPorts: [port] });
    try {
      const { events } = await collect(connectStartTls({ host: '127.0.0.1', port, proxy: `http://127.0.0.1:${proxy.port}` }).pipe(take(2)));
      expect(events.map((e) => e.type)).toEqual(['plaintext', 'data']);
    } finally {
      await proxy.stop();
      await new Promise((r) => plain.close(r));
    }
  });
});

describeWithMicrosocks('through microsocks (SOCKS5)', () => {
  let socks: RunningProxy;
  let guarded: RunningProxy;
  beforeAll(async () => {
    socks = await startMicrosocks();
    guarded = await startMicrosocks({ user: USER, password: PASSWORD });
  });
  afterAll(async () => {
    await socks?.stop();
    await guarded?.stop();
  });

  it('socks5h with user/password: end to end, and the proxy relayed only ciphertext', async () => {
    expect(await echoThrough(`socks5h://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${guarded.port}`)).toEqual({
      type: 'line',
      text: PLAINTEXT,
    });
    expectOnlyCiphertextRelayed();
  });

  it('socks5 resolves the name itself (here with a custom lookup) and sends the proxy an address', async () => {
    let asked = '';
    const lookup = ((host: string, _o: unknown, callback: (e: null, a: { address: string; family: number }[]) => void) => {
      asked = host;
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
    }) as unknown as import('node:net').LookupFunction;
    expect(await echoThrough(`socks5://127.0.0.1:${socks.port}`, { lookup })).toEqual({ type: 'line', text: PLAINTEXT });
    expect(asked).toBe('localhost'); // the target's name, resolved here; the proxy's address needed no lookup
    expectOnlyCiphertextRelayed();
  });

  it.each([
    ['no credentials', () => `socks5h://127.0.0.1:${guarded.port}`],
    ['a wrong password', () => `socks5h://${USER}:wrong-${PASSWORD}@127.0.0.1:${guarded.port}`],
  ])('%s: ERR_RXTLS_PROXY_AUTH_REQUIRED, no password shown', async (_what, url) => {
    const { error } = await collect(connect({ host: 'localhost', port: relay.port, ca: pki.ca.cert, proxy: url() }));
    expect(error?.code).toBe('ERR_RXTLS_PROXY_AUTH_REQUIRED');
    expect(shown(error)).not.toContain(PASSWORD);
  });

  it('a target the proxy cannot reach: ERR_RXTLS_PROXY_TARGET_UNREACHABLE with the SOCKS reply', async () => {
    const port = await freePort();
    const { error } = await collect(connect({ host: '127.0.0.1', port, proxy: `socks5h://127.0.0.1:${socks.port}` }));
    expect(error?.code).toBe('ERR_RXTLS_PROXY_TARGET_UNREACHABLE');
    expect(error?.message).toMatch(/could not reach 127\.0\.0\.1:\d+ \(SOCKS5 reply [3-6] /);
  });
});
