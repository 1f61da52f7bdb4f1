/**
 * `rxtls gateway --metrics ADDR:PORT`: the gateway's counters in the Prometheus text format, by
 * prom-client (the client library Prometheus's own documentation lists for Node). Each gateway
 * process counts its events and the upstream handshakes it publishes on `rxtls:handshake`; under
 * `--workers` the primary serves every worker's counters added up (prom-client's
 * AggregatorRegistry asks each worker over the cluster's IPC channel).
 */
import cluster from 'node:cluster';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import { AggregatorRegistry, Counter, Gauge, Histogram, register } from 'prom-client';
import type { GatewayEvent } from '../gateway/gateway';
import { DIAGNOSTICS_CHANNELS, type HandshakeMessage } from '../util/diagnostics-channels';

/** The gateway's metrics in this process, registered in prom-client's default registry. */
export interface GatewayMetrics {
  /** Counts one event of the gateway. */
  record(event: GatewayEvent): void;
  /** Stops counting handshakes. */
  stop(): void;
}

/** Registers the metrics (once a process) and starts counting upstream handshakes. */
export function gatewayMetrics(): GatewayMetrics {
  register.clear();
  const active = new Gauge({ name: 'rxtls_gateway_bridges_active', help: 'WebSocket clients bridged to a TLS target now' });
  const bridged = new Counter({ name: 'rxtls_gateway_bridges_total', help: 'Bridges opened, by target', labelNames: ['target'] });
  const refused = new Counter({
    name: 'rxtls_gateway_refusals_total',
    help: 'Upgrade requests refused, by HTTP status',
    labelNames: ['status'],
  });
  const bytes = new Counter({
    name: 'rxtls_gateway_bytes_total',
    help: 'Bytes carried by closed bridges: up (client to target) and down',
    labelNames: ['direction'],
  });
  const handshakes = new Histogram({
    name: 'rxtls_gateway_upstream_handshake_seconds',
    help: 'TLS handshakes with the targets, by protocol and resumption',
    labelNames: ['protocol', 'resumed'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const onHandshake = (message: unknown) => {
    const { role, protocol, resumed, durationMs } = message as HandshakeMessage;
    if (role === 'client' && Number.isFinite(durationMs)) handshakes.observe({ protocol, resumed: String(resumed) }, durationMs / 1000);
  };
  subscribe(DIAGNOSTICS_CHANNELS.handshake, onHandshake);
  // In a worker, an AggregatorRegistry is what makes prom-client answer the primary's requests.
  if (cluster.isWorker) new AggregatorRegistry();
  return {
    record(event) {
      if (event.type === 'bridged') {
        active.inc();
        bridged.inc({ target: event.target });
      } else if (event.type === 'bridgeClosed') {
        active.dec();
        bytes.inc({ direction: 'up' }, event.bytesUp);
        bytes.inc({ direction: 'down' }, event.bytesDown);
      } else if (event.type === 'refused') refused.inc({ status: String(event.status) });
    },
    stop: () => unsubscribe(DIAGNOSTICS_CHANNELS.handshake, onHandshake),
  };
}

/** The metrics of this process, or of every worker added up (in the primary of `--workers`). */
export function metricsSource(workers: boolean): { text(): Promise<string>; contentType: string } {
  if (!workers) return { text: () => register.metrics(), contentType: register.contentType };
  const aggregator = new AggregatorRegistry();
  return { text: () => aggregator.clusterMetrics(), contentType: aggregator.contentType };
}

/** Serves `GET /metrics` on `host`:`port`; resolves once listening, with the port (for port 0). */
export function serveMetrics(
  host: string,
  port: number,
  source: ReturnType<typeof metricsSource>,
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('the metrics are at /metrics\n');
      return;
    }
    source.text().then(
      (text) => response.writeHead(200, { 'content-type': source.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : port });
    });
  });
}
