import { readFileSync } from 'node:fs';
import { gateway, type GatewayEvent } from '../gateway/gateway';
import type { GatewayOptions } from '../gateway/gateway-options';

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
}

/** Runs `rxtls gateway` until interrupted; resolves to the exit status only on failure. */
export function runGateway(command: GatewayCommand, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): Promise<number> {
  const options: GatewayOptions = {
    host: command.host,
    port: command.port,
    targets: command.targets,
    origins: command.origins,
    upstream: command.ca === undefined ? {} : { ca: command.ca },
    ...(command.cert !== undefined &&
      command.key !== undefined && { credentials: { cert: readFileSync(command.cert), key: readFileSync(command.key) } }),
    ...(command.maxConnections !== undefined && { maxConnections: command.maxConnections }),
  };
  return new Promise((resolve) => {
    gateway(options).subscribe({
      next: (event) => stdout.write(`${command.json ? JSON.stringify(summary(event)) : describe(event)}\n`),
      error: (error: Error) => {
        stderr.write(`rxtls: ${error.message}\n`);
        resolve(1);
      },
    });
  });
}

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
