import type { EventEmitter } from 'node:events';
import { Socket } from 'node:net';

/**
 * Turns TCP keepalive on for a connected socket, with `keepAlive` ms of quiet before the first
 * probe (`false`: leaves it off). Called once TCP is connected — a socket not yet connected has no
 * descriptor, and libuv would later apply its own 60 s instead of our delay. A TLS socket passes
 * the call on to its TCP socket; anything that is not a socket (a test double, another
 * transport's stream) is left alone.
 */
export function keepAliveOn(tcp: EventEmitter, keepAlive: number | false): void {
  if (keepAlive !== false && tcp instanceof Socket) tcp.setKeepAlive(true, keepAlive);
}
