/** HOST[:PORT], as the command line and the gateway's allow-list write it. */
export interface Target {
  readonly host: string;
  readonly port: number;
}

/** Parses HOST[:PORT] (and [IPv6]:PORT); throws a message naming what is wrong. */
export function parseTarget(text: string | undefined, defaultPort: number, lowestPort = 1): Target {
  if (!text) throw new Error('HOST[:PORT] is required');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const [host, portText] = bracketed
    ? [bracketed[1], bracketed[2]]
    : text.includes(':') && text.indexOf(':') === text.lastIndexOf(':')
      ? text.split(':')
      : [text, undefined];
  const port = portText === undefined ? defaultPort : Number(portText);
  if (!host) throw new Error(`no host in "${text}"`);
  if (!Number.isInteger(port) || port < lowestPort || port > 65535) throw new Error(`port must be ${lowestPort}-65535 in "${text}"`);
  return { host, port };
}
