import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestPki } from '../../lib/testing';
import { describeWithPeer, freePort, spawnListening } from './peers';

/** Specs that run Debian's vsftpd. */
export function describeWithVsftpd(name: string, body: () => void): void {
  describeWithPeer(name, { command: '/usr/sbin/vsftpd', versionArgs: ['-v'], aptPackage: 'vsftpd' }, body);
}

export interface RunningVsftpd {
  readonly port: number;
  /** The directory the virtual user sees as `/`; `incoming/` in it is writable. */
  readonly root: string;
  readonly user: string;
  readonly password: string;
  readonly pid: number;
  /** Stops the server by its PID and removes its directory and its PAM service file. */
  stop(): Promise<void>;
  log(): Promise<string>;
}

/** The uid of Debian's `ftp` user (the vsftpd package creates it): virtual users act as it. */
function ftpUid(): number {
  const line = spawnSync('getent', ['passwd', 'ftp'], { encoding: 'utf8' }).stdout.trim();
  const uid = Number(line.split(':')[2]);
  if (!line || !Number.isInteger(uid)) throw new Error('vsftpd specs need the "ftp" user that the vsftpd package creates');
  return uid;
}

/**
 * Starts `/usr/sbin/vsftpd CONF` on 127.0.0.1 from a config in a temporary directory: explicit
 * FTPS required for login and data, `require_ssl_reuse=YES`, a passive port range, a certificate
 * from `pki`, and one virtual user with a throwaway password — PAM's `pam_userdb` reads it from a
 * Berkeley DB file in the directory (written with Perl's DB_File), through a PAM service file
 * `/etc/pam.d/rxtls-vsftpd-<random>` that `stop()` removes. vsftpd needs root for PAM and its
 * privilege separation; the virtual user acts as Debian's `ftp` user.
 */
export async function startVsftpd(pki: TestPki): Promise<RunningVsftpd> {
  if (process.getuid?.() !== 0) throw new Error('vsftpd specs run as root (vsftpd needs it for PAM and privilege separation)');
  const dir = await mkdtemp(join(tmpdir(), 'rxtls-vsftpd-'));
  await chmod(dir, 0o755);
  const leaf = await pki.leaf();
  await writeFile(join(dir, 'cert.pem'), leaf.cert);
  await writeFile(join(dir, 'key.pem'), leaf.key, { mode: 0o600 });
  const root = join(dir, 'root');
  await mkdir(join(root, 'incoming'), { recursive: true });
  await mkdir(join(dir, 'empty'));
  await chown(join(root, 'incoming'), ftpUid(), 0);
  const user = 'rxtls';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const db = join(dir, 'users');
  // The password goes to perl through its environment, not its command line.
  const write = spawnSync(
    'perl',
    [
      '-MDB_File',
      '-MFcntl',
      '-e',
      'tie my %h, "DB_File", $ARGV[0], O_RDWR|O_CREAT, 0600, $DB_HASH or die "$!"; $h{$ARGV[1]} = $ENV{RXTLS_PW}; untie %h',
      `${db}.db`,
      user,
    ],
    { encoding: 'utf8', env: { ...process.env, RXTLS_PW: password } },
  );
  if (write.status !== 0) throw new Error(`could not write the user database with perl DB_File: ${write.stderr}`);
  const service = `rxtls-vsftpd-${Math.random().toString(36).slice(2, 10)}`;
  const pamFile = join('/etc/pam.d', service);
  await writeFile(pamFile, `auth required pam_userdb.so crypt=none db=${db}\naccount required pam_userdb.so crypt=none db=${db}\n`);
  const port = await freePort();
  const pasvMin = 40000 + Math.floor(Math.random() * 20000);
  const conf = join(dir, 'vsftpd.conf');
  await writeFile(
    conf,
    `listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=${port}
background=NO
anonymous_enable=NO
local_enable=YES
guest_enable=YES
guest_username=ftp
virtual_use_local_privs=YES
write_enable=YES
local_umask=022
local_root=${root}
pam_service_name=${service}
ssl_enable=YES
force_local_logins_ssl=YES
force_local_data_ssl=YES
require_ssl_reuse=YES
rsa_cert_file=${dir}/cert.pem
rsa_private_key_file=${dir}/key.pem
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=${pasvMin}
pasv_max_port=${pasvMin + 100}
port_enable=YES
secure_chroot_dir=${dir}/empty
xferlog_enable=YES
vsftpd_log_file=${dir}/vsftpd.log
xferlog_file=${dir}/xfer.log
log_ftp_protocol=YES
dual_log_enable=YES
`,
  );
  const logFileText = () => readFile(join(dir, 'vsftpd.log'), 'utf8').catch(() => '');
  const cleanup = async () => {
    await rm(pamFile, { force: true });
    await rm(dir, { recursive: true, force: true });
  };
  const peer = await spawnListening('/usr/sbin/vsftpd', [conf], { port, log: logFileText, cleanup });
  const log = async () => `${peer.output()}${await logFileText()}`;
  return { port, root, user, password, pid: peer.pid, stop: peer.stop, log };
}
