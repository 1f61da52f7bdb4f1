import { firstValueFrom, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { line, type Outbound, type TlsEvent } from '../../lib';
import { createTestPki, fakeConnected, startTlsServer, type TestPki, type TestServer } from '../../lib/testing';
import { CertificateRejected, describeFailure } from '../../examples/command-line';
import { imapPlan, parseImapArguments, runImapClient } from '../../examples/imap-client';
import { imapDialogue, ImapError, quoted, type Completion } from '../../examples/imap/dialogue';
import { decodeHeader, formatAddresses, parseImap } from '../../examples/imap/parse';

const l = (text: string, literal?: string): TlsEvent =>
  literal === undefined ? { type: 'line', text } : { type: 'line', text, literal: Buffer.from(literal) };
const plan = imapPlan({ user: 'joe', password: 's3cret "x"', mailbox: 'INBOX' });

describe('the IMAP dialogue, marble-tested without a socket', () => {
  it('greeting → LOGIN → LIST → SELECT → FETCH newest → LOGOUT, each after the previous tagged OK', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const events = cold<TlsEvent>('c-g-1-Ll-2-xs-3-fbB-4-y5-z|', {
        c: fakeConnected(),
        g: l('* OK [CAPABILITY IMAP4rev1] ready'),
        1: l('a1 OK logged in'),
        L: l('* LIST (\\HasNoChildren) "." INBOX'),
        l: l('* LIST (\\HasNoChildren) "." Archive'),
        2: l('a2 OK List completed'),
        x: l('* 2 EXISTS'),
        s: l('* 0 RECENT'),
        3: l('a3 OK [READ-WRITE] Select completed'),
        f: l('* 2 FETCH (ENVELOPE ("date" "subj" NIL NIL NIL NIL NIL NIL NIL "<id>") BODY[TEXT] {5}', 'hi\r\n!'),
        b: l(')'),
        B: l('* 2 FETCH (FLAGS (\\Seen))'),
        4: l('a4 OK Fetch completed'),
        y: l('* BYE Logging out'),
        z: { type: 'closed', by: 'peer', clean: true },
        5: l('a5 OK Logout completed'),
      });
      // Each command goes out on the frame its predecessor's tagged OK arrives; a5's OK ends it.
      expectObservable(imapDialogue(plan)(events) as Observable<Outbound>).toBe('--a-b----c----d-----e--|', {
        a: line('a1 LOGIN "joe" "s3cret \\"x\\""'),
        b: line('a2 LIST "" "*"'),
        c: line('a3 SELECT "INBOX"'),
        d: line('a4 FETCH 2 (ENVELOPE BODY.PEEK[TEXT])'),
        e: line('a5 LOGOUT'),
      });
    });
  });

  it('after a NO it logs out, and reports the failed command with the password redacted', () => {
    const completions: Completion[] = [];
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const events = cold<TlsEvent>('g-n-o|', {
        g: l('* OK ready'),
        n: l('a1 NO [AUTHENTICATIONFAILED] Authentication failed.'),
        o: l('a2 OK bye'),
      });
      expectObservable(imapDialogue(plan, { completion: (c) => completions.push(c) })(events) as Observable<Outbound>).toBe('a-b-|', {
        a: line('a1 LOGIN "joe" "s3cret \\"x\\""'),
        b: line('a2 LOGOUT'),
      });
    });
    expect(completions.map((c) => `${c.tag} ${c.command} → ${c.status}`)).toEqual(['a1 LOGIN "joe" *** → NO', 'a2 LOGOUT → OK']);
  });

  it('reports a server that closes mid-command, and one that refuses with BYE', () => {
    const failures: ImapError[] = [];
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const midCommand = cold<TlsEvent>('g-z|', { g: l('* OK ready'), z: { type: 'closed', by: 'peer', clean: true } });
      expectObservable(imapDialogue(plan, { failure: (e) => failures.push(e) })(midCommand) as Observable<Outbound>).toBe('a-|', {
        a: line('a1 LOGIN "joe" "s3cret \\"x\\""'),
      });
      const refused = cold<TlsEvent>('b|', { b: l('* BYE too many connections') });
      expectObservable(imapDialogue(plan, { failure: (e) => failures.push(e) })(refused) as Observable<Outbound>).toBe('|');
    });
    expect(failures.map((f) => [f.code, f.message])).toEqual([
      ['BYE', 'the server refused the connection: too many connections'],
      ['CLOSED', 'the server closed the connection while a1 LOGIN "joe" *** was pending'],
    ]);
  });

  it('skips LOGIN after PREAUTH and FETCH in an empty mailbox', () => {
    const done = (command: string, ...untagged: string[]): Completion => ({
      tag: 'a',
      command,
      status: 'OK',
      text: '',
      untagged: untagged.map((text) => ({ kind: 'untagged', text, literals: [] })),
    });
    expect(plan({ status: 'PREAUTH', text: '' }, [])).toBe('LIST "" "*"');
    expect(plan({ status: 'OK', text: '' }, [done('LOGIN'), done('LIST'), done('SELECT "INBOX"', '0 EXISTS')])).toBe('LOGOUT');
  });
});

describe('IMAP data syntax', () => {
  it('parses lists, quoted strings with escapes, NIL, numbers, bracketed atoms and literals', () => {
    expect(parseImap('1 FETCH (ENVELOPE ("a \\"b\\"" NIL) BODY[HEADER.FIELDS (FROM)] {3})', [Buffer.from('x\r\n')])).toEqual([
      1,
      'FETCH',
      ['ENVELOPE', ['a "b"', null], 'BODY[HEADER.FIELDS (FROM)]', Buffer.from('x\r\n')],
    ]);
  });

  it('decodes RFC 2047 encoded words and formats addresses', () => {
    expect(decodeHeader('=?UTF-8?B?R3LDvMOfZQ==?= =?UTF-8?Q?_aus_Oslo?=')).toBe('Grüße aus Oslo');
    expect(decodeHeader('=?ISO-8859-1?Q?caf=E9?=')).toBe('café');
    expect(
      formatAddresses([
        ['=?UTF-8?B?w4VzZQ==?=', null, 'ase', 'example.test'],
        [null, null, 'bo', 'example.test'],
      ]),
    ).toBe('Åse <ase@example.test>, bo@example.test');
  });

  it('quotes strings safely, and refuses what a quoted string cannot hold', () => {
    expect(quoted('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(() => quoted('a\r\nb')).toThrow(ImapError);
  });
});

describe('the IMAP client against scripted servers', () => {
  let pki: TestPki;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    pki = await createTestPki();
  });
  afterEach(() => Promise.all(servers.splice(0).map((s) => s.close())));

  /** A server that answers each tagged command from a script; `*` lines first, then the tagged status. */
  async function scripted(
    greeting: string,
    answer: (tag: string, command: string) => string[] | 'hang-up',
  ): Promise<{ server: TestServer; received: string[] }> {
    const received: string[] = [];
    const server = await startTlsServer({
      ...(await pki.leaf()),
      greeting: `${greeting}\r\n`,
      onConnection: (socket) => {
        let buffered = '';
        socket.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          for (let end = buffered.indexOf('\r\n'); end !== -1; end = buffered.indexOf('\r\n')) {
            const text = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            received.push(text);
            const [tag = '', ...rest] = text.split(' ');
            const reply = answer(tag, rest.join(' '));
            if (reply === 'hang-up') return void socket.destroy();
            socket.write(reply.map((r) => `${r}\r\n`).join(''));
            if (/^LOGOUT/i.test(rest.join(' '))) socket.end();
          }
        });
      },
    });
    servers.push(server);
    return { server, received };
  }
  const options = (port: number) => ({ host: 'localhost', port, ca: pki.ca.cert, user: 'joe', password: 'pw', mailbox: 'INBOX' });

  it('a BAD answer is a clear error, and the client still logs out before closing', async () => {
    const { server, received } = await scripted('* OK ready', (tag, command) =>
      /^LOGIN/.test(command) ? [`${tag} OK`] : /^LIST/.test(command) ? [`${tag} BAD unknown command`] : [`* BYE`, `${tag} OK bye`],
    );
    const error = await firstValueFrom(runImapClient(options(server.port))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImapError);
    expect((error as Error).message).toBe('LIST "" "*" failed: a2 BAD unknown command');
    expect(received).toEqual(['a1 LOGIN "joe" "pw"', 'a2 LIST "" "*"', 'a3 LOGOUT']);
  });

  it('a server that hangs up mid-command is a clear error', async () => {
    const { server } = await scripted('* OK ready', (tag, command) => (/^LOGIN/.test(command) ? [`${tag} OK`] : 'hang-up'));
    const error = await firstValueFrom(runImapClient(options(server.port))).catch((e: unknown) => e);
    expect((error as ImapError).code).toBe('CLOSED');
    expect((error as Error).message).toBe('the server closed the connection while a2 LIST "" "*" was pending');
  });

  it('an untrusted server is a certificate error before anything is sent', async () => {
    const received: string[] = [];
    const server = await startTlsServer({
      ...(await pki.selfSigned()),
      greeting: '* OK ready\r\n',
      onConnection: (s) => s.on('data', (d: Buffer) => received.push(d.toString())),
    });
    servers.push(server);
    const error = await firstValueFrom(runImapClient(options(server.port))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateRejected);
    expect((error as CertificateRejected).reasons).toEqual(['DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate']);
    expect((error as CertificateRejected).explanation.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    const printed = describeFailure(error as Error).split('\n');
    expect(printed.slice(0, 2)).toEqual(['Certificate check failed:', '  DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate']);
    expect(printed[2]).toBe((error as CertificateRejected).explanation.cause);
    expect(printed[3]).toBe(`Fix: ${(error as CertificateRejected).explanation.fix}`);
    expect(received).toEqual([]);
  });
});

describe('imap-client arguments', () => {
  it('reads the password from the named environment variable only', () => {
    const parsed = parseImapArguments(['--host', 'h', '--user', 'u', '--password-env', 'PW', '--port', '1993'], { PW: 'pa55' });
    expect(parsed).toEqual({ host: 'h', port: 1993, user: 'u', password: 'pa55', mailbox: 'INBOX' });
    expect(() => parseImapArguments(['--host', 'h', '--user', 'u', '--password-env', 'PW'], {})).toThrow(
      'the environment variable PW (--password-env) is not set',
    );
    expect(() => parseImapArguments(['--host', 'h', '--user', 'u', '--password', 'x'], {})).toThrow(/unknown argument --password/);
  });
});
