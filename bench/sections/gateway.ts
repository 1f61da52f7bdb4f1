/**
 * `npm run bench -- gateway`: `rxtls gateway`, run as the command in its own process, against
 * reading the TLS server directly with a raw `node:tls` socket, and against Debian's
 * `websockify --ssl-target` (Python) in front of the same server. One WebSocket client (the `ws`
 * package, binary messages, no compression) reads through both gateways: it sends the bench
 * server's request line `raw TOTAL\n` as one message, counts the bytes of the binary messages it
 * gets, and is timed to the last byte. The rxtls gateway verifies the server (`--ca`, strict);
 * websockify does not verify it at all (Python's `ssl.wrap_socket`, no CA), so it does less work.
 *
 * Besides the ratios, the section logs the CPU time the gateway process spent per MiB (from
 * /proc): on a shared machine it is a quieter measure of what the gateway costs than its speed.
 * `BENCH_GATEWAY_CPU_PROF=DIR` runs the gateway with `--cpu-prof` and writes its profile to DIR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';
import { freePort, interleave, median, ratioOf, type BenchContext, type BenchSection, type Ratio } from '../harness';
import { rawRead, streamBytes } from './streams';

const ROOT = join(__dirname, '..', '..');
/** How long a peer program has to start listening. */
const STARTUP_MS = 15_000;
/** Lets `--cpu-prof` write its profile: a gateway killed by SIGTERM would exit without one. */
const EXIT_ON_SIGTERM = 'data:text/javascript,process.on("SIGTERM",()=>process.exit(0))';

/** A child process stopped by its PID, waiting for it to exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((done) => child.once('exit', done));
  process.kill(child.pid, 'SIGTERM');
  await exited;
}

/** Resolves once something accepts TCP connections on the port. */
async function listeningOn(port: number, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before listening`);
    const up = await new Promise<boolean>((done) => {
      const probe = createConnection({ host: '127.0.0.1', port }, () => (probe.destroy(), done(true)));
      probe.on('error', () => done(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on 127.0.0.1:${port} within ${STARTUP_MS} ms`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/** `rxtls gateway` as the command (compiled, as bench/rxtls.ts says), in front of the bench server; resolves with its URL. */
async function startRxtlsGateway(context: BenchContext, caFile: string): Promise<{ child: ChildProcess; url: string }> {
  const profileDir = process.env['BENCH_GATEWAY_CPU_PROF'];
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`, '--import', EXIT_ON_SIGTERM] : [];
  const compiled = process.env['RXTLS_BENCH_LIB'];
  const cli = compiled ? [join(compiled, 'cli', 'main.js')] : ['--import', 'tsx', join(ROOT, 'lib', 'cli', 'main.ts')];
  const args = [...profile, ...cli, 'gateway', '--listen', '127.0.0.1:0', '--to', `localhost:${context.server.port}`];
  const child = spawn(process.execPath, [...args, '--ca', caFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`rxtls gateway did not listen within ${STARTUP_MS} ms: ${out}`)), STARTUP_MS);
    // Stays on: it keeps the pipe drained of the line the gateway prints per bridge.
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /listening on (ws:\/\/\S+)/.exec(out)?.[1];
      if (found) {
        clearTimeout(timer);
        done(found);
      }
    });
    child.once('exit', (code) => (clearTimeout(timer), fail(new Error(`rxtls gateway exited with ${code}: ${out}`))));
  });
  return { child, url };
}

/**
 * websockify 0.10 polls with select() and then reads its target with a blocking SSL read. Over
 * TLS 1.3 the server's session tickets arrive after the handshake and make the target readable
 * with no application data, so the read blocks before the client's request is forwarded, and a
 * client-speaks-first stream deadlocks. Its OpenSSL is therefore capped at TLS 1.2 (the same
 * AES-GCM bulk cipher) by a config of its own.
 */
const WEBSOCKIFY_OPENSSL_CONF = `openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MaxProtocol = TLSv1.2
`;

/** `websockify --ssl-target` in front of the bench server, or undefined (and why) when it is not installed. */
async function startWebsockify(context: BenchContext, dir: string): Promise<{ child: ChildProcess; url: string } | undefined> {
  const port = await freePort();
  const opensslConf = join(dir, 'websockify-openssl.cnf');
  await writeFile(opensslConf, WEBSOCKIFY_OPENSSL_CONF);
  const child = spawn('websockify', [`127.0.0.1:${port}`, '--ssl-target', `127.0.0.1:${context.server.port}`], {
    cwd: dir,
    env: { ...process.env, OPENSSL_CONF: opensslConf },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  const missing = await new Promise<boolean>((done) => {
    child.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ENOENT'));
    child.once('spawn', () => done(false));
  });
  if (missing) {
    context.log('websockify not found: apt-get install websockify (skipping the comparison with it)');
    return undefined;
  }
  try {
    await listeningOn(port, child, 'websockify');
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { child, url: `ws://127.0.0.1:${port}/` };
}

/**
 * How a gateway's stream is read. Through rxtls it must be exactly the bytes asked for, ended
 * with close code 1000. websockify 0.10 drops what it still has queued for the client when its
 * target closes (a read of 8 MiB lost its last 160 KiB), so it is asked for a tail more than is
 * timed, and the client hangs up once it has the timed bytes.
 */
interface Reading {
  readonly asked: number;
  readonly closeCode?: number;
}
/** What websockify is asked for beyond the timed bytes. */
const WEBSOCKIFY_TAIL = 4 * 1024 * 1024;

/**
 * Reads through a WebSocket gateway: asks the bench server for a stream with one message, counts
 * the bytes of the binary messages, and resolves with the milliseconds until the `total`-th byte,
 * once the stream was checked.
 */
function throughWebSocket(url: string, total: number, reading: Reading) {
  return () =>
    new Promise<number>((done, fail) => {
      const start = process.hrtime.bigint();
      let took: number | undefined;
      let bytes = 0;
      const client = new WebSocket(url, { perMessageDeflate: false });
      client.binaryType = 'nodebuffer';
      client.on('open', () => client.send(Buffer.from(`raw ${reading.asked}\n`), { binary: true }));
      client.on('message', (data: Buffer) => {
        bytes += data.length;
        if (took !== undefined || bytes < total) return;
        took = Number(process.hrtime.bigint() - start) / 1e6;
        if (reading.asked > total) client.terminate();
      });
      client.on('error', fail);
      client.on('close', (code: number, reason: Buffer) => {
        const how = `${url}: read ${bytes} bytes of ${reading.asked} asked (close ${code} ${reason.toString()})`;
        if (took === undefined) return fail(new Error(`${how}, fewer than the ${total} timed`));
        if (reading.asked === total && bytes !== total) return fail(new Error(`${how}, expected exactly ${total}`));
        if (reading.closeCode !== undefined && code !== reading.closeCode)
          return fail(new Error(`${how}, expected close ${reading.closeCode}`));
        done(took);
      });
    });
}

/**
 * CPU milliseconds a process used so far (user + system), from /proc (Linux; undefined elsewhere).
 * Quieter than wall time on a shared machine: it is what the gateway costs per byte.
 */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in USER_HZ (100) ticks
  } catch {
    return undefined;
  }
}

/** Runs `variant`, adding the CPU milliseconds per MiB that `pid` spent during it to `perMiB`. */
function costOf(variant: () => Promise<number>, pid: number | undefined, total: number, perMiB: number[]) {
  return async () => {
    const before = cpuMs(pid);
    const ms = await variant();
    const after = cpuMs(pid);
    if (before !== undefined && after !== undefined) perMiB.push((after - before) / (total / 1024 / 1024));
    return ms;
  };
}

export const gatewaySection: BenchSection = {
  name: 'gateway',
  title: 'rxtls gateway (the command, in its own process) against the TLS server read directly and websockify --ssl-target',
  async run(context) {
    const total = context.smoke ? 1024 * 1024 : Math.min(streamBytes(context), 64 * 1024 * 1024);
    const dir = await mkdtemp(join(tmpdir(), 'rxtls-bench-gateway-'));
    const children: ChildProcess[] = [];
    try {
      const caFile = join(dir, 'ca.pem');
      await writeFile(caFile, context.pki.ca.cert);
      const rxtls = await startRxtlsGateway(context, caFile);
      children.push(rxtls.child);
      const websockify = await startWebsockify(context, dir);
      if (websockify) children.push(websockify.child);
      if (!context.smoke) {
        // Untimed, so that the first timed run does not pay for the gateway's warm-up (JIT, heap growth).
        const warm = 8 * 1024 * 1024;
        await throughWebSocket(rxtls.url, warm, { asked: warm, closeCode: 1000 })();
        if (websockify) await throughWebSocket(websockify.url, warm, { asked: warm + WEBSOCKIFY_TAIL })();
        await rawRead(context, `raw ${warm}\n`, warm)();
      }
      const gatewayCpu: number[] = [];
      const variants: Record<string, () => Promise<number>> = {
        gateway: costOf(throughWebSocket(rxtls.url, total, { asked: total, closeCode: 1000 }), rxtls.child.pid, total, gatewayCpu),
        direct: rawRead(context, `raw ${total}\n`, total),
      };
      if (websockify) variants['websockify'] = throughWebSocket(websockify.url, total, { asked: total + WEBSOCKIFY_TAIL });
      const ms = await interleave(context.runs, variants);
      const mbps = (samples: readonly number[] = []) => samples.map((m) => total / (m / 1000) / 1e6);
      const show = (samples: readonly number[]) =>
        mbps(samples)
          .map((v) => v.toFixed(0))
          .join(', ');
      context.log(`${total / 1024 / 1024} MiB a run; MB/s: rxtls gateway ${show(ms['gateway'] ?? [])}; direct ${show(ms['direct'] ?? [])}`);
      if (gatewayCpu.length > 0)
        context.log(
          `rxtls gateway process CPU: ${median(gatewayCpu).toFixed(2)} ms per MiB (median; ${gatewayCpu.map((c) => c.toFixed(2)).join(', ')})`,
        );
      const ratios: Ratio[] = [
        ratioOf('rxtls gateway / TLS server read directly', mbps(ms['gateway']), mbps(ms['direct']), { atLeast: 0.7 }),
      ];
      if (ms['websockify']) {
        context.log(`websockify --ssl-target MB/s: ${show(ms['websockify'])}`);
        ratios.push(ratioOf('rxtls gateway / websockify --ssl-target', mbps(ms['gateway']), mbps(ms['websockify']), { atLeast: 1.5 }));
      }
      return ratios;
    } finally {
      for (const child of children) await stop(child);
      await rm(dir, { recursive: true, force: true });
    }
  },
};
