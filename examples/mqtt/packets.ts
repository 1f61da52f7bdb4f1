/**
 * MQTT 3.1.1 control packets (OASIS MQTT 3.1.1, §2 and §3): the ones a client that connects,
 * subscribes, publishes at QoS 0 and 1, pings and disconnects needs — as plain values, with a
 * pure `encodePacket` and `decodePacket`. Framing (where one packet ends) is not done here: the
 * `frames` operator cuts the stream at the remaining-length varint, and `decodePacket` reads one
 * whole packet, fixed header included.
 */

/** Why a packet could not be read or written. */
export class MqttError extends Error {
  override readonly name = 'MqttError';
  constructor(
    /**
     * `MALFORMED` (a packet that breaks §2–§3), `CONNACK_REFUSED` (the broker said no), `PROTOCOL`
     * (a packet that is well-formed but not expected now), `KEEPALIVE` (no PINGRESP in time),
     * `CLOSED` (the connection ended with work pending), `OVERFLOW` (a bound was reached),
     * `SUBSCRIBE_REFUSED` (a SUBACK said 0x80).
     */
    readonly code: 'MALFORMED' | 'CONNACK_REFUSED' | 'PROTOCOL' | 'KEEPALIVE' | 'CLOSED' | 'OVERFLOW' | 'SUBSCRIBE_REFUSED',
    message: string,
  ) {
    super(message);
  }
}

/** QoS levels this client speaks: at most once, at least once. */
export type Qos = 0 | 1;

export interface ConnectPacket {
  readonly type: 'connect';
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** Seconds; 0 turns the keepalive off. */
  readonly keepAlive: number;
  readonly cleanSession: boolean;
}
export interface ConnackPacket {
  readonly type: 'connack';
  readonly sessionPresent: boolean;
  /** 0 accepted; 1–5 refused (see {@link connackReason}). */
  readonly returnCode: number;
}
export interface PublishPacket {
  readonly type: 'publish';
  readonly topic: string;
  readonly payload: Buffer;
  /** QoS 2 may arrive from a broker that was asked for it; this client never asks. */
  readonly qos: Qos | 2;
  readonly retain: boolean;
  readonly dup: boolean;
  /** Present for QoS > 0. */
  readonly packetId?: number;
}
export interface PubackPacket {
  readonly type: 'puback';
  readonly packetId: number;
}
export interface SubscribePacket {
  readonly type: 'subscribe';
  readonly packetId: number;
  readonly subscriptions: readonly { readonly topic: string; readonly qos: Qos }[];
}
export interface SubackPacket {
  readonly type: 'suback';
  readonly packetId: number;
  /** Per subscription, the granted QoS, or 0x80 for a refusal. */
  readonly granted: readonly number[];
}
export interface PingreqPacket {
  readonly type: 'pingreq';
}
export interface PingrespPacket {
  readonly type: 'pingresp';
}
export interface DisconnectPacket {
  readonly type: 'disconnect';
}

/** Every packet this client reads or writes. */
export type MqttPacket =
  | ConnectPacket
  | ConnackPacket
  | PublishPacket
  | PubackPacket
  | SubscribePacket
  | SubackPacket
  | PingreqPacket
  | PingrespPacket
  | DisconnectPacket;

/** The largest remaining length four varint bytes can say (§2.2.3): 268 435 455. */
export const MAX_REMAINING_LENGTH = 268_435_455;

const TYPE_CODE = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  subscribe: 8,
  suback: 9,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
} as const satisfies Record<MqttPacket['type'], number>;

/** What a CONNACK return code means (§3.2.2.3). */
export function connackReason(returnCode: number): string {
  return (
    [
      'connection accepted',
      'unacceptable protocol version',
      'identifier rejected',
      'server unavailable',
      'bad user name or password',
      'not authorized',
    ][returnCode] ?? `unknown return code ${returnCode}`
  );
}

/** The remaining-length varint (§2.2.3): 7 bits a byte, low bits first, at most four bytes. */
export function encodeRemainingLength(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_REMAINING_LENGTH)
    throw new MqttError('MALFORMED', `a packet's remaining length must be 0–${MAX_REMAINING_LENGTH} bytes, got ${length}`);
  const bytes: number[] = [];
  let rest = length;
  do {
    const digit = rest % 128;
    rest = Math.floor(rest / 128);
    bytes.push(rest > 0 ? digit | 0x80 : digit);
  } while (rest > 0);
  return Buffer.from(bytes);
}

/** A UTF-8 string with its two-byte length (§1.5.3). */
function utf8(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > 0xffff) throw new MqttError('MALFORMED', `${what} is ${bytes.length} bytes; MQTT strings hold at most 65 535`);
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

function u16(value: number, what: string): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new MqttError('MALFORMED', `${what} must be 0–65535, got ${value}`);
  const out = Buffer.allocUnsafe(2);
  out.writeUInt16BE(value, 0);
  return out;
}

function packetId(value: number | undefined, what: string): Buffer {
  if (value === undefined || value < 1) throw new MqttError('MALFORMED', `${what} needs a packet identifier 1–65535, got ${value}`);
  return u16(value, `${what}'s packet identifier`);
}

function packet(type: MqttPacket['type'], flags: number, ...body: Buffer[]): Buffer {
  const length = body.reduce((sum, part) => sum + part.length, 0);
  return Buffer.concat([Buffer.from([(TYPE_CODE[type] << 4) | flags]), encodeRemainingLength(length), ...body]);
}

/** One packet's bytes, fixed header included. Throws {@link MqttError} (`MALFORMED`) for what MQTT cannot carry. */
export function encodePacket(p: MqttPacket): Buffer {
  switch (p.type) {
    case 'connect': {
      const flags = (p.username !== undefined ? 0x80 : 0) | (p.password !== undefined ? 0x40 : 0) | (p.cleanSession ? 0x02 : 0);
      if (p.password !== undefined && p.username === undefined)
        throw new MqttError('MALFORMED', 'MQTT 3.1.1 sends a password only with a username');
      return packet(
        'connect',
        0,
        utf8('MQTT', 'the protocol name'),
        Buffer.from([4, flags]), // protocol level 4 = 3.1.1
        u16(p.keepAlive, 'keepAlive'),
        utf8(p.clientId, 'clientId'),
        ...(p.username !== undefined ? [utf8(p.username, 'username')] : []),
        ...(p.password !== undefined ? [utf8(p.password, 'password')] : []),
      );
    }
    case 'connack':
      return packet('connack', 0, Buffer.from([p.sessionPresent ? 1 : 0, p.returnCode]));
    case 'publish': {
      if (p.qos === 2) throw new MqttError('MALFORMED', 'this client does not send QoS 2');
      const flags = (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 0x01 : 0);
      if (p.qos === 0 && p.packetId !== undefined) throw new MqttError('MALFORMED', 'a QoS 0 PUBLISH has no packet identifier');
      return packet('publish', flags, utf8(p.topic, 'topic'), ...(p.qos > 0 ? [packetId(p.packetId, 'a QoS 1 PUBLISH')] : []), p.payload);
    }
    case 'puback':
      return packet('puback', 0, packetId(p.packetId, 'PUBACK'));
    case 'subscribe':
      if (p.subscriptions.length === 0) throw new MqttError('MALFORMED', 'a SUBSCRIBE needs at least one topic filter');
      return packet(
        'subscribe',
        0x02,
        packetId(p.packetId, 'SUBSCRIBE'),
        ...p.subscriptions.flatMap((s) => [utf8(s.topic, 'a topic filter'), Buffer.from([s.qos])]),
      );
    case 'suback':
      return packet('suback', 0, packetId(p.packetId, 'SUBACK'), Buffer.from(p.granted));
    case 'pingreq':
    case 'pingresp':
    case 'disconnect':
      return packet(p.type, 0);
  }
}

/** Reads sequentially through one packet's body, failing with `MALFORMED` on a short read. */
class Reader {
  private at: number;
  constructor(
    private readonly bytes: Buffer,
    start: number,
    private readonly what: string,
  ) {
    this.at = start;
  }
  get rest(): number {
    return this.bytes.length - this.at;
  }
  private need(n: number): void {
    if (this.rest < n) throw new MqttError('MALFORMED', `${this.what} ends ${n - this.rest} bytes early`);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.at++] as number;
  }
  u16(): number {
    this.need(2);
    const value = this.bytes.readUInt16BE(this.at);
    this.at += 2;
    return value;
  }
  string(): string {
    const length = this.u16();
    this.need(length);
    const text = this.bytes.toString('utf8', this.at, this.at + length);
    this.at += length;
    return text;
  }
  remaining(): Buffer {
    const out = this.bytes.subarray(this.at);
    this.at = this.bytes.length;
    return out;
  }
  done(): void {
    if (this.rest !== 0) throw new MqttError('MALFORMED', `${this.what} has ${this.rest} bytes too many`);
  }
}

/** Where the body of the packet in `frame` starts, and how long the remaining length says it is. */
export function readFixedHeader(frame: Buffer): { bodyStart: number; remainingLength: number } {
  let length = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    const byte = frame[i];
    if (byte === undefined) throw new MqttError('MALFORMED', 'the fixed header ends inside its remaining length');
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { bodyStart: i + 1, remainingLength: length };
    multiplier *= 128;
  }
  throw new MqttError('MALFORMED', 'the remaining length runs over four bytes');
}

/**
 * One whole packet (fixed header included, as `frames` delivers it) as a value. A payload is a
 * view of `frame`, not a copy. Throws {@link MqttError} (`MALFORMED`) on anything §2–§3 forbids
 * that this client would read wrongly: a length that disagrees with the frame, reserved flags
 * set, a packet type it does not speak.
 */
export function decodePacket(frame: Buffer): MqttPacket {
  const first = frame[0];
  if (first === undefined) throw new MqttError('MALFORMED', 'an empty frame is not a packet');
  const { bodyStart, remainingLength } = readFixedHeader(frame);
  if (frame.length - bodyStart !== remainingLength)
    throw new MqttError('MALFORMED', `the remaining length says ${remainingLength} bytes, the frame holds ${frame.length - bodyStart}`);
  const code = first >> 4;
  const flags = first & 0x0f;
  const name = Object.entries(TYPE_CODE).find(([, c]) => c === code)?.[0] as MqttPacket['type'] | undefined;
  if (name === undefined) throw new MqttError('MALFORMED', `packet type ${code} is not one this client speaks`);
  const expectedFlags = name === 'subscribe' ? 0x02 : 0;
  if (name !== 'publish' && flags !== expectedFlags)
    throw new MqttError('MALFORMED', `${name.toUpperCase()} has reserved flags 0x${flags.toString(16)} set`);
  const r = new Reader(frame, bodyStart, name.toUpperCase());
  let result: MqttPacket;
  switch (name) {
    case 'connect': {
      const protocol = r.string();
      const level = r.u8();
      if (protocol !== 'MQTT' || level !== 4) throw new MqttError('MALFORMED', `CONNECT for ${protocol} level ${level}, not MQTT 3.1.1`);
      const connectFlags = r.u8();
      const keepAlive = r.u16();
      const clientId = r.string();
      if (connectFlags & 0x04) throw new MqttError('MALFORMED', 'CONNECT with a will, which this client does not read');
      const username = connectFlags & 0x80 ? r.string() : undefined;
      const password = connectFlags & 0x40 ? r.string() : undefined;
      result = {
        type: 'connect',
        clientId,
        keepAlive,
        cleanSession: (connectFlags & 0x02) !== 0,
        ...(username !== undefined && { username }),
        ...(password !== undefined && { password }),
      };
      break;
    }
    case 'connack': {
      const ack = r.u8();
      if (ack & 0xfe) throw new MqttError('MALFORMED', 'CONNACK has reserved acknowledge flags set');
      result = { type: 'connack', sessionPresent: ack === 1, returnCode: r.u8() };
      break;
    }
    case 'publish': {
      const qos = (flags >> 1) & 0x03;
      if (qos === 3) throw new MqttError('MALFORMED', 'PUBLISH with QoS 3');
      const topic = r.string();
      const id = qos > 0 ? r.u16() : undefined;
      if (id === 0) throw new MqttError('MALFORMED', 'PUBLISH with packet identifier 0');
      result = {
        type: 'publish',
        topic,
        qos: qos as Qos | 2,
        retain: (flags & 0x01) !== 0,
        dup: (flags & 0x08) !== 0,
        ...(id !== undefined && { packetId: id }),
        payload: r.remaining(),
      };
      break;
    }
    case 'puback':
      result = { type: 'puback', packetId: r.u16() };
      break;
    case 'subscribe': {
      const id = r.u16();
      const subscriptions: { topic: string; qos: Qos }[] = [];
      while (r.rest > 0) subscriptions.push({ topic: r.string(), qos: (r.u8() & 0x03) as Qos });
      result = { type: 'subscribe', packetId: id, subscriptions };
      break;
    }
    case 'suback': {
      const id = r.u16();
      result = { type: 'suback', packetId: id, granted: [...r.remaining()] };
      break;
    }
    case 'pingreq':
    case 'pingresp':
    case 'disconnect':
      result = { type: name };
      break;
  }
  r.done();
  return result;
}
