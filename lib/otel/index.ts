/**
 * `rxtls/otel`: rxtls's diagnostics channels as OpenTelemetry spans and metrics, with the
 * semantic conventions' `tls.*` attributes (`tls.protocol.version`, `tls.cipher`, `tls.resumed`,
 * `tls.server.not_after`) and `server.*` / `client.*` for the peer. `@opentelemetry/api` is an
 * optional peer dependency (set up an SDK to use this entry point); `rxtls` itself never loads it.
 *
 * - a span `tls handshake` for each finished handshake (kind `CLIENT` or `SERVER`, timed from
 *   the start of the handshake), and a span `tls verify` for each verdict (status `ERROR`, with
 *   `rxtls.verdict.codes`, when the peer was rejected);
 * - the histogram `tls.handshake.duration` (s) and the counters `rxtls.verdicts`,
 *   `rxtls.connection.closes` and `rxtls.connection.bytes` (By, by `network.io.direction`), and
 *   the up-down counter `rxtls.gateway.bridges.active`.
 *
 * @example
 * ```ts
 * import { instrumentRxtls } from 'rxtls/otel';
 * const stop = instrumentRxtls(); // the global tracer and meter providers, as your SDK set them up
 * // … later, to stop listening:
 * stop();
 * ```
 * @module
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { metrics, SpanKind, SpanStatusCode, trace, type Attributes, type Meter, type Tracer } from '@opentelemetry/api';
import {
  DIAGNOSTICS_CHANNELS,
  type BridgeMessage,
  type CloseMessage,
  type HandshakeMessage,
  type VerdictMessage,
} from '../util/diagnostics-channels';

/**
 * Where {@link instrumentRxtls} records: a tracer and a meter of your own, or the global
 * providers' (`trace.getTracer('rxtls')`, `metrics.getMeter('rxtls')`).
 *
 * @example
 * ```ts
 * import { metrics, trace } from '@opentelemetry/api';
 * import { instrumentRxtls, type RxtlsInstrumentationOptions } from 'rxtls/otel';
 * const options: RxtlsInstrumentationOptions = { tracer: trace.getTracer('mail-gateway'), meter: metrics.getMeter('mail-gateway') };
 * instrumentRxtls(options);
 * ```
 */
export interface RxtlsInstrumentationOptions {
  /** Makes the spans. Default: the global tracer provider's `rxtls` tracer. */
  readonly tracer?: Tracer;
  /** Makes the metrics. Default: the global meter provider's `rxtls` meter. */
  readonly meter?: Meter;
}

/** The peer's attributes: `server.*` seen from a client, `client.*` seen from a server. */
function peerAttributes(role: 'client' | 'server', host: string, port: number): Attributes {
  return role === 'client' ? { 'server.address': host, 'server.port': port } : { 'client.address': host, 'client.port': port };
}

/** `TLSv1.3` → `1.3`, as the semantic conventions write `tls.protocol.version`. */
const protocolVersion = (protocol: string) => protocol.replace(/^TLSv/, '');

/**
 * Subscribes to rxtls's diagnostics channels and records each message as spans and metrics;
 * returns the function that unsubscribes. Call it once, at start-up, after your OpenTelemetry
 * SDK is set up.
 *
 * @example
 * ```ts
 * import { instrumentRxtls } from 'rxtls/otel';
 * const stop = instrumentRxtls();
 * process.once('SIGTERM', stop);
 * ```
 */
export function instrumentRxtls(options: RxtlsInstrumentationOptions = {}): () => void {
  const tracer = options.tracer ?? trace.getTracer('rxtls');
  const meter = options.meter ?? metrics.getMeter('rxtls');
  const handshakeDuration = meter.createHistogram('tls.handshake.duration', {
    unit: 's',
    description: 'TLS handshakes, from start to end',
  });
  const verdicts = meter.createCounter('rxtls.verdicts', { description: 'Verdicts of verification policies on peers' });
  const closes = meter.createCounter('rxtls.connection.closes', { description: 'Established connections closed' });
  const bytes = meter.createCounter('rxtls.connection.bytes', { unit: 'By', description: 'Application bytes of closed connections' });
  const bridges = meter.createUpDownCounter('rxtls.gateway.bridges.active', { description: 'Gateway clients bridged to a target now' });

  const onHandshake = (message: unknown) => {
    const { role, host, port, durationMs, protocol, cipher, resumed, serverNotAfter } = message as HandshakeMessage;
    const tls: Attributes = {
      'tls.protocol.name': 'tls',
      'tls.protocol.version': protocolVersion(protocol),
      'tls.cipher': cipher,
      'tls.resumed': resumed,
      ...(serverNotAfter !== undefined && { 'tls.server.not_after': serverNotAfter }),
    };
    const end = Date.now();
    const timed = Number.isFinite(durationMs);
    tracer
      .startSpan('tls handshake', {
        kind: role === 'client' ? SpanKind.CLIENT : SpanKind.SERVER,
        attributes: { ...tls, ...peerAttributes(role, host, port) },
        ...(timed && { startTime: end - durationMs }),
      })
      .end(end);
    if (timed)
      handshakeDuration.record(durationMs / 1000, {
        'rxtls.role': role,
        'tls.protocol.version': tls['tls.protocol.version'],
        'tls.resumed': resumed,
      });
  };
  const onVerdict = (message: unknown) => {
    const { role, policy, accepted, codes, subject } = message as VerdictMessage;
    const span = tracer.startSpan('tls verify', {
      kind: SpanKind.INTERNAL,
      attributes: {
        'rxtls.role': role,
        'rxtls.policy': policy,
        'rxtls.verdict': accepted ? 'accepted' : 'rejected',
        'tls.peer.subject': subject,
        ...(codes.length > 0 && { 'rxtls.verdict.codes': [...codes] }),
      },
    });
    if (!accepted) span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(', ') });
    span.end();
    verdicts.add(1, { 'rxtls.role': role, 'rxtls.verdict': accepted ? 'accepted' : 'rejected' });
  };
  const onClose = (message: unknown) => {
    const { role, by, clean, code, bytesRead, bytesWritten } = message as CloseMessage;
    closes.add(1, { 'rxtls.role': role, 'rxtls.closed_by': by, 'rxtls.clean': clean, ...(code !== undefined && { 'error.type': code }) });
    bytes.add(bytesRead, { 'rxtls.role': role, 'network.io.direction': 'receive' });
    bytes.add(bytesWritten, { 'rxtls.role': role, 'network.io.direction': 'transmit' });
  };
  const onBridge = (message: unknown) => {
    const { phase, target } = message as BridgeMessage;
    bridges.add(phase === 'open' ? 1 : -1, { 'rxtls.gateway.target': target });
  };
  const listeners: Array<[string, (message: unknown) => void]> = [
    [DIAGNOSTICS_CHANNELS.handshake, onHandshake],
    [DIAGNOSTICS_CHANNELS.verdict, onVerdict],
    [DIAGNOSTICS_CHANNELS.close, onClose],
    [DIAGNOSTICS_CHANNELS.bridge, onBridge],
  ];
  for (const [name, listener] of listeners) subscribe(name, listener);
  return () => {
    for (const [name, listener] of listeners) unsubscribe(name, listener);
  };
}
