import { lastValueFrom, tap, toArray } from 'rxjs';
import { createTestPki, type TestPki } from '../../lib/testing';
import { formatReply, parseRedisArguments, redisCommands, type RedisClientOptions } from '../../examples/redis-client';
import { RedisError, type RedisCommand } from '../../examples/redis/dialogue';
import { RespError } from '../../examples/redis/resp';
import { CertificateRejected } from '../../examples/command-line';
import { describeWithRedis, startRedis, type RunningRedis } from '../interop/redis';

const replies = (options: RedisClientOptions, commands: Iterable<RedisCommand>) =>
  lastValueFrom(redisCommands(options, commands).pipe(toArray()));

describeWithRedis('examples/redis-client.ts against Debian redis-server over TLS', () => {
  let pki: TestPki;
  let server: RunningRedis;
  let options: RedisClientOptions;
  beforeAll(async () => {
    pki = await createTestPki();
    server = await startRedis(pki);
    options = { host: '127.0.0.1', port: server.port, ca: pki.ca.cert, password: server.password };
  });
  afterAll(() => server?.stop());

  it('AUTH, then SET and GET of values holding CRLF, RESP syntax and every byte value, back byte-exact', async () => {
    const crlf = Buffer.from('line one\r\nline two\r\n$5\r\n*1\r\n+OK\r\n');
    const binary = Buffer.from([0, 13, 10, 0, ...Array.from({ length: 256 }, (_, i) => 255 - i), 0]);
    const got = await replies(options, [
      ['SET', 'crlf', crlf],
      ['SET', 'binary', binary],
      ['GET', 'crlf'],
      ['GET', 'binary'],
      ['GET', 'missing'],
      ['STRLEN', 'binary'],
    ]);
    expect(got.map((r) => r.value)).toEqual(['OK', 'OK', crlf, binary, null, binary.length]);
    expect(got.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a server-side error is the value of its command, and the commands after it are answered', async () => {
    const got = await replies(options, [['SET', 'text', 'x'], ['LPUSH', 'text', 'y'], ['NOSUCHCOMMAND'], ['GET', 'text']]);
    const [, wrongType, unknown] = got.map((r) => r.value);
    expect(wrongType).toBeInstanceOf(RespError);
    expect((wrongType as RespError).code).toBe('WRONGTYPE');
    expect((wrongType as RespError).message).toBe('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect((unknown as RespError).code).toBe('ERR');
    expect(got[3]?.value).toEqual(Buffer.from('x'));
    expect(formatReply(wrongType as RespError)).toBe('(error) WRONGTYPE Operation against a key holding the wrong kind of value');
  });

  it('pipelines 10 000 commands, every reply in order with its command', async () => {
    const incr: RedisCommand[] = [['DEL', 'counter'], ...Array.from({ length: 10_000 }, (): RedisCommand => ['INCR', 'counter'])];
    let pulledAhead = 0;
    let answered = 0;
    let pulled = 0;
    const commands = {
      *[Symbol.iterator]() {
        for (const c of incr) {
          pulled++;
          pulledAhead = Math.max(pulledAhead, pulled - answered);
          yield c;
        }
      },
    };
    const got = await lastValueFrom(
      redisCommands({ ...options, maxInFlight: 256 }, commands).pipe(
        tap(() => answered++),
        toArray(),
      ),
    );
    expect(got.map((r) => r.value)).toEqual([expect.any(Number), ...Array.from({ length: 10_000 }, (_, i) => i + 1)]);
    expect(got.every((r, i) => r.index === i && r.command === incr[i])).toBe(true);
    // Taken from the iterable ahead of their replies: never more than the window, and the window was used.
    expect(pulledAhead).toBeLessThanOrEqual(256);
    expect(pulledAhead).toBeGreaterThan(128);
  });

  it('a wrong password is refused with the server’s reason, and no command runs', async () => {
    const error = await replies({ ...options, password: 'wrong' }, [['SET', 'never', 'x']]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisError);
    expect((error as RedisError).code).toBe('AUTH');
    expect((error as Error).message).toMatch(/^the server refused AUTH: WRONGPASS /);
    expect((await replies(options, [['EXISTS', 'never']]))[0]?.value).toBe(0);
  });

  it('a server whose certificate does not name the host is refused', async () => {
    const error = await replies({ ...options, servername: 'redis.example.test' }, [['PING']]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateRejected);
    expect((error as CertificateRejected).reasons.map((r) => r.split(':')[0])).toEqual(['ERR_TLS_CERT_ALTNAME_INVALID']);
  });
});

describe('redis-client arguments and output', () => {
  it('reads the password from the named environment variable only; the rest is the command', () => {
    expect(parseRedisArguments(['--host', 'h', '--password-env', 'PW', 'GET', 'k'], { PW: 'p' })).toEqual({
      options: { host: 'h', port: 6379, password: 'p' },
      command: ['GET', 'k'],
    });
    expect(() => parseRedisArguments(['--host', 'h', '--password-env', 'PW', 'GET'], {})).toThrow(
      'the environment variable PW (--password-env) is not set',
    );
    expect(() => parseRedisArguments(['--host', 'h'], {})).toThrow(/--host and a command are required/);
  });

  it('prints replies as redis-cli does', () => {
    expect(formatReply(['OK', 3, null, Buffer.from('a\r\n\xff', 'latin1'), []])).toBe(
      '1) OK\n2) (integer) 3\n3) (nil)\n4) "a\\r\\n\\xff"\n5) (empty array)',
    );
  });
});
