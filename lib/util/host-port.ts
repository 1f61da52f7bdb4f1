import { InvalidTargetError } from '../errors';
import { isHost, isPort, portRule, type LowestPort } from './option-checks';

/** HOST[:PORT], as the command line and the gateway's allow-list write it. */
export interface Target {
  readonly host: string;
  readonly port: number;
}

/** How {@link parseTarget} reads a port: the one to use when the text has none (none: the port is required), and the lowest allowed. */
export interface TargetRules {
  /** The port when the text names none; without it, a port is required. */
  readonly defaultPort?: number;
  /** 0 for an address to listen on (any free port), 1 (the default) for one to connect to. */
  readonly lowestPort?: LowestPort;
}

/** `host:port`, an IPv6 address in brackets (`[::1]:993`). */
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Parses HOST[:PORT] (and [IPv6]:PORT); throws a message naming what is wrong. The port obeys
 * the same rule as the `port` options ({@link isPort}).
 */
export function parseTarget(text: string | undefined, rules: TargetRules = {}): Target {
  const { defaultPort, lowestPort = 1 } = rules;
  if (!text) throw new InvalidTargetError(text ?? '', 'HOST[:PORT] is required');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (text.startsWith('[') && !bracketed) throw new InvalidTargetError(text ?? '', `"${text}" is not [IPv6 address]:PORT`);
  const [host, portText] = bracketed
    ? [bracketed[1], bracketed[2]]
    : text.includes(':') && text.indexOf(':') === text.lastIndexOf(':')
      ? text.split(':')
      : [text, undefined];
  if (!isHost(host)) throw new InvalidTargetError(text ?? '', `no host in "${text}"`);
  if (portText === undefined && defaultPort === undefined)
    throw new InvalidTargetError(text ?? '', `no port in "${text}": HOST:PORT is required`);
  const port = portText === undefined ? defaultPort : /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!isPort(port, lowestPort)) throw new InvalidTargetError(text ?? '', `port ${portRule(lowestPort)} in "${text}"`);
  return { host, port };
}
