import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, type Subscription } from 'rxjs';
import { parseTicketKeyFile, ticketKeysFromFile } from '../../lib';
import { eventually } from '../support/collect';

let dir: string;
let files = 0;
const subscriptions: Subscription[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rxtls-ticket-keys-'));
});
afterEach(() => subscriptions.splice(0).forEach((s) => s.unsubscribe()));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function keyFile(contents: string | Buffer, mode = 0o600): Promise<string> {
  const path = join(dir, `ticket-${++files}.keys`);
  await writeFile(path, contents, { mode });
  await chmod(path, mode); // the umask may have taken bits off
  return path;
}

describe('parseTicketKeyFile', () => {
  const [a, b] = [randomBytes(48), randomBytes(48)];

  it('raw bytes, 48 a key (openssl rand 48 > FILE; 96 bytes: two keys)', () => {
    expect(parseTicketKeyFile(a, 'f')).toEqual([a]);
    expect(parseTicketKeyFile(Buffer.concat([a, b]), 'f')).toEqual([a, b]);
  });

  it('text: a key a line in hex or base64, comments and blank lines ignored, the first key first', () => {
    const text = `# rotated 2026-12-01\n${a.toString('hex')}\r\n\n  ${b.toString('base64')}  \n`;
    expect(parseTicketKeyFile(Buffer.from(text), 'f')).toEqual([a, b]);
  });

  it.each([
    ['raw bytes not a multiple of 48', Buffer.concat([a, Buffer.from([0, 1, 2])]), /holds 51 bytes, not 48 a key/],
    ['a short hex line', Buffer.from(`${a.toString('hex')}\n${b.toString('hex').slice(2)}\n`), /has a line 2 that is not a 48-byte key/],
    ['only comments', Buffer.from('# nothing yet\n'), /holds no key/],
    ['nothing', Buffer.alloc(0), /holds no key/],
  ])('refuses %s, naming the file and never a key', (_name, contents, message) => {
    let error: Error | undefined;
    try {
      parseTicketKeyFile(contents, '/etc/rxtls/ticket.keys');
    } catch (thrown) {
      error = thrown as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).toMatch(/option "ticketKeys" names a file that .*\(got "\/etc\/rxtls\/ticket.keys"\)/);
    expect(error?.message).not.toContain(b.toString('hex').slice(4, 20));
  });
});

describe('ticketKeysFromFile', () => {
  it('emits the keys, then the new ones each time the file is replaced', async () => {
    const [a, b] = [randomBytes(48), randomBytes(48)];
    const path = await keyFile(a);
    const seen: Buffer[][] = [];
    subscriptions.push(ticketKeysFromFile(path, { pollInterval: 20 }).subscribe((keys) => seen.push(keys)));
    await eventually(() => seen.length === 1, 5000, 'the first keys');
    expect(seen[0]).toEqual([a]);
    // Rotation as an operator would do it: a new file renamed over the old one.
    const next = await keyFile(`${b.toString('hex')}\n${a.toString('hex')}\n`);
    await rename(next, path);
    await eventually(() => seen.length === 2, 5000, 'the rotated keys');
    expect(seen[1]).toEqual([b, a]);
  });

  it('refuses a file every user may read, saying why and how to fix it', async () => {
    const path = await keyFile(randomBytes(48), 0o644);
    await expect(firstValueFrom(ticketKeysFromFile(path))).rejects.toThrow(
      /option "ticketKeys" names a file every user of this machine may read \(mode 644\): chmod 600 it/,
    );
  });

  it('a missing file is the error of the first read', async () => {
    await expect(firstValueFrom(ticketKeysFromFile(join(dir, 'absent.keys')))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a later bad version goes to onInvalid and the keys stay: nothing is emitted', async () => {
    const path = await keyFile(randomBytes(48));
    const seen: Buffer[][] = [];
    const invalid: Error[] = [];
    subscriptions.push(
      ticketKeysFromFile(path, { pollInterval: 20, onInvalid: (e) => invalid.push(e) }).subscribe((keys) => seen.push(keys)),
    );
    await eventually(() => seen.length === 1, 5000, 'the first keys');
    await writeFile(path, 'not a key\n');
    await eventually(() => invalid.length >= 1, 5000, 'the report of the bad version');
    expect(invalid[0]?.message).toMatch(/has a line 1 that is not a 48-byte key/);
    await chmod(path, 0o604);
    await writeFile(path, randomBytes(48));
    await eventually(() => invalid.length >= 2, 5000, 'the report of the readable file');
    expect(invalid.at(-1)?.message).toMatch(/every user of this machine may read \(mode 604\)/);
    expect(seen).toHaveLength(1);
  });

  it('stops watching when unsubscribed', async () => {
    const path = await keyFile(randomBytes(48));
    const seen: Buffer[][] = [];
    const subscription = ticketKeysFromFile(path, { pollInterval: 20 }).subscribe((keys) => seen.push(keys));
    await eventually(() => seen.length === 1, 5000, 'the first keys');
    subscription.unsubscribe();
    await writeFile(path, randomBytes(48));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toHaveLength(1);
  });

  it.each([[0], [-5], [1.5]])('pollInterval %p is refused', (pollInterval) => {
    expect(() => ticketKeysFromFile('x', { pollInterval })).toThrow(
      /option "pollInterval" must be a whole number of milliseconds, more than 0/,
    );
  });
});
