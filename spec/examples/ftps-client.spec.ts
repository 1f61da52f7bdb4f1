import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { firstValueFrom, from, lastValueFrom, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { allOf, custom, line, lines, startTls, strict, type Outbound, type StartTlsEvent, type TlsEvent } from '../../lib';
import { createTestPki, fakeConnected, fakePeer, fakeSession, type TestPki } from '../../lib/testing';
import { CertificateRejected } from '../../examples/command-line';
import { parseFtpsArguments, runFtpsClient, type FtpsClientOptions } from '../../examples/ftps-client';
import { ftpsDialogue, FtpError, type DataNote, type DataRequest, type FtpSessionOptions } from '../../examples/ftps/dialogue';
import { ftpReplies, parseEpsv, parseListLine, parsePasv, portCommand, eprtCommand, type FtpReply } from '../../examples/ftps/replies';
import { describeWithVsftpd, startVsftpd, type RunningVsftpd } from '../interop/vsftpd';

const l = (text: string): TlsEvent => ({ type: 'line', text });
const reply = (code: number, text: string): FtpReply => ({ code, text });
const ticket = Buffer.from('ticket');
const connected = fakeConnected({
  peer: { ...fakePeer(), remoteAddress: '127.0.0.1' },
  session: { ...fakeSession(), ticket: () => ticket },
});
const session = (over: Partial<FtpSessionOptions> = {}): FtpSessionOptions => ({
  user: 'joe',
  password: 's3cret',
  mode: 'passive',
  extended: true,
  host: 'ftp.test',
  tasks: [{ kind: 'list' }],
  ...over,
});
const outcome = { bytes: 5, sha256: 'abc', resumed: true, body: Buffer.from('x') };

describe('FTP replies', () => {
  it('single-line and multi-line replies, whatever the lines between look like', async () => {
    const input: TlsEvent[] = [l('220 ready'), l('211-Features:'), l(' EPSV'), l('230 another code inside it'), l('211 End'), l('230 ok')];
    const replies = await lastValueFrom(from(input).pipe(ftpReplies(), toArray()));
    expect(replies).toEqual([
      { kind: 'reply', reply: reply(220, 'ready') },
      { kind: 'reply', reply: reply(211, 'Features:\n EPSV\n230 another code inside it\nEnd') },
      { kind: 'reply', reply: reply(230, 'ok') },
    ]);
  });

  it('however the bytes are chunked, lines() + ftpReplies() give the same replies (property)', async () => {
    const replyArb = fc.record({
      code: fc.integer({ min: 100, max: 599 }),
      lines: fc.array(fc.stringMatching(/^[ -~]{0,20}$/), { minLength: 1, maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(replyArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }),
        async (rs, cuts) => {
          // A continuation line must not look like the reply's last line.
          const wire = rs
            .map(({ code, lines: ls }) =>
              ls.length === 1
                ? `${code} ${ls[0]}\r\n`
                : `${code}-${ls[0]}\r\n${ls
                    .slice(1, -1)
                    .map((t) => ` ${t}\r\n`)
                    .join('')}${code} ${ls.at(-1)}\r\n`,
            )
            .join('');
          const bytes = Buffer.from(wire);
          const chunks: StartTlsEvent[] = [];
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const size = cuts[i % cuts.length] as number;
            chunks.push({ type: 'data', bytes: bytes.subarray(at, at + size) });
            at += size;
          }
          const got = await lastValueFrom(from(chunks).pipe(lines(), ftpReplies(), toArray()));
          const expected = rs.map(({ code, lines: ls }) => ({
            kind: 'reply',
            reply: { code, text: ls.length === 1 ? ls[0] : [ls[0], ...ls.slice(1, -1).map((t) => ` ${t}`), ls.at(-1)].join('\n') },
          }));
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('EPSV and PASV addresses, EPRT and PORT commands', () => {
    expect(parseEpsv(reply(229, 'Entering Extended Passive Mode (|||40001|)'))).toBe(40001);
    expect(() => parseEpsv(reply(229, 'Entering Extended Passive Mode (|||0|)'))).toThrow('no port in the EPSV reply');
    expect(parsePasv(reply(227, 'Entering Passive Mode (127,0,0,1,156,65).'))).toEqual({ host: '127.0.0.1', port: 40001 });
    expect(() => parsePasv(reply(227, 'Entering Passive Mode (300,0,0,1,1,1)'))).toThrow('no address in the PASV reply');
    expect(eprtCommand('127.0.0.1', 40001)).toBe('EPRT |1|127.0.0.1|40001|');
    expect(portCommand('127.0.0.1', 40001)).toBe('PORT 127,0,0,1,156,65');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), (port) => {
        const [, , , , , p1, p2] = portCommand('10.0.0.1', port).split(/[ ,]/).map(Number);
        expect(parsePasv(reply(227, `(10,0,0,1,${p1},${p2})`)).port).toBe(port);
        expect(parseEpsv(reply(229, `(|||${port}|)`))).toBe(port);
      }),
    );
  });

  it('parses vsftpd LIST lines', () => {
    expect(parseListLine('-rw-r--r--    1 104      0            1000 Dec 02 03:16 a file.bin')).toEqual({
      name: 'a file.bin',
      kind: 'file',
      size: 1000,
      permissions: 'rw-r--r--',
    });
    expect(parseListLine('drwxr-xr-x    2 104      65534        4096 Jan 12  2025 incoming')?.kind).toBe('directory');
    expect(parseListLine('total 12')).toBeUndefined();
  });
});

describe('the FTPS control dialogue, marble-tested without a socket', () => {
  const scheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e));
  const closed: TlsEvent = { type: 'closed', by: 'peer', clean: true };
  /** The short replies of a login (USER accepted without PASS) up to TYPE I, frames a to g… */
  const LOGGED_IN = {
    a: l('220 x'),
    b: l('234 x'),
    c: connected,
    d: l('230 x'),
    e: l('200 x'),
    f: l('200 x'),
    g: l('200 x'),
  };
  /** …and what the client says in frames a to f. */
  const LOGIN = {
    a: line('AUTH TLS'),
    b: startTls(),
    c: line('USER joe'),
    d: line('PBSZ 0'),
    e: line('PROT P'),
    f: line('TYPE I'),
  };

  it('AUTH TLS → upgrade → USER/PASS → PBSZ 0 → PROT P → TYPE I → EPSV → LIST over a data connection to the control host → QUIT', () => {
    const requests: DataRequest[] = [];
    scheduler().run(({ cold, hot, expectObservable }) => {
      const data = cold<DataNote>('---d|', { d: { kind: 'done', outcome } });
      const events = hot<StartTlsEvent | TlsEvent>('a-b-c-d-e-f-g-h-i-j-----k-l', {
        a: l('220 (vsFTPd 3.0.3)'),
        b: l('234 Proceed with negotiation.'),
        c: connected,
        d: l('331 Please specify the password.'),
        e: l('230 Login successful.'),
        f: l('200 PBSZ set to 0.'),
        g: l('200 PROT now Private.'),
        h: l('200 Switching to Binary mode.'),
        i: l('229 Entering Extended Passive Mode (|||40001|)'),
        j: l('150 Here comes the directory listing.'),
        k: l('226 Directory send OK.'),
        l: l('221 Goodbye.'),
      });
      const dialogue = ftpsDialogue(session(), (r) => (requests.push(r), data));
      // LIST goes out with the EPSV reply; the transfer is done at 226, after the data connection finished (frame 19).
      expectObservable(dialogue(events) as Observable<Outbound>).toBe('a-b-c-d-e-f-g-h-i-------j-|', {
        a: line('AUTH TLS'),
        b: startTls(),
        c: line('USER joe'),
        d: line('PASS s3cret'),
        e: line('PBSZ 0'),
        f: line('PROT P'),
        g: line('TYPE I'),
        h: line('EPSV'),
        i: line('LIST'),
        j: line('QUIT'),
      });
    });
    expect(requests).toEqual([
      {
        id: 1,
        task: { kind: 'list' },
        command: 'LIST',
        mode: 'passive',
        host: 'ftp.test',
        port: 40001,
        serverAddress: '127.0.0.1',
        ticket,
      },
    ]);
  });

  it('a transfer ends only when both the data connection and the 226 are in, in either order', () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      const late = cold<DataNote>('------d|', { d: { kind: 'done', outcome } });
      const events = hot<StartTlsEvent | TlsEvent>('a-b-c-d-e-f-g-h-i-k', {
        ...LOGGED_IN,
        h: l('229 (|||40001|)'),
        i: l('150 x'),
        k: l('226 x'),
      });
      expectObservable(ftpsDialogue(session(), () => late)(events) as Observable<Outbound>).toBe('a-b-c-d-e-f-g-h-----i', {
        ...LOGIN,
        g: line('EPSV'),
        h: line('LIST'),
        i: line('QUIT'),
      });
    });
  });

  it('PASV naming another host: connects to the control host anyway and says so (FTP bounce, NAT)', () => {
    const requests: DataRequest[] = [];
    const notices: string[] = [];
    scheduler().run(({ cold, hot, expectObservable }) => {
      const events = hot<StartTlsEvent | TlsEvent>('a-b-c-d-e-f-g-h', {
        ...LOGGED_IN,
        h: l('227 Entering Passive Mode (10,9,8,7,156,65).'),
      });
      const dialogue = ftpsDialogue(session({ extended: false }), (r) => (requests.push(r), cold('-')), { notice: (n) => notices.push(n) });
      expectObservable(dialogue(events) as Observable<Outbound>).toBe('a-b-c-d-e-f-g-h', {
        ...LOGIN,
        g: line('PASV'),
        h: line('LIST'),
      });
    });
    expect(requests.map((r) => [r.host, r.port])).toEqual([['ftp.test', 40001]]);
    expect(notices).toEqual(["PASV named 10.9.8.7, not the control connection's peer 127.0.0.1: connecting to ftp.test"]);
  });

  it('active mode: listens first, then EPRT with the port chosen at run time, then the command', () => {
    scheduler().run(({ cold, hot, expectObservable }) => {
      const data = cold<DataNote>('-p', { p: { kind: 'listening', host: '127.0.0.1', port: 40123 } });
      const events = hot<StartTlsEvent | TlsEvent>('a-b-c-d-e-f-g---h', {
        ...LOGGED_IN,
        h: l('200 EPRT command successful.'),
      });
      expectObservable(ftpsDialogue(session({ mode: 'active' }), () => data)(events) as Observable<Outbound>).toBe('a-b-c-d-e-f--g--h', {
        ...LOGIN,
        g: line('EPRT |1|127.0.0.1|40123|'),
        h: line('LIST'),
      });
    });
  });

  it('a failed data connection names it, and the session QUITs; a 522 after an unresumed one says why', () => {
    const failures: FtpError[] = [];
    scheduler().run(({ cold, hot, expectObservable }) => {
      const prefix = {
        ...LOGGED_IN,
        h: l('229 (|||1|)'),
      };
      const broken = cold<DataNote>('-x', { x: { kind: 'failed', error: new Error('certificate check failed: PIN_MISMATCH: …') } });
      expectObservable(
        ftpsDialogue(session({ tasks: [{ kind: 'get', remote: 'a b', local: '/dev/null' }] }), () => broken, {
          failure: (e) => failures.push(e),
        })(hot<StartTlsEvent | TlsEvent>('a-b-c-d-e-f-g-h', prefix)) as Observable<Outbound>,
      ).toBe('a-b-c-d-e-f-g-hi', {
        ...LOGIN,
        g: line('EPSV'),
        h: line('RETR a b'),
        i: line('QUIT'),
      });
      const unresumed = cold<DataNote>('-d', { d: { kind: 'done', outcome: { bytes: 0, sha256: '', resumed: false } } });
      expectObservable(
        ftpsDialogue(session(), () => unresumed, { failure: (e) => failures.push(e) })(
          hot<StartTlsEvent | TlsEvent>('a-b-c-d-e-f-g-h---r-q-z', {
            ...prefix,
            r: l('522 SSL connection failed: session reuse required'),
            q: l('221 x'),
            z: closed,
          }),
        ) as Observable<Outbound>,
      ).toBe('a-b-c-d-e-f-g-h---i-|', {
        ...LOGIN,
        g: line('EPSV'),
        h: line('LIST'),
        i: line('QUIT'),
      });
    });
    expect(failures.map((f) => [f.connection, f.code, f.message])).toEqual([
      ['data', 'DATA', 'data connection for RETR a b: certificate check failed: PIN_MISMATCH: …'],
      [
        'data',
        522,
        "data connection for LIST: the server refused it: 522 SSL connection failed: session reuse required (the data connection did not resume the control connection's TLS session, which this server requires)",
      ],
    ]);
  });

  it('a refused login is a clear error; the password never reaches the transcript', () => {
    const commands: string[] = [];
    const failures: FtpError[] = [];
    scheduler().run(({ hot, expectObservable }) => {
      const events = hot<StartTlsEvent | TlsEvent>('a-b-c-d-e-f', {
        a: l('220 x'),
        b: l('234 x'),
        c: connected,
        d: l('331 x'),
        e: l('530 Login incorrect.'),
        f: l('221 x'),
      });
      expectObservable(
        ftpsDialogue(session(), () => from([]), { command: (c) => commands.push(c), failure: (e) => failures.push(e) })(
          events,
        ) as Observable<Outbound>,
      ).toBe('a-b-c-d-e-|', { a: line('AUTH TLS'), b: startTls(), c: line('USER joe'), d: line('PASS s3cret'), e: line('QUIT') });
    });
    expect(commands).toEqual(['AUTH TLS', 'USER joe', 'PASS ***', 'QUIT']);
    expect(failures.map((f) => f.message)).toEqual(['login failed: 530 Login incorrect.']);
  });
});

describe('ftps-client arguments', () => {
  it('reads the password from the named environment variable only, and one task', () => {
    expect(parseFtpsArguments(['--host', 'h', '--user', 'u', '--password-env', 'PW', '--active', 'get', 'a', 'b'], { PW: 'x' })).toEqual({
      host: 'h',
      port: 21,
      user: 'u',
      password: 'x',
      mode: 'active',
      extended: true,
      tasks: [{ kind: 'get', remote: 'a', local: 'b' }],
    });
    expect(() => parseFtpsArguments(['--host', 'h', '--user', 'u', '--password-env', 'PW', 'ls'], {})).toThrow(
      'the environment variable PW (--password-env) is not set',
    );
    expect(() => parseFtpsArguments(['--host', 'h', '--password', 'x', 'ls'], {})).toThrow(/unknown argument --password/);
  });
});

describeWithVsftpd('the FTPS client against vsftpd (require_ssl_reuse=YES)', () => {
  let pki: TestPki;
  let server: RunningVsftpd;
  let local: string;
  const files = new Map<string, Buffer>([
    ['crlf.txt', Buffer.from('line one\r\nline two\r\n\r\nbare\nlf and \r lone cr\r\n')],
    ['zeros.bin', Buffer.alloc(4096, 0)],
    ['random.bin', randomBytes(5 * 1024 * 1024)],
  ]);
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  beforeAll(async () => {
    pki = await createTestPki();
    server = await startVsftpd(pki);
    local = await mkdtemp(join(tmpdir(), 'rxtls-ftps-local-'));
    for (const [name, bytes] of files) {
      await writeFile(join(server.root, name), bytes);
      await writeFile(join(local, name), bytes);
    }
  }, 20_000);
  afterAll(async () => {
    await server?.stop();
    if (local) await rm(local, { recursive: true, force: true });
  });
  const options = (over: Partial<FtpsClientOptions>): FtpsClientOptions => ({
    host: 'localhost',
    port: server.port,
    ca: pki.ca.cert,
    user: server.user,
    password: server.password,
    mode: 'passive',
    tasks: [],
    ...over,
  });
  const withLog = async <T>(run: Promise<T>): Promise<T> =>
    run.catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}\n--- vsftpd log ---\n${(await server.log()).slice(-3000)}`);
    });

  it.each([
    ['passive, EPSV', 'passive', true],
    ['active, EPRT', 'active', true],
    ['passive, PASV', 'passive', false],
    ['active, PORT', 'active', false],
  ] as const)(
    '%s: lists, downloads and uploads byte for byte, each data connection verified and resumed',
    async (_name, mode, extended) => {
      const tag = `${mode}-${extended ? 'x' : 'p'}`;
      const gets = [...files.keys()].map((name) => ({ kind: 'get' as const, remote: name, local: join(local, `${tag}-got-${name}`) }));
      const puts = [...files.keys()].map((name) => ({ kind: 'put' as const, local: join(local, name), remote: `incoming/${tag}-${name}` }));
      const summary = await withLog(
        firstValueFrom(runFtpsClient(options({ mode, extended, tasks: [{ kind: 'list' }, ...gets, ...puts] }))),
      );
      expect(summary.protocol).toBe('TLSv1.3');
      expect(summary.results.every((r) => r.resumed)).toBe(true);
      expect(summary.results[0]?.entries?.filter((e) => e.kind === 'file').map((e) => [e.name, e.size])).toEqual(
        [...files].map(([name, bytes]) => [name, bytes.length]).sort(),
      );
      for (const [i, [name, bytes]] of [...files].entries()) {
        const got = summary.results[1 + i];
        expect([got?.command, got?.bytes, got?.sha256, got?.reply.code]).toEqual([`RETR ${name}`, bytes.length, sha256(bytes), 226]);
        expect(sha256(await readFile(join(local, `${tag}-got-${name}`)))).toBe(sha256(bytes));
        const put = summary.results[1 + files.size + i];
        expect([put?.command, put?.sha256, put?.reply.code]).toEqual([`STOR incoming/${tag}-${name}`, sha256(bytes), 226]);
        expect(sha256(await readFile(join(server.root, 'incoming', `${tag}-${name}`)))).toBe(sha256(bytes));
      }
      expect(summary.transcript).toContain('C: PASS ***');
      expect(summary.transcript.join('\n')).not.toContain(server.password);
    },
    20_000,
  );

  it('negative control: without session reuse vsftpd refuses the data connection, and the client says why', async () => {
    const error = await firstValueFrom(runFtpsClient(options({ reuseSession: false, tasks: [{ kind: 'list' }] }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FtpError);
    expect((error as FtpError).connection).toBe('data');
    expect((error as Error).message).toBe(
      "data connection for LIST: the server refused it: 522 SSL connection failed: session reuse required (the data connection did not resume the control connection's TLS session, which this server requires)",
    );
  });

  it("data connections are judged by the control connection's policy: one it rejects aborts the transfer, named", async () => {
    let judged = 0;
    const onlyTheFirst = custom(() => ++judged === 1, 'control-only'); // accepts the control connection, no data connection
    const error = await firstValueFrom(
      runFtpsClient(
        options({ verify: allOf(strict(), onlyTheFirst), tasks: [{ kind: 'get', remote: 'crlf.txt', local: join(local, 'never.txt') }] }),
      ),
    ).catch((e: unknown) => e);
    expect(judged).toBe(2);
    await expect(readFile(join(local, 'never.txt'))).rejects.toThrow(/ENOENT/); // nothing written from an unverified connection
    expect([(error as FtpError).connection, (error as Error).message]).toEqual([
      'data',
      'data connection for RETR crlf.txt: certificate check failed: CUSTOM_REJECTED: rejected by the policy "control-only"',
    ]);
  });

  it('a certificate the policy rejects fails the control connection before anything is sent', async () => {
    const other = await pki.otherAuthority();
    const logins = async () => ((await server.log()).match(/"USER /g) ?? []).length;
    const before = await logins();
    const error = await firstValueFrom(runFtpsClient(options({ ca: other.cert, tasks: [{ kind: 'list' }] }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateRejected);
    expect((error as CertificateRejected).reasons).toEqual([
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY: unable to get local issuer certificate',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate',
    ]);
    expect(await logins()).toBe(before);
  });

  it('a wrong password and a missing file are clear errors naming the command', async () => {
    const login = await firstValueFrom(runFtpsClient(options({ password: 'wrong', tasks: [{ kind: 'list' }] }))).catch((e: unknown) => e);
    expect((login as Error).message).toBe('login failed: 530 Login incorrect.');
    const missing = await firstValueFrom(
      runFtpsClient(options({ tasks: [{ kind: 'get', remote: 'nope.bin', local: join(local, 'nope.bin') }] })),
    ).catch((e: unknown) => e);
    expect([(missing as FtpError).connection, (missing as Error).message]).toEqual([
      'control',
      'RETR nope.bin failed: 550 Failed to open file.',
    ]);
  });
});
