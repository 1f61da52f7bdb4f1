import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { NEVER, concat, of } from 'rxjs';
import WebSocket from 'ws';
import {
  connect,
  DIAGNOSTICS_CHANNELS,
  gateway,
  line,
  listening,
  serve,
  type BridgeMessage,
  type CloseMessage,
  type ConnectMessage,
  type HandshakeMessage,
  type RunningServer,
  type VerdictMessage,
} from '../../lib';
import { createTestPki, startTlsServer, type TestPki } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { visit } from '../support/resumption';

/**
 * What rxtls publishes on node:diagnostics_channel, over real TLS on loopback: the client's
 * attempt, both ends' handshakes, verdicts and closes, and the gateway's bridges.
 */
interface Seen {
  connect: ConnectMessage[];
  handshake: HandshakeMessage[];
  verdict: VerdictMessage[];
  close: CloseMessage[];
  bridge: BridgeMessage[];
}
const names = Object.keys(DIAGNOSTICS_CHANNELS) as (keyof typeof DIAGNOSTICS_CHANNELS)[];
let seen: Seen;
const listeners = new Map<string, (message: unknown) => void>();
let pki: TestPki;
let credentials: { cert: string; key: string };
const running: RunningServer[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  credentials = await pki.leaf();
});
beforeEach(() => {
  seen = { connect: [], handshake: [], verdict: [], close: [], bridge: [] };
  for (const name of names) {
    const listener = (message: unknown) => (seen[name] as unknown[]).push(message);
    listeners.set(name, listener);
    subscribe(DIAGNOSTICS_CHANNELS[name], listener);
  }
});
afterEach(async () => {
  for (const name of names) unsubscribe(DIAGNOSTICS_CHANNELS[name], listeners.get(name) as (message: unknown) => void);
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const greeter = async (extra: object = {}) => {
  // Greets, then holds the connection: the client is the one that closes.
  const server = await listening(serve({ credentials, ...extra }, () => concat(of(line('* OK ready')), NEVER)));
  running.push(server);
  return server;
};

describe('diagnostics channels', () => {
  it('publishes under stable names', () => {
    expect(DIAGNOSTICS_CHANNELS).toEqual({
      connect: 'rxtls:connect',
      handshake: 'rxtls:handshake',
      verdict: 'rxtls:verdict',
      close: 'rxtls:close',
      bridge: 'rxtls:gateway:bridge',
    });
  });

  it('one connection, both ends: attempt, handshakes, verdicts and closes', async () => {
    const server = await greeter();
    expect(await visit({ host: 'localhost', port: server.port, ca: pki.ca.cert }, { greeting: true })).toMatchObject({
      greeting: '* OK ready',
    });
    await eventually(() => seen.close.length === 2, 5000, 'both closes');
    expect(seen.connect).toEqual([{ role: 'client', host: 'localhost', port: server.port, offersSession: false }]);
    const byRole = <T extends { role: string }>(list: T[], role: string) => list.find((m) => m.role === role);
    expect(byRole(seen.handshake, 'client')).toEqual({
      role: 'client',
      host: 'localhost',
      port: server.port,
      durationMs: expect.any(Number),
      protocol: 'TLSv1.3',
      cipher: expect.stringMatching(/^TLS_/),
      resumed: false,
      serverNotAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(byRole(seen.handshake, 'client')?.durationMs).toBeGreaterThan(0);
    expect(byRole(seen.handshake, 'server')).toMatchObject({ role: 'server', host: '127.0.0.1', protocol: 'TLSv1.3', resumed: false });
    expect(byRole(seen.handshake, 'server')?.durationMs).toBeGreaterThan(0);
    expect(byRole(seen.verdict, 'client')).toEqual({
      role: 'client',
      policy: 'strict',
      accepted: true,
      codes: [],
      subject: 'CN=localhost',
    });
    expect(byRole(seen.verdict, 'server')).toMatchObject({ role: 'server', accepted: true, codes: [] });
    const clientClose = byRole(seen.close, 'client');
    expect(clientClose).toMatchObject({ role: 'client', host: 'localhost', port: server.port, by: 'local' });
    const greeting = '* OK ready\r\n'.length;
    expect(clientClose).toMatchObject({ bytesRead: greeting, bytesWritten: 0, clean: false }); // we cut it: unsubscribed
    expect(byRole(seen.close, 'server')).toMatchObject({
      role: 'server',
      host: '127.0.0.1',
      by: 'peer',
      bytesRead: 0,
      bytesWritten: greeting,
    });
  });

  it('a rejected server: the codes, and an unclean close; a resumed session says so', async () => {
    const expired = await startTlsServer({ ...(await pki.expired()), greeting: 'hi\r\n' });
    try {
      await collect(connect({ host: 'localhost', port: expired.port, ca: pki.ca.cert }));
      expect(seen.verdict).toEqual([expect.objectContaining({ role: 'client', accepted: false, codes: ['CERT_HAS_EXPIRED'] })]);
      await eventually(() => seen.close.length === 1, 5000, 'the close');
      expect(seen.close).toEqual([expect.objectContaining({ role: 'client', by: 'local', clean: false, bytesRead: 0, bytesWritten: 0 })]);
    } finally {
      await expired.close();
    }
    const server = await greeter();
    const options = { host: 'localhost', port: server.port, ca: pki.ca.cert };
    const { ticket } = await visit(options, { greeting: true });
    expect(ticket).toBeInstanceOf(Buffer);
    seen.handshake.length = 0;
    expect(await visit({ ...options, session: ticket }, { greeting: true })).toMatchObject({ resumed: true });
    expect(seen.handshake.filter((m) => m.role === 'client')).toEqual([expect.objectContaining({ resumed: true })]);
    expect(seen.connect.at(-1)).toMatchObject({ offersSession: true });
  });

  it('the gateway’s bridges open and close, with the bytes each way', async () => {
    const target = await greeter();
    const bridge = await listening(gateway({ port: 0, targets: [`localhost:${target.port}`], upstream: { ca: pki.ca.cert } }));
    running.push(bridge);
    const client = new WebSocket(bridge.url as string);
    await new Promise<void>((resolve, reject) => {
      client.once('message', () => resolve());
      client.once('error', reject);
    });
    client.close(1000);
    await eventually(() => seen.bridge.length === 2, 5000, 'the bridge closed');
    expect(seen.bridge[0]).toEqual({ phase: 'open', id: 1, target: `localhost:${target.port}`, remoteAddress: '127.0.0.1' });
    expect(seen.bridge[1]).toMatchObject({ phase: 'close', id: 1, closedBy: 'client', code: 1000 });
    expect(seen.bridge[1]?.bytesDown).toBe('* OK ready\r\n'.length);
  });

  it('no message holds a secret: ticket keys, session tickets', async () => {
    const key = randomBytes(48);
    const server = await greeter({ ticketKeys: key });
    const options = { host: 'localhost', port: server.port, ca: pki.ca.cert };
    const { ticket } = await visit(options, { greeting: true });
    expect(await visit({ ...options, session: ticket }, { greeting: true })).toMatchObject({ resumed: true });
    const text = JSON.stringify(seen);
    for (const secret of [key, ticket as Buffer]) {
      expect(text).not.toContain(secret.toString('hex').slice(0, 16));
      expect(text).not.toContain(secret.toString('base64').slice(0, 16));
    }
    expect(seen.handshake.length).toBeGreaterThan(0);
  });
});
