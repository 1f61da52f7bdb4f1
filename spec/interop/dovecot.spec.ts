import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstValueFrom, mergeMap, takeWhile } from 'rxjs';
import {
  connectStartTls,
  converse,
  line,
  lines,
  startTls,
  type Dialogue,
  type Outbound,
  type StartTlsEvent,
  type LineEvent,
} from '../../lib';
import { collect } from '../support/collect';
import { createTestPki, type TestPki } from '../../lib/testing';
import { runImapClient, formatSummary } from '../../examples/imap-client';
import { ImapError } from '../../examples/imap/dialogue';
import { describeWithDovecot, PASSWORD, startDovecot, type RunningDovecot } from './dovecot';

const run = promisify(execFile);
const TSX = join(__dirname, '../../node_modules/.bin/tsx');
const example = (name: string) => join(__dirname, '../../examples', name);

describeWithDovecot('interop: the IMAP examples against a real Dovecot', () => {
  let pki: TestPki;
  let dovecot: RunningDovecot;
  let caFile: string;

  beforeAll(async () => {
    pki = await createTestPki();
    dovecot = await startDovecot(pki);
    caFile = join(dovecot.dir, 'ca.pem');
    await import('node:fs/promises').then((fs) => fs.writeFile(caFile, pki.ca.cert));
  }, 30_000);

  afterAll(async () => {
    await dovecot?.stop();
    // stopped by its PID: nothing is left listening
    expect(() => process.kill(dovecot.pid, 0)).toThrow();
  });

  it('logs in, lists, selects, fetches the newest message intact, and logs out', async () => {
    const summary = await firstValueFrom(
      runImapClient({ host: 'localhost', port: dovecot.port, ca: pki.ca.cert, user: 'joe', password: PASSWORD, mailbox: 'INBOX' }),
    );
    expect(summary.greeting).toMatch(/Dovecot .*ready/);
    expect(summary.mailboxes).toEqual(['INBOX']);
    expect(summary.exists).toBe(1);
    expect(summary.newest).toEqual({
      subject: 'Grüße aus Oslo',
      from: 'Åse Nørd <ase@example.test>',
      date: 'Thu, 26 Nov 2026 10:00:00 +0000',
      messageId: '<1@example.test>',
      body: 'Hej Joe,\r\n\r\nblåbærsyltetøy på fredag?\r\n\r\n-- \r\nÅse\r\n',
    });
    // Dovecot's imap process writes "Logged out" as it exits, a moment after our LOGOUT was answered.
    let log = '';
    for (const deadline = Date.now() + 5000; !/Logged out/.test(log) && Date.now() < deadline;) {
      log = await dovecot.log();
      if (!/Logged out/.test(log)) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(log).toMatch(/Logged out/);
  });

  it('reports NO for a mailbox that does not exist', async () => {
    const error = await firstValueFrom(
      runImapClient({ host: 'localhost', port: dovecot.port, ca: pki.ca.cert, user: 'joe', password: PASSWORD, mailbox: 'Nope' }),
    ).catch((e: unknown) => e);
    expect((error as ImapError).message).toMatch(/^SELECT "Nope" failed: a3 NO/);
  });

  it('examples/imap-client.ts as a command: prints the summary and never the password', async () => {
    const { stdout, stderr } = await run(
      TSX,
      [
        example('imap-client.ts'),
        '--host',
        'localhost',
        '--port',
        String(dovecot.port),
        '--ca-dir',
        caFile,
        '--user',
        'joe',
        '--password-env',
        'IMAP_PASSWORD',
      ],
      {
        env: { ...process.env, IMAP_PASSWORD: PASSWORD },
      },
    );
    expect(stdout).toContain('Newest: "Grüße aus Oslo" from Åse Nørd <ase@example.test>');
    expect(stdout).toContain('blåbærsyltetøy på fredag?');
    expect(stdout + stderr).not.toContain(PASSWORD);
  });

  it('examples/imap-greeting.ts reads the * OK greeting', async () => {
    const { stdout } = await run(TSX, [example('imap-greeting.ts'), 'localhost', String(dovecot.port), '--ca-dir', caFile]);
    expect(stdout).toMatch(/^Connected; now waiting for the greeting\nReceived: \* OK .*\n$/);
  });

  it('examples/imap-greeting.ts with the wrong CA prints the certificate failure and never the greeting', async () => {
    const other = await pki.otherAuthority();
    const wrongCa = join(dovecot.dir, 'other-ca.pem');
    await import('node:fs/promises').then((fs) => fs.writeFile(wrongCa, other.cert));
    const failure = await run(TSX, [example('imap-greeting.ts'), 'localhost', String(dovecot.port), '--ca-dir', wrongCa]).catch(
      (e: unknown) => e as { code: number; stdout: string },
    );
    expect('code' in failure && failure.code).toBe(2);
    expect(failure.stdout).toBe(
      'Certificate check failed: unable to get local issuer certificate; unable to verify the first certificate\n',
    );
    expect(failure.stdout).not.toContain('* OK');
  });

  it('formats a summary for people', async () => {
    const summary = await firstValueFrom(
      runImapClient({ host: 'localhost', port: dovecot.port, ca: pki.ca.cert, user: 'joe', password: PASSWORD, mailbox: 'INBOX' }),
    );
    expect(formatSummary(summary).split('\n').slice(2, 4)).toEqual(['Mailboxes: INBOX', 'INBOX: 1 message']);
  });
  it('IMAP STARTTLS on the plaintext port: upgrades, verifies Dovecot, then logs in', async () => {
    const seen: string[] = [];
    let secure = false;
    const dialogue: Dialogue<StartTlsEvent | LineEvent> = (events$) =>
      events$.pipe(
        mergeMap((e): Outbound[] => {
          if (e.type === 'connected') {
            secure = true;
            return [line(`a2 LOGIN joe ${PASSWORD}`)];
          }
          if (e.type !== 'line') return [];
          seen.push(`${secure ? 'tls' : 'plain'}: ${e.text.split(' ').slice(0, 2).join(' ')}`);
          if (!secure && e.text.startsWith('* OK')) return [line('a1 STARTTLS')];
          if (!secure && e.text.startsWith('a1 OK')) return [startTls()];
          if (e.text.startsWith('a2 OK')) return [line('a3 LOGOUT')];
          return [];
        }),
        takeWhile((out) => !(typeof out === 'object' && 'type' in out && out.type === 'line' && out.text === 'a3 LOGOUT'), true),
      );
    const { events, error } = await collect(
      connectStartTls({ host: 'localhost', port: dovecot.starttlsPort, ca: pki.ca.cert }).pipe(lines(), converse(dialogue)),
    );
    expect(error).toBeUndefined();
    expect(seen).toEqual(expect.arrayContaining(['plain: * OK', 'plain: a1 OK', 'tls: a2 OK']));
    expect(events.find((e) => e.type === 'connected')).toMatchObject({ peer: { subject: 'CN=localhost' } });
  });

  // Last: after a failed login Dovecot delays further logins from the same address (its auth penalty).
  it('reports a bad password clearly', async () => {
    const error = await firstValueFrom(
      runImapClient({ host: 'localhost', port: dovecot.port, ca: pki.ca.cert, user: 'joe', password: 'wrong', mailbox: 'INBOX' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImapError);
    expect((error as ImapError).code).toBe('AUTHENTICATIONFAILED');
    expect((error as ImapError).message).toMatch(/^login failed: a1 NO \[AUTHENTICATIONFAILED\]/);
  });
});
