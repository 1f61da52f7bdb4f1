import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lastValueFrom, of, Subject, toArray } from 'rxjs';
import { createTestPki, type TestPki } from '../../lib/testing';
import { mqttSession, parseMqttArguments, type MqttClientOptions } from '../../examples/mqtt-client';
import type { MqttAction, MqttNote } from '../../examples/mqtt/dialogue';
import { MqttError } from '../../examples/mqtt/packets';
import { CertificateRejected } from '../../examples/command-line';
import { describeWithMosquitto, startMosquitto, type RunningMosquitto } from '../interop/mosquitto';

/** A text, a binary payload with zero bytes (all 256 byte values), and 200 KB of random bytes. */
const PAYLOADS = [
  Buffer.from('grüße aus Oslo\r\n'),
  Buffer.from([0, 0, ...Array.from({ length: 256 }, (_, i) => i), 0]),
  randomBytes(200 * 1024),
];

/** Runs a program to its end; resolves with its exit status and what it wrote. */
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr }));
  });
}

describeWithMosquitto('examples/mqtt-client.ts against Debian mosquitto over TLS', () => {
  let pki: TestPki;
  let broker: RunningMosquitto;
  let client: (clientId: string) => MqttClientOptions;
  let credentials: string[];
  beforeAll(async () => {
    pki = await createTestPki();
    broker = await startMosquitto(pki);
    client = (clientId) => ({
      host: '127.0.0.1',
      port: broker.port,
      ca: pki.ca.cert,
      username: broker.username,
      password: broker.password,
      clientId,
    });
    credentials = ['-h', '127.0.0.1', '-p', String(broker.port), '--cafile', broker.caFile, '-u', broker.username, '-P', broker.password];
  });
  afterAll(() => broker?.stop());

  it('receives, byte-exact, what mosquitto_pub publishes at QoS 1 — text, zero bytes, 200 KB — and acknowledges each with PUBACK', async () => {
    const actions = new Subject<MqttAction>();
    const notes: MqttNote[] = [];
    const finished = new Promise<void>((resolve, reject) =>
      mqttSession(client('rxtls-sub'), actions).subscribe({
        next: (note) => {
          notes.push(note);
          if (note.type === 'connack') actions.next({ type: 'subscribe', topics: ['rxtls/in'], qos: 1 });
          if (notes.filter((n) => n.type === 'message').length === PAYLOADS.length) actions.complete();
        },
        error: reject,
        complete: resolve,
      }),
    );
    await broker.subscribed('rxtls-sub', 'rxtls/in');
    for (const [i, payload] of PAYLOADS.entries()) {
      const file = join(broker.dir, `in-${i}`);
      await writeFile(file, payload);
      expect(await run('mosquitto_pub', [...credentials, '-t', 'rxtls/in', '-q', '1', '-f', file])).toMatchObject({
        status: 0,
        stderr: '',
      });
    }
    await finished;
    const messages = notes.filter((n) => n.type === 'message');
    expect(messages.map((m) => [m.topic, m.qos, m.retain])).toEqual(PAYLOADS.map(() => ['rxtls/in', 1, false]));
    expect(messages.map((m) => m.payload.equals(PAYLOADS[messages.indexOf(m)] as Buffer))).toEqual([true, true, true]);
    expect(notes[0]).toEqual({ type: 'connack', sessionPresent: false });
    expect(notes[1]).toEqual({ type: 'subscribed', topics: ['rxtls/in'], granted: [1] });
    // The broker got our PUBACK for each (and our DISCONNECT at the end).
    const log = await broker.log();
    expect(log.match(/Received PUBACK from rxtls-sub/g)).toHaveLength(PAYLOADS.length);
    expect(log).toContain('Received DISCONNECT from rxtls-sub');
  });

  it('publishes what mosquitto_sub receives, byte-exact: QoS 0 text, QoS 1 zero bytes and 200 KB, each QoS 1 one acknowledged by the broker', async () => {
    const subscriber = run('mosquitto_sub', [
      ...credentials,
      '-t',
      'rxtls/out',
      '-q',
      '1',
      '-C',
      String(PAYLOADS.length),
      '-N',
      '-i',
      'rxtls-cli-sub',
    ]);
    await broker.subscribed('rxtls-cli-sub', 'rxtls/out');
    const actions = of<MqttAction[]>(
      { type: 'publish', topic: 'rxtls/out', payload: PAYLOADS[0] as Buffer, qos: 0 },
      { type: 'publish', topic: 'rxtls/out', payload: PAYLOADS[1] as Buffer, qos: 1 },
      { type: 'publish', topic: 'rxtls/out', payload: PAYLOADS[2] as Buffer, qos: 1 },
    );
    const notes = await lastValueFrom(mqttSession(client('rxtls-pub'), actions).pipe(toArray()));
    expect(notes.filter((n) => n.type === 'published')).toEqual([
      { type: 'published', topic: 'rxtls/out', qos: 0 },
      { type: 'published', topic: 'rxtls/out', qos: 1, packetId: 1 },
      { type: 'published', topic: 'rxtls/out', qos: 1, packetId: 2 },
    ]);
    const { status, stdout, stderr } = await subscriber;
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    // -N prints each payload as it is, with nothing between them: one publisher's messages arrive in order.
    expect(stdout.equals(Buffer.concat(PAYLOADS))).toBe(true);
  });

  it('pings on its keepalive and the broker answers', async () => {
    const actions = new Subject<MqttAction>();
    const notes = lastValueFrom(mqttSession({ ...client('rxtls-ping'), keepAlive: 1 }, actions).pipe(toArray()));
    await new Promise((r) => setTimeout(r, 1300));
    actions.complete();
    expect((await notes).map((n) => n.type)).toEqual(['connack', 'pong']);
    expect(await broker.log()).toContain('Received PINGREQ from rxtls-ping');
  });

  it('a wrong password is the CONNACK refusal, reported as a clear error', async () => {
    const error = await lastValueFrom(mqttSession({ ...client('rxtls-wrong'), password: 'wrong' }, of())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MqttError);
    expect((error as MqttError).code).toBe('CONNACK_REFUSED');
    expect((error as Error).message).toBe('the broker refused the connection: not authorized (CONNACK return code 5)');
  });

  it('a broker whose certificate does not name the host is refused before anything is sent', async () => {
    const error = await lastValueFrom(mqttSession({ ...client('rxtls-name'), servername: 'broker.example.test' }, of())).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CertificateRejected);
    expect((error as CertificateRejected).reasons.map((r) => r.split(':')[0])).toEqual(['ERR_TLS_CERT_ALTNAME_INVALID']);
    expect(await broker.log()).not.toContain('rxtls-name');
  });
});

describe('mqtt-client arguments', () => {
  it('reads the password from the named environment variable only, and one of --subscribe or --publish', () => {
    const { options, action } = parseMqttArguments(
      ['--host', 'h', '--user', 'u', '--password-env', 'PW', '--subscribe', 't/#', '--count', '2'],
      { PW: 'pa55' },
    );
    expect(options).toMatchObject({ host: 'h', port: 8883, username: 'u', password: 'pa55' });
    expect(action).toEqual({ type: 'subscribe', topic: 't/#', count: 2, qos: 0 });
    expect(() => parseMqttArguments(['--host', 'h', '--user', 'u', '--password-env', 'PW', '--subscribe', 't'], {})).toThrow(
      'the environment variable PW (--password-env) is not set',
    );
    expect(() => parseMqttArguments(['--host', 'h', '--user', 'u', '--password', 'x'], {})).toThrow(/unknown argument --password/);
    expect(() => parseMqttArguments(['--host', 'h', '--user', 'u', '--password-env', 'PW', '--publish', 't'], { PW: 'p' })).toThrow(
      /give either --subscribe TOPIC or --publish TOPIC --message TEXT/,
    );
  });
});
