import fc from 'fast-check';
import { filter, from, lastValueFrom, map, toArray } from 'rxjs';
import { frames, type TlsEvent } from '../../../lib';
import { fakeConnected } from '../../../lib/testing';
import { mqttPackets } from '../../../examples/mqtt/framing';
import {
  connackReason,
  decodePacket,
  encodePacket,
  encodeRemainingLength,
  MAX_REMAINING_LENGTH,
  MqttError,
  readFixedHeader,
  type MqttPacket,
} from '../../../examples/mqtt/packets';

const text = fc.string({ maxLength: 40, unit: 'binary' });
const id = fc.integer({ min: 1, max: 0xffff });
const qos = fc.constantFrom(0 as const, 1 as const);
const payload = fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b));

/** Every packet this client reads or writes, with any field values MQTT allows. */
export const anyPacket: fc.Arbitrary<MqttPacket> = fc.oneof(
  fc
    .record({
      clientId: text,
      keepAlive: fc.integer({ min: 0, max: 0xffff }),
      cleanSession: fc.boolean(),
      credentials: fc.option(fc.tuple(text, fc.option(text, { nil: undefined })), { nil: undefined }),
    })
    .map(({ credentials, ...rest }): MqttPacket => ({
      type: 'connect',
      ...rest,
      ...(credentials && { username: credentials[0] }),
      ...(credentials?.[1] !== undefined && { password: credentials[1] }),
    })),
  fc
    .record({ sessionPresent: fc.boolean(), returnCode: fc.integer({ min: 0, max: 5 }) })
    .map((r): MqttPacket => ({ type: 'connack', ...r })),
  fc
    .record({ topic: text, payload, qos, retain: fc.boolean(), dup: fc.boolean(), packetId: id })
    .map(({ packetId, ...r }): MqttPacket => ({ type: 'publish', ...r, ...(r.qos === 1 && { packetId }) })),
  id.map((packetId): MqttPacket => ({ type: 'puback', packetId })),
  fc
    .record({ packetId: id, subscriptions: fc.array(fc.record({ topic: text, qos }), { minLength: 1, maxLength: 5 }) })
    .map((r): MqttPacket => ({ type: 'subscribe', ...r })),
  fc
    .record({ packetId: id, granted: fc.array(fc.constantFrom(0, 1, 2, 0x80), { maxLength: 5 }) })
    .map((r): MqttPacket => ({ type: 'suback', ...r })),
  fc.constantFrom<MqttPacket>({ type: 'pingreq' }, { type: 'pingresp' }, { type: 'disconnect' }),
);

/** Cuts `bytes` at the given points. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  return [...points, bytes.length].map((p, i) => bytes.subarray(i === 0 ? 0 : points[i - 1], p));
}

/** What `frames(mqttPackets())` makes of these chunks, decoded. */
function framed(chunks: Buffer[], maxPacketLength?: number): Promise<MqttPacket[]> {
  const events: TlsEvent[] = [
    fakeConnected(),
    ...chunks.map((bytes): TlsEvent => ({ type: 'data', bytes })),
    { type: 'closed', by: 'peer', clean: true },
  ];
  return lastValueFrom(
    from(events).pipe(
      frames(mqttPackets(maxPacketLength)),
      filter((e) => e.type === 'frame'),
      map((e) => decodePacket(e.bytes)),
      toArray(),
    ),
  );
}

describe('MQTT 3.1.1 packets', () => {
  it('decode(encode(p)) is p, for every packet', () => {
    fc.assert(fc.property(anyPacket, (packet) => expect(decodePacket(encodePacket(packet))).toEqual(packet)));
  });

  it('through frames(mqttPackets()), any chunking of any packets gives the same packets', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyPacket, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), async (packets, cuts) => {
        expect(await framed(chunked(Buffer.concat(packets.map(encodePacket)), cuts))).toEqual(packets);
      }),
    );
  });

  it('a packet over maxPacketLength fails the stream as soon as its header is read', async () => {
    const header = encodePacket({ type: 'publish', topic: 't', payload: Buffer.alloc(2000), qos: 0, retain: false, dup: false }).subarray(
      0,
      3,
    );
    await expect(framed([header], 1024)).rejects.toMatchObject({ code: 'ERR_RXTLS_FRAME_TOO_LONG' });
  });

  it('the remaining length is the varint of §2.2.3, and says how long the rest of the packet is', () => {
    expect(
      [0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, MAX_REMAINING_LENGTH].map((n) => encodeRemainingLength(n).toString('hex')),
    ).toEqual(['00', '7f', '8001', 'ff7f', '808001', 'ffff7f', '80808001', 'ffffff7f']);
    expect(() => encodeRemainingLength(MAX_REMAINING_LENGTH + 1)).toThrow(MqttError);
    fc.assert(
      fc.property(anyPacket, (packet) => {
        const bytes = encodePacket(packet);
        const { bodyStart, remainingLength } = readFixedHeader(bytes);
        expect(bodyStart + remainingLength).toBe(bytes.length);
      }),
    );
  });

  it('writes the bytes the standard shows: a CONNECT with credentials, a QoS 1 PUBLISH, PINGREQ', () => {
    expect(
      encodePacket({ type: 'connect', clientId: 'c', username: 'u', password: 'p', keepAlive: 60, cleanSession: true }).toString('hex'),
    ).toBe('10' + '13' + '00044d515454' + '04' + 'c2' + '003c' + '000163' + '000175' + '000170');
    expect(
      encodePacket({
        type: 'publish',
        topic: 'a/b',
        payload: Buffer.from([0, 0xff]),
        qos: 1,
        retain: true,
        dup: false,
        packetId: 10,
      }).toString('hex'),
    ).toBe('33' + '09' + '0003612f62' + '000a' + '00ff');
    expect(encodePacket({ type: 'pingreq' }).toString('hex')).toBe('c000');
  });

  it('a 200 KB payload takes a three-byte remaining length and comes back whole', () => {
    const big = Buffer.alloc(200 * 1024, 0xab);
    const bytes = encodePacket({ type: 'publish', topic: 't', payload: big, qos: 0, retain: false, dup: false });
    expect(readFixedHeader(bytes)).toEqual({ bodyStart: 4, remainingLength: 3 + big.length });
    expect((decodePacket(bytes) as { payload: Buffer }).payload.equals(big)).toBe(true);
  });

  it('refuses malformed packets with MALFORMED and a reason', () => {
    const malformed = (hex: string) => {
      try {
        decodePacket(Buffer.from(hex, 'hex'));
      } catch (error) {
        expect(error).toBeInstanceOf(MqttError);
        expect((error as MqttError).code).toBe('MALFORMED');
        return (error as Error).message;
      }
      throw new Error(`decoded ${hex}`);
    };
    expect(malformed('')).toBe('an empty frame is not a packet');
    expect(malformed('200300')).toBe('the remaining length says 3 bytes, the frame holds 1');
    expect(malformed('3603000161')).toBe('PUBLISH with QoS 3');
    expect(malformed('c100')).toBe('PINGREQ has reserved flags 0x1 set');
    expect(malformed('f000')).toBe('packet type 15 is not one this client speaks');
    expect(malformed('ffffffffff01')).toBe('the remaining length runs over four bytes');
    expect(malformed('400101')).toBe('PUBACK ends 1 bytes early');
    expect(malformed('40030001ff')).toBe('PUBACK has 1 bytes too many');
    expect(() => encodePacket({ type: 'connect', clientId: 'c', password: 'p', keepAlive: 0, cleanSession: true })).toThrow(
      'MQTT 3.1.1 sends a password only with a username',
    );
  });

  it('names every CONNACK refusal', () => {
    expect([1, 2, 3, 4, 5, 9].map(connackReason)).toEqual([
      'unacceptable protocol version',
      'identifier rejected',
      'server unavailable',
      'bad user name or password',
      'not authorized',
      'unknown return code 9',
    ]);
  });
});
