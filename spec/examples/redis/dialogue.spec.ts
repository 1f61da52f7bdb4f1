import { TestScheduler } from 'rxjs/testing';
import { fakeConnected } from '../../../lib/testing';
import { redisDialogue, RedisError, type RedisCommand, type RedisInbound, type RedisReply } from '../../../examples/redis/dialogue';
import { encodeCommands, encodeReply, RespError, type RespValue } from '../../../examples/redis/resp';

const reply = (value: RespValue): RedisInbound => ({ type: 'frame', bytes: encodeReply(value) });
const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const closed: RedisInbound = { type: 'closed', by: 'peer', clean: true };

describe('the Redis dialogue, marble-tested without a socket', () => {
  it('AUTH first and alone; then the commands pipelined in one write; each reply with its command, an error reply as a value', () => {
    const replies: RedisReply[] = [];
    const commands: RedisCommand[] = [
      ['SET', 'k', Buffer.from('a\r\nb')],
      ['INCR', 'k'],
      ['GET', 'k'],
    ];
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<RedisInbound>('c-a-123', {
        c: fakeConnected(),
        a: reply('OK'),
        1: reply('OK'),
        2: reply(new RespError('ERR value is not an integer or out of range')),
        3: reply(Buffer.from('a\r\nb')),
      });
      expectObservable(redisDialogue(commands, { password: 'pw' }, (r) => replies.push(r))(events)).toBe('A-P---|', {
        A: encodeCommands([['AUTH', 'pw']]),
        P: encodeCommands(commands),
      });
    });
    expect(replies).toEqual([
      { index: 0, command: commands[0], value: 'OK' },
      { index: 1, command: commands[1], value: new RespError('ERR value is not an integer or out of range') },
      { index: 2, command: commands[2], value: Buffer.from('a\r\nb') },
    ]);
    expect(JSON.stringify(replies)).not.toContain('pw');
  });

  it('keeps at most maxInFlight commands unanswered, refilling the window in one write once half of it was answered', () => {
    const get = (i: number): RedisCommand => ['GET', `k${i}`];
    const commands = Array.from({ length: 10 }, (_, i) => get(i));
    let pulled = 0;
    const counted = {
      *[Symbol.iterator]() {
        for (const c of commands) {
          pulled++;
          yield c;
        }
      },
    };
    const pulledAt: number[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const r = reply(null);
      const events = cold<RedisInbound>('c-rr-rr-rr-rr-rr', { c: fakeConnected(), r });
      expectObservable(redisDialogue(counted, { maxInFlight: 4 }, () => pulledAt.push(pulled))(events)).toBe('W--X--Y--Z-----|', {
        W: encodeCommands(commands.slice(0, 4)),
        X: encodeCommands(commands.slice(4, 6)),
        Y: encodeCommands(commands.slice(6, 8)),
        Z: encodeCommands(commands.slice(8, 10)),
      });
    });
    // Never more than 4 commands taken from the iterable ahead of their replies.
    // Taken from the iterable and not yet answered, at each reply: never more than the window.
    expect(pulledAt.map((p, answered) => p - answered)).toEqual([4, 3, 4, 3, 4, 3, 4, 3, 2, 1]);
  });

  it('a refused AUTH ends the session with a clear error, and no command is sent', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<RedisInbound>('c-e', {
        c: fakeConnected(),
        e: reply(new RespError('WRONGPASS invalid username-password pair or user is disabled.')),
      });
      expectObservable(redisDialogue([['GET', 'k']], { password: 'nope' })(events)).toBe(
        'A-#',
        { A: encodeCommands([['AUTH', 'nope']]) },
        new RedisError('AUTH', 'the server refused AUTH: WRONGPASS invalid username-password pair or user is disabled.'),
      );
    });
  });

  it('a close with replies owed is an error that says how many; with nothing owed the dialogue has completed already', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const early = cold<RedisInbound>('c-rz', { c: fakeConnected(), r: reply('OK'), z: closed });
      expectObservable(
        redisDialogue([
          ['SET', 'a', '1'],
          ['SET', 'b', '2'],
        ])(early),
      ).toBe(
        'P--#',
        {
          P: encodeCommands([
            ['SET', 'a', '1'],
            ['SET', 'b', '2'],
          ]),
        },
        new RedisError('CLOSED', 'the server closed the connection with 1 replies owed (2 commands sent, 1 answered)'),
      );
      const stray = cold<RedisInbound>('c-r', { c: fakeConnected(), r: reply('OK') });
      expectObservable(redisDialogue([], { password: 'pw' })(stray)).toBe('A-|', { A: encodeCommands([['AUTH', 'pw']]) });
      const afterAll = cold<RedisInbound>('c-rz', { c: fakeConnected(), r: reply(1), z: closed });
      expectObservable(redisDialogue([['INCR', 'n']])(afterAll)).toBe('P-|', { P: encodeCommands([['INCR', 'n']]) });
    });
  });
});
