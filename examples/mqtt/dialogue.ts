/**
 * The MQTT 3.1.1 client conversation as a pure dialogue: CONNECT first, then what the user asks
 * for (SUBSCRIBE, PUBLISH at QoS 0 or 1), a PINGREQ every keepalive period (so the broker never
 * sees a silence longer than the keepalive it was promised, §3.1.2.10), our PUBACK for every QoS 1 message delivered to us, and DISCONNECT once the
 * user's actions complete and everything they started was acknowledged.
 *
 * It reads whole packets (the `frame` events of `frames(varint)`) and writes encoded packets,
 * so it runs under `TestScheduler` with no socket, the keepalive in virtual time.
 *
 * Bounded: at most `maxInFlight` QoS 1 publishes and subscribes wait for their
 * acknowledgement; actions beyond that wait in a queue of at most `maxQueued`, and one more is
 * an `OVERFLOW` error rather than memory that grows while a broker stalls.
 */
import { Observable, interval } from 'rxjs';
import type { Outbound, TlsEvent } from '../../lib';
import { connackReason, decodePacket, encodePacket, MqttError, type MqttPacket, type PublishPacket, type Qos } from './packets';

/** A whole packet, as the `frames` operator delivers it. */
export interface PacketFrame {
  readonly type: 'frame';
  readonly bytes: Buffer;
}

/** What the dialogue reads: the connection's events, packets among them. */
export type MqttInbound = TlsEvent | PacketFrame;

/** What the user asks the session to do. Completing the actions means: disconnect once done. */
export type MqttAction =
  | { readonly type: 'subscribe'; readonly topics: readonly string[]; readonly qos?: Qos }
  | { readonly type: 'publish'; readonly topic: string; readonly payload: Buffer | string; readonly qos?: Qos; readonly retain?: boolean };

/** What the session tells its observer. */
export type MqttNote =
  | { readonly type: 'connack'; readonly sessionPresent: boolean }
  | { readonly type: 'subscribed'; readonly topics: readonly string[]; readonly granted: readonly number[] }
  | { readonly type: 'message'; readonly topic: string; readonly payload: Buffer; readonly qos: Qos; readonly retain: boolean }
  /** A QoS 0 publish was written, or a QoS 1 publish was acknowledged by the broker's PUBACK. */
  | { readonly type: 'published'; readonly topic: string; readonly qos: Qos; readonly packetId?: number }
  | { readonly type: 'pong' };

export interface MqttSessionOptions {
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** Seconds between PINGREQs, promised to the broker in CONNECT; 0 for none. Default 60 ({@link DEFAULT_KEEPALIVE_SECONDS}). */
  readonly keepAlive?: number;
  /** Default `true`: the broker keeps no session for us. */
  readonly cleanSession?: boolean;
  /** Publishes (QoS 1) and subscribes awaiting acknowledgement at once. Default 16. */
  readonly maxInFlight?: number;
  /** Actions waiting for room in the in-flight window before `OVERFLOW`. Default 1024. */
  readonly maxQueued?: number;
}

/** MQTT's customary keepalive: a PINGREQ after a minute of silence. */
export const DEFAULT_KEEPALIVE_SECONDS = 60;
/** How many acknowledgements may be outstanding at once. */
export const DEFAULT_MAX_IN_FLIGHT = 16;
/** How many actions may wait for the in-flight window. */
export const DEFAULT_MAX_QUEUED = 1024;

type Input =
  | { readonly kind: 'connected' }
  | { readonly kind: 'packet'; readonly packet: MqttPacket }
  | { readonly kind: 'closed' }
  | { readonly kind: 'action'; readonly action: MqttAction }
  | { readonly kind: 'actionsDone' }
  | { readonly kind: 'tick' };

interface Step {
  /** Packets to write, in order. */
  readonly out: Buffer[];
  readonly notes: MqttNote[];
  readonly finished: boolean;
}

/**
 * A dialogue for `converse`, after `frames(varint)`: the MQTT session of `options`, doing
 * `actions$`. Each {@link MqttNote} goes to `observer`. Fails with an {@link MqttError} on a
 * refused CONNACK, a refused subscription, a missed PINGRESP, a protocol violation or a close
 * with work pending; completes after DISCONNECT.
 */
export function mqttDialogue(
  options: MqttSessionOptions,
  actions$: Observable<MqttAction>,
  observer: (note: MqttNote) => void = () => undefined,
): (events$: Observable<MqttInbound>) => Observable<Outbound> {
  const keepAlive = options.keepAlive ?? DEFAULT_KEEPALIVE_SECONDS;
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  if (!Number.isInteger(keepAlive) || keepAlive < 0 || keepAlive > 0xffff)
    throw new RangeError(`keepAlive must be 0–65535 seconds, got ${keepAlive}`);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > 0xffff)
    throw new RangeError(`maxInFlight must be 1–65535, got ${maxInFlight}`);
  if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError(`maxQueued must be a non-negative integer, got ${maxQueued}`);
  return (events$) =>
    new Observable<Outbound>((subscriber) => {
      const session = new MqttSession(options, keepAlive, maxInFlight, maxQueued);
      // Inputs are taken one at a time: an observer that reacts to a note (completes the
      // actions, say) feeds the session again, and that must wait until this step's packets
      // are out — or a DISCONNECT could overtake the PUBACK the note was about.
      const waiting: Input[] = [];
      let busy = false;
      const feed = (input: Input) => {
        waiting.push(input);
        if (busy) return;
        busy = true;
        try {
          for (let next = waiting.shift(); next !== undefined && !subscriber.closed; next = waiting.shift()) {
            const step = session.step(next);
            if (step.out.length > 0) subscriber.next(step.out.length === 1 ? (step.out[0] as Buffer) : Buffer.concat(step.out));
            step.notes.forEach(observer);
            if (step.finished) subscriber.complete();
          }
        } catch (error) {
          subscriber.error(error);
        } finally {
          busy = false;
          waiting.length = 0;
        }
      };
      const fail = (error: unknown) => subscriber.error(error);
      subscriber.add(
        events$.subscribe({
          next: (e) => {
            if (e.type === 'frame') {
              let packet: MqttPacket;
              try {
                packet = decodePacket(e.bytes);
              } catch (error) {
                return fail(error);
              }
              feed({ kind: 'packet', packet });
            } else if (e.type === 'connected') feed({ kind: 'connected' });
            else if (e.type === 'closed') feed({ kind: 'closed' });
          },
          error: fail,
          complete: () => subscriber.complete(),
        }),
      );
      if (subscriber.closed) return;
      subscriber.add(
        actions$.subscribe({
          next: (action) => feed({ kind: 'action', action }),
          error: fail,
          complete: () => feed({ kind: 'actionsDone' }),
        }),
      );
      if (keepAlive > 0) subscriber.add(interval(keepAlive * 1000).subscribe(() => feed({ kind: 'tick' })));
    });
}

/** The session's state, one per subscription of the dialogue. */
class MqttSession {
  private phase: 'waiting' | 'connecting' | 'ready' | 'done' = 'waiting';
  private nextId = 1;
  /** QoS 1 publishes awaiting the broker's PUBACK, by packet identifier. */
  private readonly publishing = new Map<number, PublishPacket>();
  /** Subscribes awaiting SUBACK, by packet identifier. */
  private readonly subscribing = new Map<number, readonly string[]>();
  private readonly queued: MqttAction[] = [];
  private actionsDone = false;
  private pingOutstanding = false;
  private out: Buffer[] = [];
  private notes: MqttNote[] = [];

  constructor(
    private readonly options: MqttSessionOptions,
    private readonly keepAlive: number,
    private readonly maxInFlight: number,
    private readonly maxQueued: number,
  ) {}

  step(input: Input): Step {
    this.out = [];
    this.notes = [];
    switch (input.kind) {
      case 'connected':
        if (this.phase === 'waiting') {
          this.phase = 'connecting';
          this.send({
            type: 'connect',
            clientId: this.options.clientId,
            keepAlive: this.keepAlive,
            cleanSession: this.options.cleanSession ?? true,
            ...(this.options.username !== undefined && { username: this.options.username }),
            ...(this.options.password !== undefined && { password: this.options.password }),
          });
        }
        break;
      case 'packet':
        this.receive(input.packet);
        break;
      case 'closed':
        if (this.phase !== 'done') throw new MqttError('CLOSED', `the broker closed the connection ${this.pendingWork()}`);
        break;
      case 'action':
        if (this.queued.length >= this.maxQueued)
          throw new MqttError('OVERFLOW', `more than ${this.maxQueued} actions wait for acknowledgements (option maxQueued)`);
        this.queued.push(input.action);
        break;
      case 'actionsDone':
        this.actionsDone = true;
        break;
      case 'tick':
        this.tick();
        break;
    }
    if (this.phase === 'ready') this.pump();
    return { out: this.out, notes: this.notes, finished: this.phase === 'done' };
  }

  private send(packet: MqttPacket): void {
    this.out.push(encodePacket(packet));
  }

  private receive(packet: MqttPacket): void {
    if (this.phase === 'connecting') {
      if (packet.type !== 'connack') throw new MqttError('PROTOCOL', `the broker sent ${packet.type.toUpperCase()} before CONNACK`);
      if (packet.returnCode !== 0)
        throw new MqttError(
          'CONNACK_REFUSED',
          `the broker refused the connection: ${connackReason(packet.returnCode)} (CONNACK return code ${packet.returnCode})`,
        );
      this.phase = 'ready';
      this.notes.push({ type: 'connack', sessionPresent: packet.sessionPresent });
      return;
    }
    switch (packet.type) {
      case 'publish': {
        if (packet.qos === 2)
          throw new MqttError(
            'PROTOCOL',
            `the broker delivered a QoS 2 message on ${packet.topic}; this client subscribes at QoS 0 or 1 only`,
          );
        if (packet.qos === 1) this.send({ type: 'puback', packetId: packet.packetId as number });
        this.notes.push({ type: 'message', topic: packet.topic, payload: packet.payload, qos: packet.qos, retain: packet.retain });
        return;
      }
      case 'puback': {
        const published = this.publishing.get(packet.packetId);
        if (!published) throw new MqttError('PROTOCOL', `PUBACK for packet ${packet.packetId}, which is not awaiting one`);
        this.publishing.delete(packet.packetId);
        this.notes.push({ type: 'published', topic: published.topic, qos: 1, packetId: packet.packetId });
        return;
      }
      case 'suback': {
        const topics = this.subscribing.get(packet.packetId);
        if (!topics) throw new MqttError('PROTOCOL', `SUBACK for packet ${packet.packetId}, which is not awaiting one`);
        this.subscribing.delete(packet.packetId);
        const refused = topics.filter((_, i) => (packet.granted[i] ?? 0x80) === 0x80);
        if (refused.length > 0 || packet.granted.length !== topics.length)
          throw new MqttError('SUBSCRIBE_REFUSED', `the broker refused the subscription to ${refused.join(', ') || topics.join(', ')}`);
        this.notes.push({ type: 'subscribed', topics, granted: packet.granted });
        return;
      }
      case 'pingresp':
        this.pingOutstanding = false;
        this.notes.push({ type: 'pong' });
        return;
      default:
        throw new MqttError('PROTOCOL', `a broker does not send ${packet.type.toUpperCase()}`);
    }
  }

  /** A keepalive period passed: fail if the last ping went unanswered, else ping. */
  private tick(): void {
    if (this.phase !== 'ready') return;
    if (this.pingOutstanding) throw new MqttError('KEEPALIVE', `no PINGRESP within ${this.keepAlive} s of PINGREQ (option keepAlive)`);
    this.send({ type: 'pingreq' });
    this.pingOutstanding = true;
  }

  /** Sends queued actions while the in-flight window has room; disconnects when all is done. */
  private pump(): void {
    while (this.queued.length > 0) {
      const action = this.queued[0] as MqttAction;
      const qos = action.qos ?? 0;
      const needsAck = action.type === 'subscribe' || qos === 1;
      if (needsAck && this.publishing.size + this.subscribing.size >= this.maxInFlight) return;
      this.queued.shift();
      if (action.type === 'subscribe') {
        const packetId = this.allocateId();
        this.subscribing.set(packetId, action.topics);
        this.send({ type: 'subscribe', packetId, subscriptions: action.topics.map((topic) => ({ topic, qos })) });
        continue;
      }
      const payload = typeof action.payload === 'string' ? Buffer.from(action.payload, 'utf8') : action.payload;
      const base = { type: 'publish', topic: action.topic, payload, qos, retain: action.retain ?? false, dup: false } as const;
      if (qos === 1) {
        const packetId = this.allocateId();
        const packet: PublishPacket = { ...base, packetId };
        this.publishing.set(packetId, packet);
        this.send(packet);
      } else {
        this.send(base);
        this.notes.push({ type: 'published', topic: action.topic, qos: 0 });
      }
    }
    if (this.actionsDone && this.publishing.size === 0 && this.subscribing.size === 0) {
      this.send({ type: 'disconnect' });
      this.phase = 'done';
    }
  }

  /** The next packet identifier not in use (1–65535; the window is far smaller than the space). */
  private allocateId(): number {
    while (this.publishing.has(this.nextId) || this.subscribing.has(this.nextId)) this.nextId = (this.nextId % 0xffff) + 1;
    const id = this.nextId;
    this.nextId = (this.nextId % 0xffff) + 1;
    return id;
  }

  private pendingWork(): string {
    if (this.phase === 'waiting' || this.phase === 'connecting') return 'before CONNACK';
    const pending = [
      ...[...this.publishing.values()].map((p) => `PUBLISH ${p.packetId} to ${p.topic}`),
      ...[...this.subscribing.values()].map((topics) => `SUBSCRIBE to ${topics.join(', ')}`),
    ];
    return pending.length > 0 ? `while ${pending.join(', ')} awaited acknowledgement` : 'before DISCONNECT';
  }
}
