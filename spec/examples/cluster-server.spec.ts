import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, stopChild } from '../interop/peers';
import { eventually } from '../support/collect';
import { commandFixture, type CommandFixture } from '../support/command-fixture';
import { visit } from '../support/resumption';

/** examples/cluster-server.ts: a user's own server on two workers, sharing its ticket key, as a process. */
let fixture: CommandFixture;
const children: ChildProcess[] = [];
beforeAll(async () => {
  fixture = await commandFixture('rxtls-cluster-example-');
}, 120_000);
afterEach(() => Promise.all(children.splice(0).map((c) => stopChild(c))));
afterAll(() => fixture.remove());

describe('examples/cluster-server.ts', () => {
  it('two workers on one port: reconnects alternate between them and ≥ 90% resume; SIGTERM stops it', async () => {
    const port = await freePort();
    const example = join(__dirname, '..', '..', 'examples', 'cluster-server.ts');
    const args = ['--port', String(port), '--cert', fixture.cert, '--key', fixture.key, '--workers', '2'];
    const child = spawn('node', ['--import', 'tsx', example, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    await eventually(() => (out.match(/listening on/g) ?? []).length === 2, 20_000, `two workers listening:\n${out}`);
    const options = { host: 'localhost', port, ca: fixture.pki.ca.cert };
    let last = await visit(options, { greeting: true });
    const pids = new Set([last.greeting]);
    let movedAndResumed = 0;
    for (let i = 0; i < 20; i++) {
      const next = await visit({ ...options, ...(last.ticket && { session: last.ticket }) }, { greeting: true });
      pids.add(next.greeting);
      if (next.greeting !== last.greeting && next.resumed) movedAndResumed += 1;
      last = next.ticket ? next : { ...next, ticket: last.ticket };
    }
    expect(pids.size).toBe(2);
    expect(movedAndResumed).toBeGreaterThanOrEqual(18);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    process.kill(child.pid as number, 'SIGTERM');
    expect(await exited).toBe(0);
  });
});
