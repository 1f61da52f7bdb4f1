/**
 * The runtime smoke: one script, no jest, that runs unchanged under Node, Bun and Deno and
 * measures, one row per feature, whether rxtls works there — through its public API only
 * (`lib/index.ts`, `lib/testing`), against servers on 127.0.0.1, in the scenarios of the specs
 * named at each check (their fixtures in spec/support are shared).
 *
 *   npx tsx tools/runtime-smoke.ts [--json] [--tls-ciphers LIST]
 *   npx -y bun@VERSION tools/runtime-smoke.ts [--json] [--tls-ciphers LIST]
 *   npx -y deno@VERSION run -A --sloppy-imports tools/runtime-smoke.ts [--json] [--tls-ciphers LIST]
 *
 * (`npm run test:runtimes` runs them all, at the versions pinned in tools/test-runtimes.ts, and
 * prints one table.) Deno runs the TypeScript sources
 * as they are; `--sloppy-imports` lets it resolve their extension-less imports (`'./connect'`)
 * the way Node, tsc and Bun do, so no build is needed. `--tls-ciphers` gives every client
 * connection `tls: { ciphers }`: the way on where a runtime has no TLS security levels (Bun).
 *
 * Each row is `pass`, `fail`, or `unsupported`. `unsupported` means rxtls refused with its
 * runtime error (`ERR_RXTLS_RUNTIME_UNSUPPORTED`) and the runtime's `node:tls`, used directly,
 * was found to lack the feature indeed; it counts as OK: the user is told, not misled. A refusal
 * the runtime no longer needs is a failure (the guard is out of date). Every check has its own
 * deadline and releases what it opened; the exit status is 1 when a row failed, 3 when something
 * was still open a few seconds after the last check.
 */
import { connect as tlsConnect, createSecureContext } from 'node:tls';
// Node's timers everywhere: Deno's global setTimeout returns a number, without unref().
import { clearTimeout, setTimeout } from 'node:timers';
import { EMPTY, filter, map, mergeMap, takeWhile, type Observable, type Subscription } from 'rxjs';
import {
  allOf,
  connect,
  connectStartTls,
  connectWebSocket,
  converse,
  currentRuntime,
  DEFAULT_CIPHERS,
  gateway,
  line,
  lines,
  listen,
  pin,
  RuntimeUnsupportedError,
  startTls,
  strict,
  type ConnectOptions,
  type Dialogue,
  type RuntimeFeature,
  type Outbound,
  type LineEvent,
  type StartTlsEvent,
  type TlsEvent,
  type VerificationPolicy,
  type WebSocketEvent,
} from '../lib';
import { createTestPki, startTlsServer, type TestCredentials, type TestPki } from '../lib/testing';
// The scenarios of the specs, shared with them (test fixtures, not library code).
import { client as imapClient, EXPECTED as IMAP_EXPECTED, GREETING as IMAP_GREETING, respond } from '../spec/support/same-dialogue';
import { collect } from '../spec/support/collect';
import { startSmtpServer } from '../spec/support/smtp-server';
import { startTruncatingProxy } from '../spec/support/truncating-proxy';

/** How one feature fared. */
export type SmokeStatus = 'pass' | 'fail' | 'unsupported';

/** One row of the table. */
export interface SmokeRow {
  /** The feature checked, e.g. `detectTruncation`. */
  readonly feature: string;
  readonly status: SmokeStatus;
  /** What was seen: on a pass a summary, otherwise what differed or rxtls's refusal. */
  readonly detail: string;
  /** How long the check took. */
  readonly ms: number;
}

/** What `--json` prints: the runtime and its rows. */
export interface SmokeReport {
  /** e.g. `Bun 1.4.5`, with `(tls.ciphers '…')` under `--tls-ciphers`. */
  readonly runtime: string;
  readonly rows: readonly SmokeRow[];
}

/** Each check's deadline; the machine this runs on may be loaded. */
const CHECK_DEADLINE_MS = 30_000;
/** How long releasing a check's resources may take. */
const CLEANUP_DEADLINE_MS = 5_000;
/** After the last check, how long the process has to exit by itself before it is told to. */
const EXIT_GRACE_MS = 3_000;

/** What every check gets: the test PKI, its scope, and options for every client connection. */
interface Context {
  readonly pki: TestPki;
  readonly scope: Scope;
  /** `tls: { ciphers }` with `--tls-ciphers`, else nothing. */
  readonly client: Pick<ConnectOptions, 'tls'>;
}

/** A check failed; the message is the table's detail. */
class Mismatch extends Error {}

/** What a check opened, released when it ends however it ends. */
class Scope {
  private readonly releases: Array<() => unknown> = [];
  /** Registers something to release. */
  defer(release: () => unknown): void {
    this.releases.push(release);
  }
  /** Keeps a subscription until the check ends. */
  keep(subscription: Subscription): Subscription {
    this.defer(() => subscription.unsubscribe());
    return subscription;
  }
  /** Releases everything, newest first. */
  async release(): Promise<void> {
    for (const release of this.releases.splice(0).reverse()) {
      try {
        await release();
      } catch {
        // A failed release must not hide the check's own result.
      }
    }
  }
}

/** rxtls's runtime refusal, wherever it surfaced, is the row's result: rethrow it as it is. */
function unsupported(error: unknown): RuntimeUnsupportedError | undefined {
  return error instanceof RuntimeUnsupportedError ? error : undefined;
}

/** Fails the check unless `actual` equals `expected` (compared as JSON). */
function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Mismatch(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

/** The error of a collected stream, as a check failure (or the runtime refusal, as it is). */
function failOn(what: string, error: (Error & { code?: string }) | undefined): void {
  if (!error) return;
  throw unsupported(error) ?? new Mismatch(`${what}: error ${error.code ?? error.name}: ${error.message}`);
}

/** The stream's last event, if it is `closed`. */
function closedOf(events: readonly TlsEvent[]): Extract<TlsEvent, { type: 'closed' }> | undefined {
  const last = events[events.length - 1];
  return last?.type === 'closed' ? last : undefined;
}

/** Subscribes for the length of the check; resolves with the first value `pick` picks (a port, a URL). */
const waitFor = <T>(source: Observable<T>, scope: Scope, pick: (value: T) => number | string | undefined) =>
  new Promise<number | string>((resolve, reject) =>
    scope.keep(
      source.subscribe({
        next: (value) => {
          const picked = pick(value);
          if (picked !== undefined) resolve(picked);
        },
        error: reject,
      }),
    ),
  );

// ---------------------------------------------------------------------------------------------
// The checks. Each returns the detail of a pass, or throws (Mismatch or rxtls's runtime error).

type Check = (context: Context) => Promise<string>;

const GREETING = '* OK rxtls smoke';

/** A server's certificate chain and key. */
type Credentials = Pick<TestCredentials, 'cert' | 'key'>;

/** A `node:tls` test server that greets, then closes with close_notify; resolves with its port. */
async function greeter({ pki, scope }: Context, credentials?: Credentials): Promise<number> {
  const server = await startTlsServer({
    ...(credentials ?? (await pki.leaf())),
    greeting: `${GREETING}\r\n`,
    onConnection: (socket) => setTimeout(() => socket.end(), 50),
  });
  scope.defer(() => server.close());
  return server.port;
}

const checkConnect: Check = async (context) => {
  const port = await greeter(context);
  const { events, error } = await collect(connect({ host: 'localhost', port, ca: context.pki.ca.cert, ...context.client }).pipe(lines()));
  failOn('connect', error);
  expectEqual(
    'events',
    events.map((e) => e.type),
    ['connected', 'line', 'closed'],
  );
  const [connected, greeting] = events;
  expectEqual('greeting', greeting?.type === 'line' && greeting.text, GREETING);
  return connected?.type === 'connected'
    ? `${connected.peer.subject}, ${connected.session.protocol}, greeting read through lines()`
    : 'connected';
};

interface MatrixCase {
  readonly name: string;
  readonly credentials: (pki: TestPki) => Promise<Credentials>;
  readonly verify?: () => VerificationPolicy;
  /** The codes of certFailed, as Node reports them (sorted), or 'connected'. */
  readonly expect: readonly string[] | 'connected';
}

/** The client side of spec/security/certificate-matrix.spec.ts, where Node's codes are stable. */
const MATRIX: readonly MatrixCase[] = [
  { name: 'expired', credentials: (pki) => pki.expired(), expect: ['CERT_HAS_EXPIRED'] },
  { name: 'not yet valid', credentials: (pki) => pki.notYetValid(), expect: ['CERT_NOT_YET_VALID'] },
  { name: 'wrong host', credentials: (pki) => pki.leaf({ names: ['elsewhere.test'] }), expect: ['ERR_TLS_CERT_ALTNAME_INVALID'] },
  { name: 'self-signed leaf', credentials: (pki) => pki.selfSigned(), expect: ['DEPTH_ZERO_SELF_SIGNED_CERT'] },
  {
    name: 'self-signed root',
    credentials: async (pki) => {
      const other = await pki.otherAuthority();
      const leaf = await other.issue();
      return { cert: leaf.cert + other.cert, key: leaf.key };
    },
    expect: ['SELF_SIGNED_CERT_IN_CHAIN'],
  },
  {
    name: 'pin mismatch',
    credentials: (pki) => pki.leaf(),
    verify: () => allOf(strict(), pin(`sha256/${Buffer.alloc(32).toString('base64')}`)),
    expect: ['PIN_MISMATCH'],
  },
  { name: 'valid (control)', credentials: (pki) => pki.leaf(), expect: 'connected' },
];

const checkVerificationCodes: Check = async (context) => {
  const mismatches: string[] = [];
  for (const c of MATRIX) {
    const port = await greeter(context, await c.credentials(context.pki));
    const verify = c.verify && { verify: c.verify() };
    const { events, error } = await collect(
      connect({ host: '127.0.0.1', servername: 'localhost', port, ca: context.pki.ca.cert, ...verify, ...context.client }),
    );
    const refusal = unsupported(error);
    if (refusal) throw refusal;
    const first = events[0];
    const got = error
      ? `error ${error.code ?? error.name}`
      : first?.type === 'certFailed'
        ? first.errors.map((e) => e.code).sort()
        : (first?.type ?? 'nothing');
    if (JSON.stringify(got) !== JSON.stringify(c.expect))
      mismatches.push(`${c.name}: ${JSON.stringify(got)} (Node: ${JSON.stringify(c.expect)})`);
    else if (c.expect !== 'connected' && events.some((e) => e.type === 'data'))
      mismatches.push(`${c.name}: data delivered from a rejected peer`);
  }
  if (mismatches.length > 0) throw new Mismatch(mismatches.join('; '));
  return `${MATRIX.length - 1} rejections with Node's codes, and the control connects`;
};

const checkResumption: Check = async (context) => {
  const port = await greeter(context);
  const options = { host: 'localhost', port, ca: context.pki.ca.cert, ...context.client };
  // TLS 1.3 sends the ticket after the handshake; by the time the server closed, it has arrived.
  const first = await collect(connect(options));
  failOn('first connection', first.error);
  const connected = first.events[0];
  if (connected?.type !== 'connected') throw new Mismatch(`first connection: ${connected?.type ?? 'no event'}`);
  const ticket = connected.session.ticket();
  if (!Buffer.isBuffer(ticket)) throw new Mismatch('the first connection received no session ticket');
  const second = await collect(connect({ ...options, session: ticket }));
  failOn('second connection', second.error);
  const again = second.events[0];
  if (again?.type !== 'connected') throw new Mismatch(`second connection: ${again?.type ?? 'no event'}`);
  expectEqual('second connection resumed', again.session.resumed, true);
  return `${again.session.protocol} session resumed from a ${ticket.length}-byte ticket`;
};

/** The client's half of an SMTP conversation with the example server; done once it said goodbye. */
const smtpClient: Dialogue<StartTlsEvent | LineEvent> = (events$) =>
  events$.pipe(
    takeWhile((e) => !(e.type === 'line' && e.text.startsWith('221 '))),
    mergeMap((e): Outbound[] => {
      if (e.type === 'connected') return [line('EHLO smoke')];
      if (e.type !== 'line') return [];
      if (e.text.startsWith('220 ') && e.text.includes('ESMTP')) return [line('EHLO smoke')];
      if (e.text === '250 STARTTLS') return [line('STARTTLS')];
      if (e.text.startsWith('220 2.0.0')) return [startTls()];
      if (e.text.endsWith('securely')) return [line('QUIT')];
      return [];
    }),
  );

const checkStartTls: Check = async ({ pki, scope, client }) => {
  // spec/client/connect-starttls.spec.ts's server: the SMTP example's dialogue over listenStartTls().
  const running: Subscription[] = [];
  scope.defer(() => running.forEach((s) => s.unsubscribe()));
  const port = await startSmtpServer(await pki.leaf(), running);
  const { events, error } = await collect(
    connectStartTls({ host: 'localhost', port, ca: pki.ca.cert, ...client }).pipe(lines(), converse(smtpClient)),
  );
  failOn('connectStartTls', error);
  const transcript = events.flatMap((e) =>
    e.type === 'line'
      ? [e.text]
      : e.type === 'connected'
        ? [`-- TLS ${e.peer.subject}`]
        : e.type === 'certFailed'
          ? [`-- ${e.reason}`]
          : [],
  );
  expectEqual('transcript', transcript, [
    '220 smtp.rxtls.test ESMTP rxtls',
    '250-smtp.rxtls.test',
    '250 STARTTLS',
    '220 2.0.0 Ready to start TLS',
    '-- TLS CN=localhost',
    '250 smtp.rxtls.test at your service, securely',
    '221 2.0.0 Bye',
  ]);
  return 'EHLO, STARTTLS, verified upgrade, EHLO, QUIT';
};

const checkServer: Check = async ({ pki, scope, client: clientOptions }) => {
  const serverSide: TlsEvent[][] = [];
  const server$ = listen({ credentials: await pki.leaf(), requestCert: true, ca: pki.ca.cert }).pipe(
    mergeMap((e) => {
      if (e.type === 'connection') {
        const seen: TlsEvent[] = [];
        serverSide.push(seen);
        const greet: Dialogue = (events$) =>
          events$.pipe(
            mergeMap((x) => (x.type === 'connected' ? [line(`hello ${x.peer.subject}`)] : x.type === 'line' ? [line(x.text)] : [])),
          );
        scope.keep(e.events.pipe(lines(), converse(greet)).subscribe({ next: (x) => seen.push(x), error: () => undefined }));
      }
      return e.type === 'listening' ? [e.port] : EMPTY;
    }),
  );
  const port = Number(await waitFor(server$, scope, (p) => p));
  const options = { host: 'localhost', port, ca: pki.ca.cert, ...clientOptions };
  const client = await pki.client();
  const echo: Dialogue = (events$) =>
    events$.pipe(
      filter((e) => e.type === 'line'),
      takeWhile((e) => e.text !== 'ping'),
      map(() => line('ping')),
    );
  const good = await collect(connect({ ...options, cert: client.cert, key: client.key }).pipe(lines(), converse(echo)));
  failOn('client with a certificate', good.error);
  expectEqual(
    'lines the client heard',
    good.events.flatMap((e) => (e.type === 'line' ? [e.text] : [])),
    ['hello CN=rxtls test client', 'ping'],
  );
  const expired = await pki.expired({ usage: 'client', names: ['c'] });
  const bad = await collect(connect({ ...options, cert: expired.cert, key: expired.key }).pipe(lines()));
  const refusal = unsupported(bad.error);
  if (refusal) throw refusal;
  if (bad.events.some((e) => e.type === 'line')) throw new Mismatch('a client with an expired certificate was served');
  const deadline = Date.now() + 5000;
  while (!closedOf(serverSide[1] ?? []) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const rejected = serverSide[1] ?? [];
  const first = rejected[0];
  expectEqual(
    'server side of the expired client',
    [rejected.map((e) => e.type), first?.type === 'certFailed' ? first.errors.map((e) => e.code) : []],
    [['certFailed', 'closed'], ['CERT_HAS_EXPIRED']],
  );
  return 'mutual TLS: client certificate verified and echoed; an expired one gets certFailed CERT_HAS_EXPIRED';
};

const checkTruncation: Check = async (context) => {
  const { pki, scope, client } = context;
  const options = { host: 'localhost', ca: pki.ca.cert, detectTruncation: true, ...client };
  const orderly = await collect(connect({ ...options, port: await greeter(context) }));
  failOn('close_notify', orderly.error);
  expectEqual('close_notify then FIN', closedOf(orderly.events), { type: 'closed', by: 'peer', clean: true });
  const silent = await startTlsServer({ ...(await pki.leaf()), greeting: `${GREETING}\r\n` });
  scope.defer(() => silent.close());
  const proxy = await startTruncatingProxy(silent.port, 150);
  scope.defer(() => proxy.close());
  const cut = await collect(connect({ ...options, port: proxy.port }));
  failOn('bare FIN', cut.error);
  const closed = closedOf(cut.events);
  const code = (closed?.error as { code?: string } | undefined)?.code;
  expectEqual('bare FIN', closed && { by: closed.by, clean: closed.clean, code }, {
    by: 'peer',
    clean: false,
    code: 'ERR_RXTLS_TLS_TRUNCATED',
  });
  return 'close_notify is clean; a bare TCP FIN is ERR_RXTLS_TLS_TRUNCATED';
};

async function heard(events$: Observable<WebSocketEvent>): Promise<string[]> {
  const { events, error } = await collect(events$.pipe(lines(), converse(imapClient)));
  failOn('dialogue', error);
  return events.flatMap((e) => (e.type === 'line' ? [e.text] : []));
}

const checkGateway: Check = async ({ pki, scope, client }) => {
  const server = await startTlsServer({
    ...(await pki.leaf()),
    dialogue: (events$) =>
      events$.pipe(
        mergeMap((e) => (e.type === 'connected' ? [IMAP_GREETING] : e.type === 'line' ? respond(e.text) : []).map((t) => line(t))),
      ),
  });
  scope.defer(() => server.close());
  const direct = await heard(connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, ...client }));
  expectEqual('over connect()', direct, IMAP_EXPECTED);
  const gateway$ = gateway({ port: 0, targets: [`localhost:${server.port}`], upstream: { ca: pki.ca.cert, ...client } });
  const url = String(await waitFor(gateway$, scope, (e) => (e.type === 'listening' ? e.url : undefined)));
  expectEqual('over connectWebSocket() through gateway()', await heard(connectWebSocket(url)), IMAP_EXPECTED);
  return 'one dialogue over connect() and over connectWebSocket() → gateway(): the same 5 lines';
};

const CHECKS: ReadonlyArray<readonly [string, Check]> = [
  ['connect', checkConnect],
  ['verification codes', checkVerificationCodes],
  ['session resumption', checkResumption],
  ['STARTTLS', checkStartTls],
  ['server (mutual TLS)', checkServer],
  ['detectTruncation', checkTruncation],
  ['gateway', checkGateway],
];

// ---------------------------------------------------------------------------------------------
// When rxtls refuses a feature, the runtime's node:tls is asked directly whether it lacks it.
// Each probe returns what it saw when the gap is there, or undefined when the runtime can do it.

const GAP_PROBES: Readonly<Record<RuntimeFeature, (context: Context) => Promise<string | undefined>>> = {
  securityLevel: () => {
    try {
      createSecureContext({ ciphers: DEFAULT_CIPHERS });
      return Promise.resolve(undefined);
    } catch (error) {
      return Promise.resolve(`node:tls refuses ciphers ${DEFAULT_CIPHERS}: ${(error as Error).message}`);
    }
  },
  sessionResumption: async (context) => {
    const port = await greeter(context);
    const handshake = (session?: Buffer) =>
      new Promise<{ reused: boolean; ticket?: Buffer }>((resolve, reject) => {
        let ticket: Buffer | undefined;
        const socket = tlsConnect({
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: context.pki.ca.cert,
          ...(session && { session }),
        });
        context.scope.defer(() => socket.destroy());
        let reused = false;
        socket.on('session', (t: Buffer) => (ticket = t));
        socket.once('secureConnect', () => (reused = socket.isSessionReused()));
        socket.on('data', () => undefined);
        socket.once('error', reject);
        socket.once('close', () => resolve({ reused, ...(ticket && { ticket }) }));
      });
    const { ticket } = await handshake();
    if (!ticket) return 'node:tls gave no session ticket';
    const { reused } = await handshake(ticket);
    return reused ? undefined : `node:tls, given the ${ticket.length}-byte ticket, did not resume (isSessionReused() false)`;
  },
};

// ---------------------------------------------------------------------------------------------

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Mismatch(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Runs one check in its own scope, under its deadline; a refusal is checked against the runtime itself. */
async function run(name: string, check: Check, pki: TestPki, client: Context['client']): Promise<SmokeRow> {
  const context: Context = { pki, scope: new Scope(), client };
  const started = Date.now();
  let status: SmokeStatus;
  let detail: string;
  try {
    detail = await withDeadline(check(context), CHECK_DEADLINE_MS, name);
    status = 'pass';
  } catch (error) {
    const refusal = unsupported(error);
    if (refusal) {
      const gap = await withDeadline(GAP_PROBES[refusal.feature](context), CHECK_DEADLINE_MS, `${name}: probing node:tls`).catch(
        (probe: unknown) => `the probe failed: ${String(probe)}`,
      );
      status = gap === undefined ? 'fail' : 'unsupported';
      detail =
        gap === undefined
          ? `rxtls refuses (${refusal.message}), but this runtime's node:tls can: the guard is out of date`
          : `${refusal.message} (confirmed: ${gap})`;
    } else {
      status = 'fail';
      detail = error instanceof Mismatch ? error.message : `threw ${String((error as Error)?.stack ?? error)}`;
    }
  }
  await withDeadline(context.scope.release(), CLEANUP_DEADLINE_MS, `${name}: releasing`).catch((error: unknown) => {
    status = 'fail';
    detail += `; ${(error as Error).message}`;
  });
  return { feature: name, status, detail: detail.replace(/\s+/g, ' ').trim(), ms: Date.now() - started };
}

function table(report: SmokeReport): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    `${report.runtime}\n`,
    '| feature | result | detail |',
    '| --- | --- | --- |',
    ...report.rows.map((r) => `| ${r.feature} | ${r.status} | ${cell(r.detail)} (${r.ms} ms) |`),
  ].join('\n');
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const ciphers = option('tls-ciphers');
  const client: Context['client'] = ciphers === undefined ? {} : { tls: { ciphers } };
  const { name, version } = currentRuntime();
  const runtime = `${name} ${version}${ciphers === undefined ? '' : ` (tls.ciphers '${ciphers}')`}`;
  const pki = await withDeadline(createTestPki(), CHECK_DEADLINE_MS, 'creating the test PKI');
  const rows: SmokeRow[] = [];
  for (const [feature, check] of CHECKS) {
    const row = await run(feature, check, pki, client);
    rows.push(row);
    if (!json) process.stderr.write(`${row.status.padEnd(11)} ${feature}\n`);
  }
  const report: SmokeReport = { runtime, rows };
  console.log(json ? JSON.stringify(report) : table(report));
  const failed = rows.filter((r) => r.status === 'fail').length;
  const refused = rows.filter((r) => r.status === 'unsupported').length;
  // With --json, stdout holds the report alone.
  (json ? console.error : console.log)(
    `smoke: ${rows.length - failed - refused} passed, ${failed} failed${refused ? `, ${refused} unsupported` : ''} (${runtime})`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
  // Every check released what it opened, so the process should end now; if something still
  // holds it open, say so and end it, rather than hang a CI job.
  setTimeout(() => {
    console.error(`smoke: something was still open ${EXIT_GRACE_MS} ms after the last check (${runtime})`);
    process.exit(3);
  }, EXIT_GRACE_MS).unref();
}

main().catch((error: unknown) => {
  console.error('smoke: could not run:', error);
  process.exit(1);
});
