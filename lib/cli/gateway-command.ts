import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { gateway, type GatewayEvent } from '../gateway/gateway';
import type { GatewayOptions } from '../gateway/gateway-options';
import { explain } from '../diagnostics/explain';
import { formatHostPort, parseTarget } from '../util/host-port';
import { CLI_DEFAULTS } from './cli-defaults';
import { certAndKey, positiveIntegerFlag, UsageError, type CliCommand } from './command';
import { ticketKeysFlag, TICKET_KEYS_USAGE, workersFlag, WORKERS_USAGE } from './fleet-flags';
import { isWorker, runPrimary, stopOnSignals } from './workers';
import { explanation, styleFor } from './output';

/** What `rxtls gateway` was asked for. */
export interface GatewayCommand {
  readonly host: string;
  readonly port: number;
  readonly targets: readonly string[];
  readonly origins: readonly string[];
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly maxConnections?: number;
  readonly json: boolean;
  readonly ticketKeys?: string;
  readonly workers: number;
  /** `--metrics ADDR:PORT`: where to serve the Prometheus metrics. */
  readonly metrics?: { readonly host: string; readonly port: number };
}

/** `rxtls gateway --help`. */
export const GATEWAY_USAGE = `usage: rxtls gateway --listen ADDRESS:PORT --to HOST:PORT [options]

  --listen ADDRESS:PORT  where WebSocket clients connect (e.g. 127.0.0.1:8143)
  --to HOST:PORT         a TLS service clients may reach (repeatable: the allow-list; the first is
                         the default, others are chosen with ?target=HOST:PORT)
  --origin URL           a web origin whose pages may connect (repeatable; none by default)
  --ca FILE|DIR          trust these CAs for the services instead of Node's root store
  --cert FILE --key FILE serve wss: with this certificate instead of ws:
  --max-connections N    clients bridged at once (default ${CLI_DEFAULTS.gatewayMaxConnections})
${TICKET_KEYS_USAGE} (with --cert)
${WORKERS_USAGE}
  --metrics ADDR:PORT    serve Prometheus metrics at http://ADDR:PORT/metrics: active bridges, refusals
                         by status, bytes each way, upstream handshake durations (all workers added up)
  --json                 one JSON event per line`;

/** Reads the arguments of `rxtls gateway`; throws naming the one at fault. */
export function parseGatewayArgs(args: readonly string[]): GatewayCommand {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      listen: { type: 'string' },
      to: { type: 'string', multiple: true },
      origin: { type: 'string', multiple: true },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'max-connections': { type: 'string' },
      json: { type: 'boolean' },
      'ticket-keys': { type: 'string' },
      workers: { type: 'string' },
      metrics: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`gateway takes no positional arguments, got "${positionals.join(' ')}"`);
  if (values.listen === undefined) throw new UsageError('--listen ADDRESS:PORT is required');
  const listen = parseTarget(values.listen, { lowestPort: 0 }); // port 0: any free port
  if (!values.to?.length) throw new UsageError('--to HOST:PORT is required: the gateway reaches only the services listed');
  for (const to of values.to) parseTarget(to);
  certAndKey(values);
  if (values['ticket-keys'] !== undefined && values.cert === undefined)
    throw new UsageError('--ticket-keys needs --cert FILE --key FILE: a ws: gateway has no TLS sessions to resume');
  const maxConnections = positiveIntegerFlag('max-connections', values['max-connections']);
  const metrics = values.metrics === undefined ? undefined : parseTarget(values.metrics, { lowestPort: 0 });
  return {
    host: listen.host,
    port: listen.port,
    targets: values.to,
    origins: values.origin ?? [],
    json: values.json === true,
    workers: workersFlag(values.workers),
    ...(values.ca !== undefined && { ca: values.ca }),
    ...(values.cert !== undefined && { cert: values.cert, key: values.key }),
    ...(maxConnections !== undefined && { maxConnections }),
    ...(values['ticket-keys'] !== undefined && { ticketKeys: values['ticket-keys'] }),
    ...(metrics && { metrics: { host: metrics.host, port: metrics.port } }),
  };
}

/** Runs `rxtls gateway` until interrupted; resolves to the exit status only on failure (or, with `--workers`, when stopped). */
export async function runGateway(command: GatewayCommand, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): Promise<number> {
  const primary = command.workers > 1 && !isWorker();
  // prom-client is loaded only for --metrics (and in every worker of such a command, whose counters the primary asks for).
  const metricsModule = command.metrics ? await import('./gateway-metrics') : undefined;
  let metricsServer: Server | undefined;
  if (metricsModule && command.metrics && !isWorker()) {
    try {
      const served = await metricsModule.serveMetrics(command.metrics.host, command.metrics.port, metricsModule.metricsSource(primary));
      metricsServer = served.server;
      stdout.write(`metrics on http://${formatHostPort(command.metrics.host, served.port)}/metrics\n`);
    } catch (error) {
      stderr.write(`rxtls: --metrics ${formatHostPort(command.metrics.host, command.metrics.port)}: ${(error as Error).message}\n`);
      return 1;
    }
  }
  if (primary) return runPrimary('gateway', command.workers, stdout, stderr).finally(() => metricsServer?.close());
  const metrics = metricsModule?.gatewayMetrics();
  const options: GatewayOptions = {
    host: command.host,
    port: command.port,
    targets: command.targets,
    origins: command.origins,
    upstream: command.ca === undefined ? {} : { ca: command.ca },
    ...(command.cert !== undefined &&
      command.key !== undefined && { credentials: { cert: readFileSync(command.cert), key: readFileSync(command.key) } }),
    ...(command.maxConnections !== undefined && { maxConnections: command.maxConnections }),
    ...(command.cert !== undefined && ticketKeysFlag(command.ticketKeys, stderr)),
  };
  return new Promise((resolve) => {
    const running = gateway(options).subscribe({
      next: (event) => {
        metrics?.record(event);
        stdout.write(`${command.json ? JSON.stringify(summary(event)) : describe(event)}\n`);
      },
      error: (error: Error) => {
        stderr.write(`rxtls: ${error.message}\n${explanation(explain(error), styleFor(stderr, process.env))}\n`);
        metricsServer?.close();
        resolve(1);
      },
    });
    stopOnSignals(() => {
      running.unsubscribe();
      metrics?.stop();
      metricsServer?.close();
    });
  });
}

/** `rxtls gateway --listen ADDRESS:PORT --to HOST:PORT`. */
export const gatewayCommand: CliCommand<GatewayCommand> = { usage: GATEWAY_USAGE, parse: parseGatewayArgs, run: runGateway };

function describe(event: GatewayEvent): string {
  switch (event.type) {
    case 'listening':
      return `gateway listening on ${event.url}`;
    case 'bridged':
      return `#${event.id} ${event.remoteAddress}${event.origin ? ` (${event.origin})` : ''} → ${event.target} (${event.peer.subject})`;
    case 'refused':
      return `refused ${event.remoteAddress}${event.origin ? ` (${event.origin})` : ''}: ${event.status} ${event.reason}`;
    case 'bridgeClosed':
      return `#${event.id} closed by the ${event.closedBy} (code ${event.code}), ${event.bytesUp} bytes up, ${event.bytesDown} down${event.error ? `: ${event.error.message}` : ''}`;
  }
}

function summary(event: GatewayEvent): object {
  if (event.type === 'bridged') return { ...event, peer: { subject: event.peer.subject, spkiPin: event.peer.spkiPin } };
  if (event.type === 'bridgeClosed') return { ...event, error: event.error?.message };
  return event;
}
