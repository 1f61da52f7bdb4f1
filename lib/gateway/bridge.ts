import type { TLSSocket } from 'node:tls';
import type { WebSocket } from 'ws';
import { TransportError } from '../errors';
import { timerSet } from '../util/timer-set';
import { idleTimer } from '../transport/idle-timer';
import type { BridgeSummary } from './bridge-summary';

const OPEN = 1;
const CLOSING = 2;

/** How every chunk is sent: binary, one frame, never compressed (the gateway offers no compression). */
const BINARY = { binary: true, compress: false, fin: true } as const;

/** RFC 6455 allows close reasons up to 123 bytes. */
const MAX_REASON_BYTES = 123;

/**
 * Bridges one WebSocket client and one verified TLS socket: bytes both ways, with backpressure
 * (a slow client pauses reading from the target past `maxBufferedBytes`; a slow target pauses
 * the client), and closes propagated both ways — the client's close ends the TLS connection
 * with close_notify, the target's orderly end closes the WebSocket with 1000, a reset or error
 * with 1014 (bad gateway). Each side that does not finish closing within `closeTimeout` is
 * destroyed. `done` is called once, when both are closed.
 *
 * With `idleTimeout`, a bridge across which no byte went either way for that long is closed as
 * the gateway's shutdown closes it (1001 to the client, close_notify to the target), its summary
 * carrying `ERR_RXTLS_IDLE_TIMEOUT`; the clock stops while either side is held back by the
 * other's back-pressure, since the bytes then wait on us.
 */
export function bridge(
  client: WebSocket,
  target: { readonly socket: TLSSocket; readonly host: string; readonly port: number; readonly transportEnded?: () => boolean },
  limits: { readonly maxBufferedBytes: number; readonly closeTimeout: number; readonly idleTimeout?: number },
  done: (summary: BridgeSummary) => void,
): { shutdown(): void } {
  const { socket: tls, transportEnded } = target;
  let bytesUp = 0;
  let bytesDown = 0;
  let closedBy: BridgeSummary['closedBy'] | undefined;
  let error: (Error & { code?: string }) | undefined;
  let clientCode: number | undefined;
  let targetClosed = false;
  let targetEnded = false;
  const timers = timerSet();
  const within = (fire: () => void) => timers.after(limits.closeTimeout, fire);
  const idle = idleTimer(limits.idleTimeout ?? 0, () => {
    closedBy ??= 'gateway';
    error ??= new TransportError(
      'ERR_RXTLS_IDLE_TIMEOUT',
      target.host,
      target.port,
      `nothing crossed the bridge for ${limits.idleTimeout} ms (option idleTimeout)`,
    );
    closeClient(1001, `idle for ${limits.idleTimeout} ms`);
    endTarget();
  });
  const finishIfBoth = () => {
    if (clientCode === undefined || !targetClosed) return;
    timers.clear();
    idle.stop();
    done({ closedBy: closedBy ?? 'client', code: clientCode, bytesUp, bytesDown, ...(error && { error }) });
  };
  const closeClient = (code: number, reason: string) => {
    if (client.readyState !== OPEN) return;
    client.close(code, truncate(reason));
    within(() => client.terminate());
  };
  const endTarget = () => {
    if (tls.destroyed) return;
    tls.end(); // close_notify, then FIN
    within(() => tls.destroy());
  };

  // Downstream, TLS → WebSocket: each decrypted chunk is sent as it comes, as one binary message,
  // never copied or joined (ws frames a Buffer without copying it). Past maxBufferedBytes queued
  // towards the client the target is paused; every send reports back to one shared callback
  // (no closure per chunk), which resumes the target as soon as the queue is below the bound
  // again, so the pipe refills before it runs dry.
  let targetPaused = false;
  let draining = false;
  const sent = () => {
    if (targetPaused && client.bufferedAmount < limits.maxBufferedBytes) {
      targetPaused = false;
      tls.resume();
      if (!draining) idle.resume();
    }
  };
  tls.on('data', (chunk: Buffer) => {
    bytesDown += chunk.length;
    idle.touch();
    client.send(chunk, BINARY, sent);
    if (!targetPaused && client.bufferedAmount >= limits.maxBufferedBytes) {
      targetPaused = true;
      tls.pause();
      idle.pause();
    }
  });
  tls.on('error', (e: NodeJS.ErrnoException) => (error ??= e));
  tls.on('end', () => {
    closedBy ??= 'target';
    if (transportEnded?.()) {
      // TCP ended before TLS did: no close_notify, so what arrived may be cut short. Say so.
      error ??= new TransportError(
        'ERR_RXTLS_TLS_TRUNCATED',
        target.host,
        target.port,
        'the TLS service closed TCP without a TLS close_notify: the data may have been truncated',
      );
      return;
    }
    targetEnded = true;
    closeClient(1000, '');
  });
  tls.once('close', () => {
    idle.stop();
    targetClosed = true;
    closedBy ??= 'target';
    if (!targetEnded) {
      const code = error?.code;
      closeClient(1014, `the TLS service ${code ? `failed: ${code}` : 'closed without an orderly end'}`);
    }
    finishIfBoth();
  });

  // Upstream, WebSocket → TLS: a write the TLS socket cannot take at once pauses the client until
  // it drains.
  const resumeClient = () => {
    draining = false;
    client.resume();
    if (!targetPaused) idle.resume();
  };
  client.on('message', (data: Buffer) => {
    bytesUp += data.length;
    idle.touch();
    if (tls.write(data) || draining) return;
    draining = true;
    client.pause();
    idle.pause();
    tls.once('drain', resumeClient);
  });
  client.on('error', (e: Error) => (error ??= e));
  client.once('close', (code: number) => {
    idle.stop();
    clientCode = code;
    closedBy ??= 'client';
    endTarget();
    finishIfBoth();
  });

  idle.resume();
  return {
    shutdown() {
      closedBy ??= 'gateway';
      if (client.readyState !== CLOSING) closeClient(1001, 'the gateway is shutting down');
      endTarget();
    },
  };
}

function truncate(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8');
  return bytes.length <= MAX_REASON_BYTES
    ? reason
    : bytes
        .subarray(0, MAX_REASON_BYTES - 3)
        .toString('utf8')
        .replace(/\uFFFD$/, '') + '...';
}
