/**
 * A small MQTT 3.1.1 client over TLS, composed from rxtls's pieces: `connect` +
 * `frames(mqttPackets())` (the varint remaining length) + a pure dialogue. It connects with a
 * user name and password, subscribes, publishes at QoS 0 or 1, acknowledges QoS 1 messages
 * delivered to it, pings on its keepalive, and disconnects once the actions it was given are
 * done and acknowledged.
 *
 *   npx tsx examples/mqtt-client.ts --host H [--port 8883] [--ca FILE] --user U --password-env VAR
 *       (--subscribe TOPIC [--count N] | --publish TOPIC --message TEXT) [--qos 0|1]
 *
 * The password is read from the environment variable VAR, never from the command line, and
 * never printed. Exit status: 0 done, 2 certificate check failed, 1 anything else.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Observable, Subject } from 'rxjs';
import { connect, converse, frames, gracefulShutdown, type CaSource } from '../lib';
import { CertificateRejected, passwordArgument, portArgument, readArguments, runCommandLine } from './command-line';
import { mqttDialogue, type MqttAction, type MqttNote, type MqttSessionOptions } from './mqtt/dialogue';
import { mqttPackets } from './mqtt/framing';
import type { Qos } from './mqtt/packets';

export interface MqttClientOptions extends MqttSessionOptions {
  readonly host: string;
  readonly port: number;
  readonly ca?: CaSource;
  /** The name the certificate must carry, when it is not `host`. */
  readonly servername?: string;
  /** Largest packet accepted from the broker, in bytes. Default 1 MiB ({@link DEFAULT_MAX_PACKET_LENGTH}). */
  readonly maxPacketLength?: number;
}

/**
 * One MQTT session: does `actions$` (subscribe, publish) and emits what happens — `connack`,
 * `subscribed`, each `message` delivered to us (already acknowledged when QoS 1), `published`
 * (for QoS 1: when the broker's PUBACK came), `pong`. Completing `actions$` disconnects, once
 * everything it started was acknowledged; the Observable then completes when the connection
 * closed. Fails with `CertificateRejected` when the broker's certificate does not pass, or an
 * `MqttError` (a refused CONNACK, a missed PINGRESP, …).
 *
 * `actions$` is subscribed when the connection is up, as a dialogue's events are — so a cold
 * Observable (`of(…)`) is read whole, while a hot one (a `Subject`) should emit once the
 * `connack` note came: what it emits before is not seen.
 */
export function mqttSession(options: MqttClientOptions, actions$: Observable<MqttAction>): Observable<MqttNote> {
  return new Observable<MqttNote>((subscriber) => {
    const dialogue = mqttDialogue(options, actions$, (note) => subscriber.next(note));
    return connect({
      host: options.host,
      port: options.port,
      ...(options.ca !== undefined && { ca: options.ca }),
      ...(options.servername !== undefined && { servername: options.servername }),
    })
      .pipe(gracefulShutdown(), frames(mqttPackets(options.maxPacketLength)), converse(dialogue))
      .subscribe({
        next: (event) => {
          if (event.type === 'certFailed') subscriber.error(new CertificateRejected(event));
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
  });
}

/** What the command line asks for. */
export interface MqttCommand {
  readonly options: MqttClientOptions;
  readonly action:
    | { readonly type: 'subscribe'; readonly topic: string; readonly count: number; readonly qos: Qos }
    | { readonly type: 'publish'; readonly topic: string; readonly message: string; readonly qos: Qos };
}

const USAGE =
  'usage: npx tsx examples/mqtt-client.ts --host H [--port 8883] [--ca FILE] --user U --password-env VAR (--subscribe TOPIC [--count N] | --publish TOPIC --message TEXT) [--qos 0|1]';
const NAMES = ['--host', '--port', '--ca', '--user', '--password-env', '--subscribe', '--count', '--publish', '--message', '--qos'];

/** Reads the command line; the password comes from the environment variable it names. */
export function parseMqttArguments(argv: readonly string[], env: NodeJS.ProcessEnv): MqttCommand {
  const { values } = readArguments(argv, { values: NAMES, usage: USAGE });
  const host = values.get('--host');
  const username = values.get('--user');
  const password = passwordArgument(values, env);
  if (!host || !username || password === undefined) throw new Error(`--host, --user and --password-env are required\n${USAGE}`);
  const port = portArgument(values, 8883, USAGE);
  const qos = values.get('--qos') ?? '0';
  if (qos !== '0' && qos !== '1') throw new Error(`--qos must be 0 or 1, got ${qos}\n${USAGE}`);
  const ca = values.get('--ca');
  const options: MqttClientOptions = {
    host,
    port,
    username,
    password,
    clientId: `rxtls-${randomBytes(4).toString('hex')}`,
    ...(ca !== undefined && { ca: readFileSync(ca, 'utf8') }),
  };
  const subscribe = values.get('--subscribe');
  const publish = values.get('--publish');
  const message = values.get('--message');
  if (subscribe !== undefined && publish === undefined) {
    const count = Number(values.get('--count') ?? '1');
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`--count must be a positive integer, got ${values.get('--count')}\n${USAGE}`);
    return { options, action: { type: 'subscribe', topic: subscribe, count, qos: Number(qos) as Qos } };
  }
  if (publish !== undefined && subscribe === undefined && message !== undefined)
    return { options, action: { type: 'publish', topic: publish, message, qos: Number(qos) as Qos } };
  throw new Error(`give either --subscribe TOPIC or --publish TOPIC --message TEXT\n${USAGE}`);
}

/** Runs what the command line asked for: prints each message received, or publishes one. */
export function runMqttCommand({ options, action }: MqttCommand): Observable<string> {
  return new Observable<string>((subscriber) => {
    const actions = new Subject<MqttAction>();
    let received = 0;
    const session = mqttSession(options, actions).subscribe({
      next: (note) => {
        if (note.type === 'connack') {
          if (action.type === 'subscribe') actions.next({ type: 'subscribe', topics: [action.topic], qos: action.qos });
          else {
            actions.next({ type: 'publish', topic: action.topic, payload: action.message, qos: action.qos });
            actions.complete();
          }
        } else if (note.type === 'message') {
          subscriber.next(`${note.topic} ${note.payload.toString('utf8')}`);
          if (++received === (action.type === 'subscribe' ? action.count : 0)) actions.complete();
        } else if (note.type === 'published') {
          subscriber.next(`published to ${note.topic}${note.qos === 1 ? ' (acknowledged)' : ''}`);
        }
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    return session;
  });
}

if (require.main === module) {
  runCommandLine(() => runMqttCommand(parseMqttArguments(process.argv.slice(2), process.env)));
}
