import { createServer, connect, type Socket } from 'node:net';

/** A proxy started by {@link startTruncatingProxy}. */
export interface TruncatingProxy {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** Destroys its connections and stops listening. */
  close(): Promise<void>;
}

/**
 * A TCP proxy that forwards to `port` on 127.0.0.1, then after `ms` drops the client side with a
 * bare FIN, whatever TLS was saying: a truncation, for `detectTruncation` to notice.
 */
export async function startTruncatingProxy(port: number, ms: number): Promise<TruncatingProxy> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const proxy = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client, { end: false });
    const cut = setTimeout(() => {
      timers.delete(cut);
      upstream.unpipe(client);
      client.unpipe(upstream);
      upstream.destroy();
      client.resume(); // drain what the client still says, so that its side closes too
      client.end();
    }, ms);
    timers.add(cut);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as { port: number }).port,
    close: () => {
      timers.forEach((t) => clearTimeout(t));
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => proxy.close(() => resolve()));
    },
  };
}
