import fc from 'fast-check';
import {
  encodeCommand,
  encodeCommands,
  encodeReply,
  parseReply,
  respReplies,
  RespError,
  RespProtocolError,
  type RespValue,
} from '../../../examples/redis/resp';

const line = fc.string({ maxLength: 30, unit: 'binary' }).filter((s) => !/[\r\n]/.test(s));
const bulk = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
/** Any RESP2 reply, nested arrays included; bulk strings hold any bytes, CRLF and NUL among them. */
const { reply: anyReply } = fc.letrec<{ reply: RespValue }>((tie) => ({
  reply: fc.oneof(
    { depthSize: 'small' },
    line,
    line.map((m) => new RespError(m)),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    bulk,
    fc.constant(null),
    fc.array(tie('reply'), { maxLength: 6 }),
  ),
}));

/** The longest line of a reply's encoding, without its CRLF (type byte included). */
function longestLine(value: RespValue): number {
  if (value === null) return 3;
  if (value instanceof RespError) return 1 + Buffer.byteLength(value.message);
  if (typeof value === 'string') return 1 + Buffer.byteLength(value);
  if (typeof value === 'number') return 1 + String(value).length;
  if (Buffer.isBuffer(value)) return 1 + String(value.length).length;
  return Math.max(1 + String(value.length).length, ...value.map(longestLine));
}

/** Cuts `bytes` at the given points (sorted, deduplicated). */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function decodeAll(chunks: Buffer[], options = {}): Buffer[] {
  const decoder = respReplies(options).decoder();
  const frames: Buffer[] = [];
  const taken = chunks.filter((chunk) => decoder.push(chunk, (f) => frames.push(Buffer.from(f)) > 0) !== chunk.length);
  expect(taken).toEqual([]); // every push took its whole chunk
  decoder.end();
  return frames;
}

describe('RESP2 replies', () => {
  it('parseReply(encodeReply(v)) is v, for every reply', () => {
    fc.assert(fc.property(anyReply, (value) => expect(parseReply(encodeReply(value))).toEqual(value)));
  });

  it('any chunking of any replies gives exactly the replies, one frame each', () => {
    fc.assert(
      fc.property(fc.array(anyReply, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (replies, cuts) => {
        const encoded = replies.map(encodeReply);
        const frames = decodeAll(chunked(Buffer.concat(encoded), cuts));
        expect(frames).toEqual(encoded);
        expect(frames.map(parseReply)).toEqual(replies);
      }),
    );
  });

  it('one byte at a time, a reply spanning many chunks, and a bulk string of CRLFs and NULs', () => {
    const value = [
      Buffer.from('a\r\nb\0\r\n'),
      'OK',
      [Buffer.alloc(20_000, 0), null],
      new RespError('WRONGTYPE Operation against a key holding the wrong kind of value'),
    ];
    const bytes = encodeReply(value);
    expect(decodeAll(chunked(bytes, [...Array(bytes.length).keys()])).map(parseReply)).toEqual([value]);
    expect(decodeAll(chunked(bytes, [7, 10_000, 19_999])).map(parseReply)).toEqual([value]);
  });

  it('a frame is a view of its chunk when the reply came whole', () => {
    const chunk = Buffer.concat([encodeReply('OK'), encodeReply(Buffer.from('v'))]);
    const frames: Buffer[] = [];
    respReplies()
      .decoder()
      .push(chunk, (f) => frames.push(f) > 0);
    expect(frames.map((f) => f.buffer === chunk.buffer)).toEqual([true, true]);
  });

  it('stops right after a frame when emit says so, holding nothing', () => {
    const chunk = Buffer.concat([encodeReply(1), encodeReply(2)]);
    const decoder = respReplies().decoder();
    expect(decoder.push(chunk, () => false)).toBe(4);
    expect(decoder.buffered).toBe(0);
  });

  it('holds at most maxFrameLength bytes, whatever the chunking, and fails with TOO_LONG past it', () => {
    fc.assert(
      fc.property(fc.array(anyReply, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (replies, cuts) => {
        const maxFrameLength = 64;
        const decoder = respReplies({ maxFrameLength, maxLineLength: 32 }).decoder();
        const encoded = replies.map(encodeReply);
        try {
          for (const chunk of chunked(Buffer.concat(encoded), cuts)) {
            decoder.push(chunk, () => true);
            expect(decoder.buffered).toBeLessThanOrEqual(maxFrameLength);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(RespProtocolError);
          expect((error as RespProtocolError).code).toBe('TOO_LONG');
          expect(encoded.some((e) => e.length > maxFrameLength) || Math.max(...replies.map(longestLine)) > 32).toBe(true);
          expect(decoder.buffered).toBe(0);
        }
      }),
    );
  });

  it('fails early on a declared length past the bound, before any of its bytes arrive', () => {
    const decoder = respReplies({ maxFrameLength: 1024 }).decoder();
    expect(() => decoder.push(Buffer.from('$1048576\r\n'), () => true)).toThrow(
      'a reply of 1048576+ bytes is over maxFrameLength (1024 bytes)',
    );
    expect(() =>
      respReplies()
        .decoder()
        .push(Buffer.from('+' + 'x'.repeat(70_000)), () => true),
    ).toThrow('a RESP line is over maxLineLength (65536 bytes)');
  });

  it('refuses what is not RESP, and a stream that ends inside a reply', () => {
    const push = (text: string) => () =>
      respReplies()
        .decoder()
        .push(Buffer.from(text), () => true);
    expect(push('?\r\n')).toThrow('a reply cannot start with byte 0x3f ("?")');
    expect(push('+OK\n')).toThrow('a RESP line must end in CRLF, not a bare LF');
    expect(push('$2\r\nabc\r\n')).toThrow('a bulk string is not followed by CRLF');
    expect(push(':12a\r\n')).toThrow('an integer reply must be an integer, got "12a"');
    const decoder = respReplies().decoder();
    decoder.push(Buffer.from('*2\r\n:1\r\n'), () => true);
    expect(() => decoder.end()).toThrow('the stream ended inside a reply (8 bytes of it held)');
  });

  it('an error reply is a value that names its kind', () => {
    const error = parseReply(Buffer.from('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n')) as RespError;
    expect(error).toBeInstanceOf(RespError);
    expect(error.code).toBe('WRONGTYPE');
    expect(String(error)).toBe('-WRONGTYPE Operation against a key holding the wrong kind of value');
  });
});

describe('RESP2 commands', () => {
  it('are arrays of bulk strings, binary-safe, and a pipeline is their concatenation', () => {
    expect(encodeCommand(['SET', 'k', Buffer.from('a\r\n\0')]).toString('latin1')).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\n\0\r\n');
    expect(encodeCommand(['GET', 'ключ']).toString('utf8')).toBe('*2\r\n$3\r\nGET\r\n$8\r\nключ\r\n');
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(line, bulk, fc.integer()), { minLength: 1, maxLength: 4 }), { maxLength: 5 }), (commands) => {
        expect(encodeCommands(commands)).toEqual(Buffer.concat(commands.map(encodeCommand)));
        // Read back as a server would: each command is an array of bulk strings.
        const frames = decodeAll([encodeCommands(commands)]);
        expect(frames.map(parseReply)).toEqual(commands.map((c) => c.map((a) => (Buffer.isBuffer(a) ? a : Buffer.from(String(a))))));
      }),
    );
    expect(() => encodeCommand([])).toThrow('a command needs at least its name');
  });
});
