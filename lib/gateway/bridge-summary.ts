/**
 * How a bridge ended, as the gateway's `bridgeClosed` event tells it.
 *
 * @example
 * ```ts
 * import { gateway } from 'rxtls';
 * gateway({ port: 8143, targets: ['imap.example.com:993'] }).subscribe((e) => {
 *   if (e.type === 'bridgeClosed') console.log(`closed by the ${e.closedBy}: ${e.bytesUp} bytes up, ${e.bytesDown} down`);
 * });
 * ```
 */
export interface BridgeSummary {
  /** Who closed first: the WebSocket client, the TLS target, or the gateway shutting down. */
  readonly closedBy: 'client' | 'target' | 'gateway';
  /** The close code the WebSocket ended with. */
  readonly code: number;
  /** Bytes from the client to the target. */
  readonly bytesUp: number;
  /** Bytes from the target to the client. */
  readonly bytesDown: number;
  /** The first error either side reported, when one did. */
  readonly error?: Error;
}
