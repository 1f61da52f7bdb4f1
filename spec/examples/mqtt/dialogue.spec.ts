import { NEVER, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { fakeConnected } from '../../../lib/testing';
import { mqttDialogue, type MqttAction, type MqttInbound, type MqttNote, type MqttSessionOptions } from '../../../examples/mqtt/dialogue';
import { encodePacket, MqttError, type MqttPacket } from '../../../examples/mqtt/packets';

const frame = (packet: MqttPacket): MqttInbound => ({ type: 'frame', bytes: encodePacket(packet) });
const bytes = (...packets: MqttPacket[]): Buffer => Buffer.concat(packets.map(encodePacket));
const session: MqttSessionOptions = { clientId: 'rxtls-test', username: 'joe', password: 's3cret', keepAlive: 0 };
const CONNECT = bytes({ type: 'connect', clientId: 'rxtls-test', username: 'joe', password: 's3cret', keepAlive: 0, cleanSession: true });
const CONNACK = frame({ type: 'connack', sessionPresent: false, returnCode: 0 });
const closed: MqttInbound = { type: 'closed', by: 'peer', clean: true };
const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const publish = (topic: string, payload: string, qos: 0 | 1): MqttAction => ({ type: 'publish', topic, payload, qos });
const run = (options: MqttSessionOptions, actions: Observable<MqttAction>, events: Observable<MqttInbound>, notes: MqttNote[] = []) =>
  mqttDialogue(options, actions, (n) => notes.push(n))(events);

describe('the MQTT dialogue, marble-tested without a socket', () => {
  it('CONNECT first; after CONNACK the queued SUBSCRIBE and PUBLISH; PUBACK both ways; DISCONNECT once the actions completed and all was acknowledged', () => {
    const notes: MqttNote[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<MqttInbound>('c-k-s-m-p', {
        c: fakeConnected(),
        k: CONNACK,
        s: frame({ type: 'suback', packetId: 1, granted: [1] }),
        m: frame({ type: 'publish', topic: 't/in', payload: Buffer.from([0, 1, 0]), qos: 1, retain: false, dup: false, packetId: 7 }),
        p: frame({ type: 'puback', packetId: 2 }),
      });
      const actions = cold<MqttAction>('(ab)-----|', { a: { type: 'subscribe', topics: ['t/in'], qos: 1 }, b: publish('t/out', 'hi', 1) });
      expectObservable(run(session, actions, events, notes)).toBe('C-X---M--(D|)', {
        C: CONNECT,
        X: bytes(
          { type: 'subscribe', packetId: 1, subscriptions: [{ topic: 't/in', qos: 1 }] },
          { type: 'publish', topic: 't/out', payload: Buffer.from('hi'), qos: 1, retain: false, dup: false, packetId: 2 },
        ),
        M: bytes({ type: 'puback', packetId: 7 }),
        D: bytes({ type: 'disconnect' }),
      });
    });
    expect(notes).toEqual([
      { type: 'connack', sessionPresent: false },
      { type: 'subscribed', topics: ['t/in'], granted: [1] },
      { type: 'message', topic: 't/in', payload: Buffer.from([0, 1, 0]), qos: 1, retain: false },
      { type: 'published', topic: 't/out', qos: 1, packetId: 2 },
    ]);
  });

  it('waits for the broker PUBACK before DISCONNECT even when the actions completed long before', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<MqttInbound>('ck-----p', { c: fakeConnected(), k: CONNACK, p: frame({ type: 'puback', packetId: 1 }) });
      const actions = cold<MqttAction>('a|', { a: publish('t', 'x', 1) });
      expectObservable(run(session, actions, events)).toBe('CP-----(D|)', {
        C: CONNECT,
        P: bytes({ type: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, retain: false, dup: false, packetId: 1 }),
        D: bytes({ type: 'disconnect' }),
      });
    });
  });

  it('an observer that completes the actions on a QoS 1 message still gets the PUBACK out before DISCONNECT', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const actions = new Subject<MqttAction>();
      const events = cold<MqttInbound>('ck-m', {
        c: fakeConnected(),
        k: CONNACK,
        m: frame({ type: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, retain: false, dup: false, packetId: 3 }),
      });
      const dialogue = mqttDialogue(session, actions, (note) => note.type === 'message' && actions.complete());
      expectObservable(dialogue(events)).toBe('C--(AD|)', {
        C: CONNECT,
        A: bytes({ type: 'puback', packetId: 3 }),
        D: bytes({ type: 'disconnect' }),
      });
    });
  });

  it('a QoS 0 publish needs no acknowledgement: published as soon as written', () => {
    const notes: MqttNote[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<MqttInbound>('ck', { c: fakeConnected(), k: CONNACK });
      expectObservable(run(session, cold('a|', { a: publish('t', 'x', 0) }), events, notes)).toBe('C(PD|)', {
        C: CONNECT,
        P: bytes({ type: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false }),
        D: bytes({ type: 'disconnect' }),
      });
    });
    expect(notes.slice(1)).toEqual([{ type: 'published', topic: 't', qos: 0 }]);
  });

  it('keeps at most maxInFlight publishes unacknowledged; the next goes out when a PUBACK makes room', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<MqttInbound>('ck--p--q--r', {
        c: fakeConnected(),
        k: CONNACK,
        p: frame({ type: 'puback', packetId: 1 }),
        q: frame({ type: 'puback', packetId: 2 }),
        r: frame({ type: 'puback', packetId: 3 }),
      });
      const actions = cold<MqttAction>('(abc|)', { a: publish('t', '1', 1), b: publish('t', '2', 1), c: publish('t', '3', 1) });
      const pub = (n: number) =>
        ({ type: 'publish', topic: 't', payload: Buffer.from(String(n)), qos: 1, retain: false, dup: false, packetId: n }) as const;
      expectObservable(run({ ...session, maxInFlight: 2 }, actions, events)).toBe('CX--3-----(D|)', {
        C: CONNECT,
        X: bytes(pub(1), pub(2)),
        3: bytes(pub(3)),
        D: bytes({ type: 'disconnect' }),
      });
    });
  });

  it('fails with OVERFLOW rather than queue more than maxQueued actions', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<MqttInbound>('c', { c: fakeConnected() }); // no CONNACK: nothing can be sent
      const actions = cold<MqttAction>('abc', { a: publish('t', '1', 0), b: publish('t', '2', 0), c: publish('t', '3', 0) });
      expectObservable(run({ ...session, maxQueued: 2 }, actions, events)).toBe(
        'C-#',
        { C: CONNECT },
        new MqttError('OVERFLOW', 'more than 2 actions wait for acknowledgements (option maxQueued)'),
      );
    });
  });

  it('pings every keepalive period, and fails when a PINGRESP has not come by the next', () => {
    const notes: MqttNote[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<MqttInbound>('ck 2497ms r', { c: fakeConnected(), k: CONNACK, r: frame({ type: 'pingresp' }) });
      const connect = bytes({
        type: 'connect',
        clientId: 'rxtls-test',
        username: 'joe',
        password: 's3cret',
        keepAlive: 2,
        cleanSession: true,
      });
      const ping = bytes({ type: 'pingreq' });
      // ticks at 2000 (ping, answered at 2499), 4000 (ping again), 6000 (that one unanswered: fail)
      expectObservable(run({ ...session, keepAlive: 2 }, NEVER, events, notes)).toBe(
        'C 1999ms P 1999ms P 1999ms #',
        { C: connect, P: ping },
        new MqttError('KEEPALIVE', 'no PINGRESP within 2 s of PINGREQ (option keepAlive)'),
      );
    });
    expect(notes.map((n) => n.type)).toEqual(['connack', 'pong']);
  });

  it('pings every keepalive period even while it sends other packets: the broker is promised no longer silence', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<MqttInbound>('ck 1200ms r', { c: fakeConnected(), k: CONNACK, r: frame({ type: 'pingresp' }) });
      const actions = cold<MqttAction>('900ms a', { a: publish('t', 'x', 0) });
      const connect = bytes({
        type: 'connect',
        clientId: 'rxtls-test',
        username: 'joe',
        password: 's3cret',
        keepAlive: 1,
        cleanSession: true,
      });
      expectObservable(run({ ...session, keepAlive: 1 }, actions, events), '^ 2500ms !').toBe('C 899ms P 99ms Q 999ms Q', {
        C: connect,
        P: bytes({ type: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false }),
        Q: bytes({ type: 'pingreq' }),
      });
    });
  });

  it('a refused CONNACK is a clear error naming the reason', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = cold<MqttInbound>('ck', { c: fakeConnected(), k: frame({ type: 'connack', sessionPresent: false, returnCode: 5 }) });
      expectObservable(run(session, NEVER, events)).toBe(
        'C#',
        { C: CONNECT },
        new MqttError('CONNACK_REFUSED', 'the broker refused the connection: not authorized (CONNACK return code 5)'),
      );
    });
  });

  it('a close with work pending, a refused subscription and an unexpected packet are errors that say what', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const pending = cold<MqttInbound>('ckz', { c: fakeConnected(), k: CONNACK, z: closed });
      expectObservable(run(session, cold('a', { a: publish('t', 'x', 1) }), pending)).toBe(
        'CP#',
        {
          C: CONNECT,
          P: bytes({ type: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, retain: false, dup: false, packetId: 1 }),
        },
        new MqttError('CLOSED', 'the broker closed the connection while PUBLISH 1 to t awaited acknowledgement'),
      );
      const refused = cold<MqttInbound>('cks', {
        c: fakeConnected(),
        k: CONNACK,
        s: frame({ type: 'suback', packetId: 1, granted: [0x80] }),
      });
      expectObservable(run(session, cold('a', { a: { type: 'subscribe', topics: ['secret/#'] } }), refused)).toBe(
        'CS#',
        { C: CONNECT, S: bytes({ type: 'subscribe', packetId: 1, subscriptions: [{ topic: 'secret/#', qos: 0 }] }) },
        new MqttError('SUBSCRIBE_REFUSED', 'the broker refused the subscription to secret/#'),
      );
      const early = cold<MqttInbound>('cp', { c: fakeConnected(), p: frame({ type: 'pingresp' }) });
      expectObservable(run(session, NEVER, early)).toBe(
        'C#',
        { C: CONNECT },
        new MqttError('PROTOCOL', 'the broker sent PINGRESP before CONNACK'),
      );
      const stray = cold<MqttInbound>('ckp', { c: fakeConnected(), k: CONNACK, p: frame({ type: 'puback', packetId: 9 }) });
      expectObservable(run(session, NEVER, stray)).toBe(
        'C-#',
        { C: CONNECT },
        new MqttError('PROTOCOL', 'PUBACK for packet 9, which is not awaiting one'),
      );
    });
  });
});
