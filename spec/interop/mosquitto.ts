import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestPki } from '../../lib/testing';
import { describeWithPeer, freePort, spawnListening } from './peers';

/** Debian puts the broker in /usr/sbin, which is not on every PATH. */
export const MOSQUITTO = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

/**
 * Specs that run Debian's mosquitto broker with mosquitto_pub/mosquitto_sub as the other party.
 * None of the four programs exits 0 on `--help` or `--version`, so the probe looks for all of
 * them on the PATH.
 */
export function describeWithMosquitto(name: string, body: () => void): void {
  describeWithPeer(
    name,
    { programs: [MOSQUITTO, 'mosquitto_pub', 'mosquitto_sub', 'mosquitto_passwd'], aptPackage: 'mosquitto mosquitto-clients' },
    body,
  );
}

export interface RunningMosquitto {
  /** MQTT over TLS (a TLS listener only; there is no plaintext one). */
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  /** The CA certificate file the clients verify the broker with. */
  readonly caFile: string;
  /** The one user the password file knows. */
  readonly username: string;
  readonly password: string;
  /** The broker's log (`log_type all`), read now. */
  log(): Promise<string>;
  /** Resolves once the log shows client `clientId` subscribed to `topic`, or rejects after `ms`. */
  subscribed(clientId: string, topic: string, ms?: number): Promise<void>;
  /** Stops the broker by its PID and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `mosquitto -c CONF` on a free loopback port with one TLS listener (a certificate from
 * `pki`, naming localhost and 127.0.0.1), a password file made with `mosquitto_passwd -b`, and
 * `allow_anonymous false`, all in a temporary directory.
 */
export async function startMosquitto(pki: TestPki): Promise<RunningMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'rxtls-mosquitto-'));
  await chmod(dir, 0o755);
  const leaf = await pki.leaf();
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, pki.ca.cert);
  await writeFile(join(dir, 'cert.pem'), leaf.cert);
  await writeFile(join(dir, 'key.pem'), leaf.key, { mode: 0o600 });
  const username = 'rxtls';
  const password = 'mqtt-correct-horse';
  const passwd = join(dir, 'passwd');
  const made = spawnSync('mosquitto_passwd', ['-c', '-b', passwd, username, password], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
  await chmod(passwd, 0o600);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const logFile = join(dir, 'mosquitto.log');
  const root = process.getuid?.() === 0;
  await writeFile(
    conf,
    `${root ? 'user root\n' : ''}per_listener_settings false
allow_anonymous false
password_file ${passwd}
persistence false
log_dest file ${logFile}
log_type all
connection_messages true
listener ${port} 127.0.0.1
cafile ${caFile}
certfile ${dir}/cert.pem
keyfile ${dir}/key.pem
`,
  );
  const logFileText = () => readFile(logFile, 'utf8').catch(() => '');
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const peer = await spawnListening(MOSQUITTO, ['-c', conf], { port, log: logFileText, cleanup });
  const log = async () => `${peer.output()}${await logFileText()}`;
  const subscribed = async (clientId: string, topic: string, ms = 10_000) => {
    const deadline = Date.now() + ms;
    // mosquitto logs each subscription as "<time>: <client id> <qos> <topic>" after "Received SUBSCRIBE from <client id>".
    const line = new RegExp(`^\\d+: ${escape(clientId)} \\d ${escape(topic)}$`, 'm');
    while (Date.now() < deadline) {
      if (line.test(await log())) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${clientId} did not subscribe to ${topic} within ${ms} ms:\n${await log()}`);
  };
  return { port, pid: peer.pid, dir, caFile, username, password, log, subscribed, stop: peer.stop };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
