import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { parseGatewayArgs } from '../../lib/cli/gateway-command';
import { startTlsServer, type TestServer } from '../../lib/testing';
import { freePort, stopChild } from '../interop/peers';
import { eventually } from '../support/collect';
import { CLI, commandFixture, type CommandFixture } from '../support/command-fixture';

/** `rxtls gateway --metrics ADDR:PORT` in its own process, read as Prometheus reads it. */
const GREETING = '* OK target ready\r\n';
let fixture: CommandFixture;
let target: TestServer;
let caFile: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  fixture = await commandFixture('rxtls-gateway-metrics-');
  caFile = join(fixture.dir, 'ca.pem');
  await writeFile(caFile, fixture.pki.ca.cert);
  target = await startTlsServer({ ...(await fixture.pki.leaf()), greeting: GREETING });
}, 120_000);
afterEach(() => Promise.all(children.splice(0).map((c) => stopChild(c))));
afterAll(async () => {
  await target.close();
  await fixture.remove();
});

async function startGateway(extra: string[]): Promise<{ port: number; metricsUrl: string }> {
  const port = await freePort();
  const args = ['gateway', '--listen', `127.0.0.1:${port}`, '--to', `localhost:${target.port}`, '--ca', caFile];
  const child = spawn('node', [CLI, ...args, '--metrics', '127.0.0.1:0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const workers = extra.includes('--workers') ? Number(extra[extra.indexOf('--workers') + 1]) : 1;
  await eventually(
    () => /metrics on http:\/\/\S+\/metrics/.test(out) && (out.match(/gateway listening on/g) ?? []).length === workers,
    15_000,
    `the gateway and its metrics:\n${out}`,
  );
  return { port, metricsUrl: /metrics on (http:\/\/\S+\/metrics)/.exec(out)?.[1] as string };
}

/** One client through the gateway: the target's greeting, then a normal close. */
async function bridgeOnce(port: number): Promise<void> {
  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  await new Promise<void>((resolve, reject) => {
    client.once('message', () => resolve());
    client.once('error', reject);
  });
  const closed = new Promise((resolve) => client.once('close', resolve));
  client.close(1000);
  await closed;
}

function refusedOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = new WebSocket(`ws://127.0.0.1:${port}/elsewhere`);
    client.once('unexpected-response', (_request, response) => {
      expect(response.statusCode).toBe(404);
      resolve();
    });
    client.once('error', () => undefined);
    client.once('open', () => reject(new Error('the gateway accepted /elsewhere')));
  });
}

function scrape(url: string): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      let text = '';
      response.on('data', (c: Buffer) => (text += c.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? '', text }));
    }).on('error', reject);
  });
}

/** Scrapes until `holds(text)`, for at most `ms`. */
async function scrapeUntil(url: string, holds: (text: string) => boolean, what: string, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { text } = await scrape(url);
    if (holds(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The value of one sample line, e.g. `rxtls_gateway_refusals_total{status="404"}`. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('rxtls gateway --metrics', () => {
  it('parses ADDR:PORT', () => {
    const base = ['--listen', '127.0.0.1:0', '--to', 'h:1'];
    expect(parseGatewayArgs([...base, '--metrics', '127.0.0.1:9464']).metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseGatewayArgs(base).metrics).toBeUndefined();
  });

  it('serves active bridges, bridges by target, refusals by status, bytes each way and upstream handshakes', async () => {
    const { port, metricsUrl } = await startGateway([]);
    await bridgeOnce(port);
    await refusedOnce(port);
    const key = `localhost:${target.port}`;
    await scrapeUntil(metricsUrl, (t) => sample(t, 'rxtls_gateway_bytes_total{direction="down"}') !== undefined, 'the closed bridge');
    const scraped = await scrape(metricsUrl);
    expect(scraped).toMatchObject({ status: 200, type: expect.stringContaining('text/plain') });
    const { text } = scraped;
    expect(sample(text, 'rxtls_gateway_bridges_active')).toBe(0);
    expect(sample(text, `rxtls_gateway_bridges_total{target="${key}"}`)).toBe(1);
    expect(sample(text, 'rxtls_gateway_refusals_total{status="404"}')).toBe(1);
    expect(sample(text, 'rxtls_gateway_bytes_total{direction="down"}')).toBe(GREETING.length);
    expect(sample(text, 'rxtls_gateway_bytes_total{direction="up"}')).toBe(0);
    expect(sample(text, 'rxtls_gateway_upstream_handshake_seconds_count{protocol="TLSv1.3",resumed="false"}')).toBe(1);
    expect(text).toMatch(/# HELP rxtls_gateway_bridges_active /);
    expect((await scrape(metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('with --workers 2, the primary serves every worker’s counters added up', async () => {
    const { port, metricsUrl } = await startGateway(['--workers', '2']);
    for (let i = 0; i < 4; i++) await bridgeOnce(port);
    // Bytes are counted when a bridge has closed on both sides: wait for the last one.
    const text = await scrapeUntil(
      metricsUrl,
      (t) => sample(t, 'rxtls_gateway_bytes_total{direction="down"}') === 4 * GREETING.length,
      'four closed bridges counted over both workers',
    );
    expect(sample(text, `rxtls_gateway_bridges_total{target="localhost:${target.port}"}`)).toBe(4);
    expect(sample(text, 'rxtls_gateway_bridges_active')).toBe(0);
  });
});
