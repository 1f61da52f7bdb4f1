import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { NEVER, concat, of } from 'rxjs';
import { connect, line, listening, serve, type RunningServer } from '../../lib';
import { instrumentRxtls } from '../../lib/otel';
import { createTestPki, startTlsServer, type TestPki } from '../../lib/testing';
import { collect, eventually } from '../support/collect';
import { visit } from '../support/resumption';

/** rxtls/otel over real TLS on loopback, recorded by OpenTelemetry's in-memory span exporter and a metric reader. */
class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

let pki: TestPki;
let credentials: { cert: string; key: string };
let spans: InMemorySpanExporter;
let reader: TestReader;
let stop: () => void;
const running: RunningServer[] = [];

beforeAll(async () => {
  pki = await createTestPki();
  credentials = await pki.leaf();
});
beforeEach(() => {
  spans = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('spec');
  reader = new TestReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const meter = new MeterProvider({ readers: [reader] }).getMeter('spec');
  stop = instrumentRxtls({ tracer, meter });
});
afterEach(async () => {
  stop();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function metric(name: string): Promise<Array<{ attributes: Record<string, unknown>; value: unknown }>> {
  const { resourceMetrics } = (await reader.collect()) as { resourceMetrics: ResourceMetrics };
  const found = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (found?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }));
}

describe('rxtls/otel', () => {
  it('a connection: handshake spans on both ends with the tls.* attributes, verdict spans, and the metrics', async () => {
    const server = await listening(serve({ credentials }, () => concat(of(line('* OK ready')), NEVER)));
    running.push(server);
    await visit({ host: 'localhost', port: server.port, ca: pki.ca.cert }, { greeting: true });
    await eventually(() => spans.getFinishedSpans().length === 4, 5000, 'two handshakes and two verdicts');
    const finished = spans.getFinishedSpans();
    const client = finished.find((s) => s.name === 'tls handshake' && s.kind === SpanKind.CLIENT);
    expect(client?.attributes).toEqual({
      'tls.protocol.name': 'tls',
      'tls.protocol.version': '1.3',
      'tls.cipher': expect.stringMatching(/^TLS_/),
      'tls.resumed': false,
      'tls.server.not_after': expect.stringMatching(/^\d{4}-/),
      'server.address': 'localhost',
      'server.port': server.port,
    });
    const started = client ? client.startTime[0] * 1e3 + client.startTime[1] / 1e6 : 0;
    const ended = client ? client.endTime[0] * 1e3 + client.endTime[1] / 1e6 : 0;
    expect(ended).toBeGreaterThan(started); // timed from the handshake's start
    expect(finished.find((s) => s.name === 'tls handshake' && s.kind === SpanKind.SERVER)?.attributes).toMatchObject({
      'tls.protocol.version': '1.3',
      'client.address': '127.0.0.1',
    });
    expect(finished.filter((s) => s.name === 'tls verify').map((s) => s.attributes['rxtls.verdict'])).toEqual(['accepted', 'accepted']);
    expect(await metric('tls.handshake.duration')).toHaveLength(2); // client and server
    expect(await metric('rxtls.verdicts')).toEqual(
      expect.arrayContaining([{ attributes: { 'rxtls.role': 'client', 'rxtls.verdict': 'accepted' }, value: 1 }]),
    );
    const closes = async () => (await metric('rxtls.connection.closes')).length;
    for (let i = 0; i < 100 && (await closes()) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await metric('rxtls.connection.bytes')).toEqual(
      expect.arrayContaining([
        { attributes: { 'rxtls.role': 'client', 'network.io.direction': 'receive' }, value: '* OK ready\r\n'.length },
      ]),
    );
  });

  it('a rejected server: the verify span is an error naming the codes', async () => {
    const expired = await startTlsServer({ ...(await pki.expired()), greeting: 'hi\r\n' });
    try {
      await collect(connect({ host: 'localhost', port: expired.port, ca: pki.ca.cert }));
    } finally {
      await expired.close();
    }
    const verify = spans.getFinishedSpans().find((s) => s.name === 'tls verify');
    expect(verify?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'CERT_HAS_EXPIRED' });
    expect(verify?.attributes).toMatchObject({
      'rxtls.verdict': 'rejected',
      'rxtls.verdict.codes': ['CERT_HAS_EXPIRED'],
      'rxtls.policy': 'strict',
    });
  });

  it('stops recording once the returned function is called', async () => {
    stop();
    const server = await listening(serve({ credentials }, () => concat(of(line('* OK ready')), NEVER)));
    running.push(server);
    await visit({ host: 'localhost', port: server.port, ca: pki.ca.cert }, { greeting: true });
    expect(spans.getFinishedSpans()).toEqual([]);
    stop = () => undefined;
  });
});
