import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestPki } from '../../lib/testing';
import { describeWithPeer, freePort, spawnListening } from './peers';

/** Specs that run Debian's Dovecot. */
export function describeWithDovecot(name: string, body: () => void): void {
  describeWithPeer(name, { command: 'dovecot', aptPackage: 'dovecot-imapd' }, body);
}

export interface RunningDovecot {
  /** IMAPS (TLS from the first byte). */
  readonly port: number;
  /** IMAP with STARTTLS (plaintext until upgraded; LOGIN refused before). */
  readonly starttlsPort: number;
  readonly pid: number;
  readonly dir: string;
  /** Stops the server by its PID and removes its directory. */
  stop(): Promise<void>;
  log(): Promise<string>;
}

/** A message with a multi-line body and non-ASCII text in its headers and body. */
export const SEEDED_MESSAGE = [
  'From: =?UTF-8?B?w4VzZSBOw7hyZA==?= <ase@example.test>',
  'To: joe@example.test',
  'Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgT3Nsbw==?=',
  'Date: Thu, 26 Nov 2026 10:00:00 +0000',
  'Message-ID: <1@example.test>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Hej Joe,',
  '',
  'blåbærsyltetøy på fredag?',
  '',
  '-- ',
  'Åse',
  '',
].join('\r\n');

export const PASSWORD = 'correct-horse-battery-staple';

/**
 * Starts `dovecot -F -c CONF` as an IMAPS server on 127.0.0.1 with a certificate from `pki`,
 * a static passdb (any user, password {@link PASSWORD}) and a Maildir seeded with
 * {@link SEEDED_MESSAGE}, all in a temporary directory.
 */
export async function startDovecot(pki: TestPki): Promise<RunningDovecot> {
  const dir = await mkdtemp(join(tmpdir(), 'rxtls-dovecot-'));
  await chmod(dir, 0o755);
  const leaf = await pki.leaf();
  await writeFile(join(dir, 'cert.pem'), leaf.cert);
  await writeFile(join(dir, 'key.pem'), leaf.key, { mode: 0o600 });
  const root = process.getuid?.() === 0;
  const me = userInfo().username;
  // As root, Dovecot drops privileges to its own users and delivers mail as nobody.
  const [internalUser, loginUser, mailUser, mailGroup] = root
    ? ['dovecot', 'dovenull', 'nobody', 'nogroup']
    : [me, me, me, String(process.getgid?.())];
  const maildir = join(dir, 'home', 'joe', 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(maildir, sub), { recursive: true });
  await writeFile(join(maildir, 'new', '1700000000.M1P1.rxtls'), SEEDED_MESSAGE);
  if (root) {
    const { uid, gid } = { uid: 65534, gid: 65534 };
    for (const path of [
      join(dir, 'home'),
      join(dir, 'home', 'joe'),
      maildir,
      ...['cur', 'new', 'tmp'].map((s) => join(maildir, s)),
      join(maildir, 'new', '1700000000.M1P1.rxtls'),
    ]) {
      await chown(path, uid, gid);
    }
  }
  const port = await freePort();
  const starttlsPort = await freePort();
  const conf = join(dir, 'dovecot.conf');
  await writeFile(
    conf,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <${dir}/cert.pem
ssl_key = <${dir}/key.pem
ssl_min_protocol = TLSv1.2
${
  (await readFile('/usr/share/dovecot/dh.pem').then(
    () => true,
    () => false,
  ))
    ? 'ssl_dh = </usr/share/dovecot/dh.pem'
    : ''
}
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = ${internalUser}
default_login_user = ${loginUser}
first_valid_uid = 1
passdb {
  driver = static
  args = password=${PASSWORD}
}
userdb {
  driver = static
  args = uid=${mailUser} gid=${mailGroup} home=${dir}/home/%u mail=maildir:~/Maildir
}
service imap-login {
  chroot =
  inet_listener imap {
    port = ${starttlsPort}
  }
  inet_listener imaps {
    port = ${port}
    ssl = yes
  }
}
service anvil {
  chroot =
}
`,
  );
  const logFileText = () => readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => '');
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const peer = await spawnListening('dovecot', ['-F', '-c', conf], { port, log: logFileText, cleanup });
  const log = async () => `${peer.output()}${await logFileText()}`;
  return { port, starttlsPort, pid: peer.pid, dir, stop: peer.stop, log };
}
