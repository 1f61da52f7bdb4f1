import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError, trustOnFirstUse, type CertError, type HandshakeFacts } from '../../lib';
import { fakePeer } from '../../lib/testing';

// The temporary file's random part, made predictable for the spec that plants a file there.
let mockFixedRandom = false;
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, randomBytes: (size: number) => (mockFixedRandom ? Buffer.alloc(size) : actual.randomBytes(size)) };
});

const pinA = `sha256/${Buffer.alloc(32, 1).toString('base64')}`;
const pinB = `sha256/${Buffer.alloc(32, 2).toString('base64')}`;
const facts = (spkiPin: string, remotePort = 993): HandshakeFacts => ({ peer: fakePeer({ spkiPin, remotePort }), problems: [] });
const codes = async (verdict: readonly CertError[] | Promise<readonly CertError[]>) => (await verdict).map((e) => e.code);

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'rxtls-tofu-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));
beforeEach(() => jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

describe('trustOnFirstUse(): the known-hosts file', () => {
  it('reads entries however they are spaced, indented or commented, and writes them back in one format', async () => {
    const file = join(dir, 'spaced');
    await writeFile(file, `# my hosts\n\n   localhost:993 \t ${pinA}\r\nnonsense\n#localhost:994 ${pinB}\n`);
    const tofu = trustOnFirstUse(file);
    expect(await codes(tofu.check(facts(pinB)))).toEqual(['PIN_CHANGED']);
    expect(await codes(tofu.check(facts(pinA)))).toEqual([]);
    expect(await codes(tofu.check(facts(pinB, 994)))).toEqual([]);
    expect(await readFile(file, 'utf8')).toBe(`# rxtls known hosts: host:port SPKI pin\nlocalhost:993 ${pinA}\nlocalhost:994 ${pinB}\n`);
  });

  it('says on stderr, as a SecurityWarning with its code, what it recorded without verifying', async () => {
    const file = join(dir, 'warned');
    await trustOnFirstUse(file).check(facts(pinA));
    expect(process.emitWarning).toHaveBeenCalledWith(
      `trustOnFirstUse: first connection to localhost:993; recorded its key ${pinA} in ${file} without verifying it`,
      { code: 'RXTLS_TOFU_RECORDED', type: 'SecurityWarning' },
    );
  });

  it('names a file it cannot read, with the cause', async () => {
    const unreadable = join(dir, 'a-directory');
    await mkdir(unreadable);
    const error: unknown = await Promise.resolve(trustOnFirstUse(unreadable).check(facts(pinA))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toBe(`option "knownHostsFile" cannot be read (EISDIR) (got ${JSON.stringify(unreadable)})`);
    expect((error as Error).cause).toMatchObject({ code: 'EISDIR' });
  });

  it('names a file it cannot write, with the cause', async () => {
    const error: unknown = await Promise.resolve(trustOnFirstUse(join(dir, 'missing', 'hosts')).check(facts(pinA))).catch(
      (e: unknown) => e,
    );
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('never writes through a file planted at its temporary name', async () => {
    mockFixedRandom = true;
    const file = join(dir, 'planted');
    const target = join(dir, 'target');
    await writeFile(target, 'precious\n');
    await symlink(target, `${file}.${process.pid}.000000000000.tmp`);
    await expect(trustOnFirstUse(file).check(facts(pinA))).rejects.toThrow(/cannot be written \(EEXIST\)/);
    expect(await readFile(target, 'utf8')).toBe('precious\n');
    mockFixedRandom = false;
  });
});

describe('trustOnFirstUse(): options', () => {
  it('needs a file path, and names itself', () => {
    for (const bad of ['', 5]) {
      expect(() => trustOnFirstUse(bad as string)).toThrow(/^option "knownHostsFile" must be a file path/);
    }
    expect(trustOnFirstUse(join(dir, 'named')).name).toBe('trustOnFirstUse');
  });
});
