import fc from 'fast-check';
import { delimited, FrameError, lengthField, lengthPrefixed, switching, type LengthFieldOptions, type LengthSize } from '../../lib';
import { respLike } from './resp-like-codec';
import { cutAt, runCodec } from './run-codec';

/** What a framing makes of a whole stream: its frames, and the code it fails with, if any. */
interface Reference {
  readonly frames: string[];
  readonly code?: string;
}

const codeOf = (error: unknown) => (error instanceof FrameError ? error.code : error === undefined ? undefined : (error as Error).message);

/** Length-field framing of a whole stream, written the obvious way. */
function lengthFieldReference(stream: Buffer, o: Required<Omit<LengthFieldOptions, 'maxVarintBytes'>>): Reference {
  const frames: string[] = [];
  let pos = 0;
  while (pos < stream.length) {
    let at = pos + o.lengthOffset;
    let declared: bigint;
    if (o.lengthSize === 'varint') {
      declared = 0n;
      for (let i = 0; ; i++) {
        if (i === 10) return { frames, code: 'ERR_RXTLS_FRAME_LENGTH_INVALID' };
        if (at >= stream.length) return { frames, code: 'ERR_RXTLS_FRAME_TRUNCATED' };
        const byte = stream[at++] as number;
        declared += BigInt(byte & 0x7f) << BigInt(7 * i);
        if (declared + BigInt(o.lengthAdjustment) > BigInt(o.maxFrameLength)) return { frames, code: 'ERR_RXTLS_FRAME_TOO_LONG' };
        if ((byte & 0x80) === 0) break;
      }
    } else {
      if (at + o.lengthSize > stream.length) return { frames, code: 'ERR_RXTLS_FRAME_TRUNCATED' };
      const field = stream.subarray(at, at + o.lengthSize);
      const ordered = o.byteOrder === 'little' ? Buffer.from(field).reverse() : field;
      declared = BigInt(`0x${ordered.toString('hex')}`);
      at += o.lengthSize;
    }
    const length = declared + BigInt(o.lengthAdjustment);
    if (length < 0n) return { frames, code: 'ERR_RXTLS_FRAME_LENGTH_INVALID' };
    if (length > BigInt(o.maxFrameLength)) return { frames, code: 'ERR_RXTLS_FRAME_TOO_LONG' };
    const end = at + Number(length);
    if (end > stream.length) return { frames, code: 'ERR_RXTLS_FRAME_TRUNCATED' };
    frames.push(stream.subarray(o.header === 'keep' ? pos : at, end).toString('hex'));
    pos = end;
  }
  return { frames };
}

/** Delimiter framing of a whole stream. */
function delimitedReference(stream: Buffer, delimiter: Buffer, max: number): Reference {
  const frames: string[] = [];
  let pos = 0;
  for (let at = stream.indexOf(delimiter, pos); at !== -1; at = stream.indexOf(delimiter, pos)) {
    if (at - pos > max) return { frames, code: 'ERR_RXTLS_FRAME_TOO_LONG' };
    frames.push(stream.subarray(pos, at).toString('hex'));
    pos = at + delimiter.length;
  }
  const rest = stream.length - pos;
  if (rest > max + delimiter.length - 1) return { frames, code: 'ERR_RXTLS_FRAME_TOO_LONG' };
  return rest > 0 ? { frames, code: 'ERR_RXTLS_FRAME_TRUNCATED' } : { frames };
}

const cuts = (max: number) => fc.array(fc.integer({ min: 0, max }), { maxLength: 12 });

const lengthOptions = fc.record({
  lengthOffset: fc.integer({ min: 0, max: 3 }),
  lengthSize: fc.constantFrom<LengthSize>(1, 2, 3, 4, 8, 'varint'),
  byteOrder: fc.constantFrom<'big' | 'little'>('big', 'little'),
  lengthAdjustment: fc.integer({ min: -3, max: 3 }),
  header: fc.constantFrom<'strip' | 'keep'>('strip', 'keep'),
  maxFrameLength: fc.integer({ min: 0, max: 40 }),
});

/** A stream of mostly well-formed frames for `o`, with arbitrary bytes after them. */
const lengthStream = (o: Required<Omit<LengthFieldOptions, 'maxVarintBytes'>>) =>
  fc
    .tuple(
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 3 }), fc.uint8Array({ minLength: 3, maxLength: 45 })), { maxLength: 6 }),
      fc.uint8Array({ maxLength: 12 }),
    )
    .map(([frames, tail]) =>
      Buffer.concat([
        ...frames.map(([prefix, body]) =>
          Buffer.concat([
            Buffer.from(prefix).subarray(0, o.lengthOffset),
            Buffer.alloc(o.lengthOffset - Math.min(prefix.length, o.lengthOffset)),
            lengthPrefixed(body, o).subarray(0),
          ]),
        ),
        Buffer.from(tail),
      ]),
    );

describe('properties of the codecs', () => {
  it('lengthField: any chunking of any stream gives the frames (and the failure) of a reference, holding at most maxFrameLength + a header', () => {
    fc.assert(
      fc.property(
        lengthOptions.chain((o) => fc.tuple(fc.constant(o), lengthStream(o), cuts(400))),
        ([o, stream, at]) => {
          const run = runCodec(lengthField(o), cutAt(stream, at));
          const reference = lengthFieldReference(stream, o);
          expect({ frames: run.frames, code: codeOf(run.error) }).toEqual({ frames: reference.frames, code: reference.code });
          const header = o.lengthOffset + (o.lengthSize === 'varint' ? 10 : o.lengthSize);
          expect(run.maxBuffered).toBeLessThanOrEqual(o.maxFrameLength + header);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('delimited: any chunking gives the frames (and the failure) of a reference, holding at most maxFrameLength + a delimiter', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3 }).map((d) => Buffer.from(d.map((b) => b % 3))),
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 120 }).map((b) => Buffer.from(b)),
        fc.integer({ min: 0, max: 20 }),
        cuts(120),
        (delimiter, stream, max, at) => {
          const run = runCodec(delimited(delimiter, { maxFrameLength: max }), cutAt(stream, at));
          const reference = delimitedReference(stream, delimiter, max);
          expect({ frames: run.frames, code: codeOf(run.error) }).toEqual({ frames: reference.frames, code: reference.code });
          expect(run.maxBuffered).toBeLessThanOrEqual(max + delimiter.length - 1);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('mixed, lines then frames: switching() cuts where the announcing line ends, however the bytes are chunked', () => {
    const codec = switching(delimited('\r\n'), (frame) => (frame.toString() === 'BINARY' ? lengthField({ lengthSize: 2 }) : undefined));
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Z ]{0,8}$/), { maxLength: 4 }),
        fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 5 }),
        cuts(200),
        (lines, bodies, at) => {
          const text = lines.filter((l) => l !== 'BINARY');
          const stream = Buffer.concat([
            Buffer.from([...text, 'BINARY'].map((l) => `${l}\r\n`).join('')),
            ...bodies.map((b) => lengthPrefixed(b, { lengthSize: 2 })),
          ]);
          const run = runCodec(codec, cutAt(stream, at));
          expect(run.error).toBeUndefined();
          expect(run.frames).toEqual(
            [...text, 'BINARY'].map((l) => Buffer.from(l).toString('hex')).concat(bodies.map((b) => Buffer.from(b).toString('hex'))),
          );
        },
      ),
    );
  });

  it('mixed, RESP-like lines and counted bulk bytes in one user codec: any chunking gives the same frames', () => {
    const reply = fc.oneof(
      fc.stringMatching(/^[+\-:][a-zA-Z0-9 ]{0,10}$/).map((line) => ({ wire: `${line}\r\n`, frame: Buffer.from(line) })),
      fc.uint8Array({ maxLength: 20 }).map((bytes) => ({
        wire: Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), Buffer.from(bytes), Buffer.from('\r\n')]),
        frame: Buffer.from(bytes),
      })),
    );
    fc.assert(
      fc.property(fc.array(reply, { maxLength: 8 }), cuts(200), (replies, at) => {
        const stream = Buffer.concat(replies.map((r) => Buffer.from(r.wire as string)));
        const run = runCodec(respLike(64), cutAt(stream, at));
        expect(run.error).toBeUndefined();
        expect(run.frames).toEqual(replies.map((r) => r.frame.toString('hex')));
        expect(run.maxBuffered).toBeLessThanOrEqual(64 + 2 + 22);
      }),
    );
  });
});
