import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../../lib';
import { createTestPki, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { describeWithPeer } from '../interop/peers';

/**
 * The key log rxtls writes decrypts a real capture: tshark records a TLS 1.3 session of
 * rxtls's on loopback, and with the key log (only with it) shows the plaintext both ways.
 */
describeWithPeer('the key log decrypts a capture (tshark)', { command: 'tshark', versionArgs: ['--version'], aptPackage: 'tshark' }, () => {
  let pki: TestPki;
  let dir: string;
  let server: TestServer;

  beforeAll(async () => {
    pki = await createTestPki();
    dir = await mkdtemp(join(tmpdir(), 'rxtls-keylog-decrypt-'));
    server = await startTlsServer({
      ...(await pki.leaf()),
      minVersion: 'TLSv1.3',
      onConnection: (socket) => socket.once('data', (bytes: Buffer) => socket.end(`pong ${bytes.toString('utf8')}`)),
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a capture of loopback traffic on `port` into `file`; resolves once tshark captures. */
  function capture(port: number, file: string): Promise<ChildProcess> {
    const child = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    return new Promise((resolve, reject) => {
      let said = '';
      const timer = setTimeout(() => reject(new Error(`tshark did not start capturing: ${said}`)), 15_000);
      child.stderr.on('data', (chunk: Buffer) => {
        said += chunk.toString('utf8');
        if (/Capturing on/.test(said)) {
          clearTimeout(timer);
          // dumpcap says so as it opens the interface; give its filter a moment on a loaded machine.
          setTimeout(() => resolve(child), 500);
        }
      });
      child.once('exit', () => reject(new Error(`tshark exited: ${said}`)));
    });
  }

  /** Stops it by its PID (SIGINT flushes the file) and waits for it to exit. */
  function stop(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      if (child.pid !== undefined) process.kill(child.pid, 'SIGINT');
    });
  }

  /** One rxtls session: sends `text`, resolves with what came back. */
  function session(keylog: string, text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let received = '';
      // One address, so that the capture holds one TCP stream (stream 0): 'localhost' may try ::1 first.
      connect({ host: '127.0.0.1', servername: 'localhost', port: server.port, ca: pki.ca.cert, keylog }).subscribe({
        next: (event) => {
          if (event.type === 'connected') event.writer.write(text);
          if (event.type === 'data') received += event.bytes.toString('utf8');
          if (event.type === 'closed') resolve(received);
        },
        error: reject,
      });
    });
  }

  /** What tshark shows of the first TLS stream of `pcap`, decrypted with `keylog` if given. */
  function follow(pcap: string, keylog?: string): string {
    // An ephemeral port is not one tshark dissects as TLS by itself: say so (-d).
    const args = [
      '-r',
      pcap,
      '-d',
      `tcp.port==${server.port},tls`,
      '-q',
      '-z',
      'follow,tls,ascii,0',
      ...(keylog ? ['-o', `tls.keylog_file:${keylog}`] : []),
    ];
    const result = spawnSync('tshark', args, { encoding: 'utf8', timeout: 20_000 });
    if (result.status !== 0) throw new Error(`tshark ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }

  it('shows the plaintext of both directions with rxtls’s key log, and none without it', async () => {
    const pcap = join(dir, 'session.pcapng');
    const keylog = join(dir, 'keys.log');
    const tshark = await capture(server.port, pcap);
    let reply: string;
    try {
      reply = await session(keylog, 'ping 8c41e2 over TLS 1.3');
      // Let the last segments reach the capture before it stops.
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await stop(tshark);
    }
    expect(reply).toBe('pong ping 8c41e2 over TLS 1.3');
    const decrypted = follow(pcap, keylog);
    expect(decrypted).toContain('ping 8c41e2 over TLS 1.3');
    expect(decrypted).toContain('pong ping 8c41e2 over TLS 1.3');
    const opaque = follow(pcap);
    expect(opaque).not.toContain('8c41e2');
  }, 40_000);
});
