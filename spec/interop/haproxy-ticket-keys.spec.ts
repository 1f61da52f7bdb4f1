import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, commandFixture, type CommandFixture } from '../support/command-fixture';
import { visit } from '../support/resumption';
import { describeWithHaproxy, startHaproxy } from './haproxy';
import { freePort, spawnListening, type SpawnedPeer } from './peers';

/**
 * A fleet across machines, on one: Debian's HAProxy in TCP mode, round robin, in front of two
 * independent `rxtls serve` processes, then two `rxtls gateway` ones. With one ticket-key file
 * between them, a client that reconnects lands on the other instance and resumes its session
 * there; with a file each, it gets a full handshake (the negative control).
 */
const RECONNECTS = 20;
let fixture: CommandFixture;
const started: SpawnedPeer[] = [];

beforeAll(async () => {
  fixture = await commandFixture('rxtls-fleet-');
}, 120_000);
afterEach(() => Promise.all(started.splice(0).map((p) => p.stop())));
afterAll(() => fixture.remove());

async function keyFile(name: string): Promise<string> {
  const path = join(fixture.dir, name);
  await writeFile(path, randomBytes(48), { mode: 0o600 });
  return path;
}

/** `rxtls serve` in its own process, greeting with its name. */
async function instance(name: string, ticketKeys: string): Promise<number> {
  const port = await freePort();
  const args = ['serve', '--port', String(port), '--cert', fixture.cert, '--key', fixture.key];
  started.push(await spawnListening('node', [CLI, ...args, '--greeting', `* OK ${name}`, '--ticket-keys', ticketKeys], { port }));
  return port;
}

/** `rxtls gateway` serving wss: in its own process (its target is never reached: only its TLS sessions count). */
async function gatewayInstance(ticketKeys: string): Promise<number> {
  const port = await freePort();
  const args = ['gateway', '--listen', `127.0.0.1:${port}`, '--to', '127.0.0.1:9', '--cert', fixture.cert, '--key', fixture.key];
  started.push(await spawnListening('node', [CLI, ...args, '--ticket-keys', ticketKeys], { port }));
  return port;
}

/** One connection through the balancer: which instance greeted, whether the session resumed, and the ticket to come back with. */
const through = (port: number, session?: Buffer) =>
  visit({ host: 'localhost', port, ca: fixture.pki.ca.cert, ...(session && { session }) }, { greeting: true });

/** Connects once, then RECONNECTS times with the latest ticket; returns each reconnect. */
async function reconnects(port: number): Promise<Array<{ moved: boolean; resumed: boolean }>> {
  let last = await through(port);
  const seen: Array<{ moved: boolean; resumed: boolean }> = [];
  for (let i = 0; i < RECONNECTS; i++) {
    const next = await through(port, last.ticket);
    seen.push({ moved: next.greeting !== last.greeting, resumed: next.resumed });
    last = next.ticket ? next : { ...next, ticket: last.ticket };
  }
  return seen;
}

describeWithHaproxy('HAProxy (TCP, round robin) in front of two rxtls serve processes', () => {
  it(`sharing a --ticket-keys file, ≥ 90% of ${RECONNECTS} reconnects resume on the other instance`, async () => {
    const shared = await keyFile('shared.keys');
    const backends = await Promise.all([instance('a', shared), instance('b', shared)]);
    const balancer = await startHaproxy(backends);
    started.push(balancer);
    const seen = await reconnects(balancer.port);
    expect(seen.filter((r) => r.moved).length).toBeGreaterThanOrEqual(RECONNECTS * 0.9); // round robin did alternate
    expect(seen.filter((r) => r.moved && r.resumed).length).toBeGreaterThanOrEqual(RECONNECTS * 0.9);
  });

  it('with a key file each, a reconnect on the other instance is a full handshake (negative control)', async () => {
    const backends = await Promise.all([instance('a', await keyFile('a.keys')), instance('b', await keyFile('b.keys'))]);
    const balancer = await startHaproxy(backends);
    started.push(balancer);
    const seen = await reconnects(balancer.port);
    expect(seen.filter((r) => r.moved).length).toBeGreaterThanOrEqual(RECONNECTS * 0.9);
    expect(seen.filter((r) => r.moved && r.resumed)).toEqual([]);
  });

  it(`two rxtls gateway processes sharing a --ticket-keys file: ≥ 90% of ${RECONNECTS} reconnects resume; with a file each, none`, async () => {
    const resumedThrough = async (files: readonly string[]) => {
      const balancer = await startHaproxy(await Promise.all(files.map(gatewayInstance)));
      started.push(balancer);
      const tls = (session?: Buffer) =>
        visit({ host: 'localhost', port: balancer.port, ca: fixture.pki.ca.cert, ...(session && { session }) });
      let last = await tls();
      let resumed = 0;
      for (let i = 0; i < RECONNECTS; i++) {
        const next = await tls(last.ticket);
        if (next.resumed) resumed += 1;
        last = next.ticket ? next : last;
      }
      return resumed;
    };
    const shared = await keyFile('gateways.keys');
    expect(await resumedThrough([shared, shared])).toBeGreaterThanOrEqual(RECONNECTS * 0.9);
    // Round robin alternates, so each reconnect offers one gateway's ticket to the other.
    expect(await resumedThrough([await keyFile('gateway-a.keys'), await keyFile('gateway-b.keys')])).toBe(0);
  });
});
