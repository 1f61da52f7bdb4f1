/**
 * The WebSocket-to-TLS gateway and its events: `listening`, then for each client `bridged` and
 * later `bridgeClosed`, or `refused` with the HTTP status it was turned away with.
 *
 * @example
 * ```ts
 * import { gateway, type GatewayEvent } from 'rxtls';
 * import { match } from 'ts-pattern';
 *
 * const log = (e: GatewayEvent) =>
 *   match(e)
 *     .with({ type: 'listening' }, ({ url }) => `listening on ${url}`)
 *     .with({ type: 'bridged' }, ({ id, target }) => `#${id} → ${target}`)
 *     .with({ type: 'refused' }, ({ status, reason }) => `refused: ${status} ${reason}`)
 *     .with({ type: 'bridgeClosed' }, ({ id, code }) => `#${id} closed (${code})`)
 *     .exhaustive();
 * gateway({ port: 8143, targets: ['imap.example.com:993'] }).subscribe((e) => console.log(log(e)));
 * ```
 * @module
 */
import { createServer as createHttpServer, STATUS_CODES, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { Observable, defer, type Subscription } from 'rxjs';
import { WebSocketServer } from 'ws';
import { DEFAULT_CIPHERS, DEFAULT_MIN_TLS_VERSION } from '../defaults';
import type { PeerInfo } from '../events';
import { verifiedSocket } from '../client/verified-socket';
import { startListener, type Listener } from '../server/listener';
import { followTicketKeys, TICKET_KEYS_SESSION_ID_CONTEXT } from '../server/server-ticket-keys';
import { serverKeepAlive, stopOnAbort } from '../server/server-liveness';
import { publish } from '../util/diagnostics-channels';
import { formatHostPort } from '../util/host-port';
import { bridge } from './bridge';
import type { BridgeSummary } from './bridge-summary';

export type { BridgeSummary } from './bridge-summary';
import { parseHostPort, resolveGatewayOptions, targetKey, type GatewayOptions } from './gateway-options';

/** The gateway accepts WebSocket clients. */
export interface GatewayListeningEvent {
  /** The discriminant: match on it. */
  readonly type: 'listening';
  /** The address listened on. */
  readonly host: string;
  /** The port listened on (the one picked, when `port` was 0). */
  readonly port: number;
  /** The URL clients connect to, `ws://…` or `wss://…`. */
  readonly url: string;
}

/** A client is bridged to a verified TLS target. */
export interface GatewayBridgedEvent {
  /** The discriminant: match on it. */
  readonly type: 'bridged';
  /** Numbers the bridges of this gateway, from 1. */
  readonly id: number;
  /** The target, `host:port`. */
  readonly target: string;
  /** The client's address. */
  readonly remoteAddress: string;
  /** The client's `Origin` header, when it sent one. */
  readonly origin?: string;
  /** The verified target. */
  readonly peer: PeerInfo;
}

/** A client was turned away with an HTTP status, before any byte reached a target. */
export interface GatewayRefusedEvent {
  /** The discriminant: match on it. */
  readonly type: 'refused';
  /** 403 (origin or target not allowed), 404 (path), 503 (too many connections), 502 (the target failed or failed verification). */
  readonly status: number;
  /** Why, for people; also the body of the HTTP answer. */
  readonly reason: string;
  /** The client's address. */
  readonly remoteAddress: string;
  /** The client's `Origin` header, when it sent one. */
  readonly origin?: string;
  /** The target asked for, when one was. */
  readonly target?: string;
}

/** A bridge ended: both sides are closed. */
export interface GatewayBridgeClosedEvent extends BridgeSummary {
  /** The discriminant: match on it. */
  readonly type: 'bridgeClosed';
  /** The bridge's number, as in `bridged`. */
  readonly id: number;
  /** The target, `host:port`. */
  readonly target: string;
}

/** What a {@link gateway} emits. */
export type GatewayEvent = GatewayListeningEvent | GatewayBridgedEvent | GatewayRefusedEvent | GatewayBridgeClosedEvent;

const noop = () => undefined;

/**
 * A WebSocket-to-TLS gateway as a cold Observable: subscribing listens, unsubscribing stops
 * accepting and closes every bridge gracefully (code 1001 to clients, close_notify to targets).
 * Each WebSocket client is bridged to its own TLS connection to one target of the allow-list,
 * verified exactly as `connect()` verifies (`upstream.verify`, `strict()` by default) before the
 * WebSocket upgrade is even answered: a client that is told `101 Switching Protocols` is talking
 * to a verified target. Clients are refused with an HTTP status — 403 for an `Origin` not in
 * `origins` or a target not on the allow-list, 404 for another path, 503 past `maxConnections`,
 * 502 when the target cannot be reached or fails verification. Bytes flow both ways with
 * backpressure; closes propagate both ways.
 *
 * @example
 * ```ts
 * import { gateway } from 'rxtls';
 *
 * // Let pages from https://mail.example.com read IMAP through ws://127.0.0.1:8143/
 * gateway({ port: 8143, targets: ['imap.example.com:993'], origins: ['https://mail.example.com'] }).subscribe((e) => {
 *   if (e.type === 'listening') console.log(`gateway on ${e.url}`);
 *   if (e.type === 'refused') console.log(`refused ${e.remoteAddress}: ${e.status} ${e.reason}`);
 * });
 * ```
 * @see connectWebSocket
 */
export function gateway(options: GatewayOptions): Observable<GatewayEvent> {
  // Options are checked per subscription: bad input is an error notification, never a throw.
  return defer(() => {
    const resolved = resolveGatewayOptions(options);
    return new Observable<GatewayEvent>((subscriber) => {
      const stopAbort = stopOnAbort(resolved, subscriber);
      if (!stopAbort) return undefined;
      const keepAlive = serverKeepAlive(resolved);
      const server = resolved.credentials
        ? createHttpsServer({
            ...resolved.credentials,
            minVersion: DEFAULT_MIN_TLS_VERSION,
            ciphers: DEFAULT_CIPHERS,
            ...keepAlive,
            ...(resolved.ticketKeys !== undefined && { sessionIdContext: TICKET_KEYS_SESSION_ID_CONTEXT }),
          })
        : createHttpServer(keepAlive);
      const webSockets = new WebSocketServer({ noServer: true, maxPayload: resolved.maxMessageBytes, perMessageDeflate: false });
      const bridges = new Set<{ shutdown(): void }>();
      const connecting = new Set<Subscription>();
      let active = 0;
      let nextId = 1;

      server.on('request', (_request, response) => {
        response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'close' });
        response.end('this is a WebSocket gateway: connect with a WebSocket client\n');
      });
      server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
        socket.on('error', noop); // a client that vanishes mid-upgrade must not crash the host
        const remoteAddress = request.socket.remoteAddress ?? '';
        const origin = request.headers.origin;
        const who = { remoteAddress, ...(origin !== undefined && { origin }) };
        const refuse = (status: number, reason: string, target?: string) => {
          subscriber.next({ type: 'refused', status, reason, ...who, ...(target !== undefined && { target }) });
          answer(socket, status, reason);
        };
        const url = new URL(request.url ?? '/', 'http://gateway');
        if (url.pathname !== resolved.path) return refuse(404, `nothing at ${url.pathname}: the gateway is at ${resolved.path}`);
        if (origin !== undefined && !resolved.origins.has(origin.toLowerCase()))
          return refuse(403, `origin ${origin} is not allowed (option origins)`);
        const asked = url.searchParams.get('target');
        const parsed = asked === null ? resolved.targets.get(resolved.defaultTarget) : parseHostPort(asked);
        const key = parsed ? targetKey(parsed) : (asked ?? '');
        const target = resolved.targets.get(key);
        if (!target) return refuse(403, `target ${key} is not on the gateway's allow-list (option targets)`, key);
        if (active >= resolved.maxConnections)
          return refuse(503, `too many connections (option maxConnections: ${resolved.maxConnections})`, key);

        active += 1;
        let released = false;
        let bridged = false;
        const release = () => {
          if (released) return;
          released = true;
          active -= 1;
        };
        let failed = false;
        const fail = (status: number, reason: string) => {
          if (failed) return;
          failed = true;
          release();
          refuse(status, reason, key);
        };
        const upstream = verifiedSocket({
          // Kept on: only it tells a close_notify from a bare TCP close, which the client must hear
          // as 1014, not 1000. In the gateway it costs no measurable speed (docs/browsers-and-gateway.md).
          detectTruncation: true,
          ...resolved.upstream,
          host: target.host,
          port: target.port,
          ...(target.servername !== undefined && { servername: target.servername }),
        }).subscribe({
          next: (event) => {
            if (event.type === 'certFailed') return fail(502, `the target's certificate was rejected: ${event.reason}`);
            if (event.type === 'closed') return fail(502, 'the target closed the connection during verification');
            const tls = event.socket;
            if (socket.destroyed) {
              release();
              tls.destroy();
              return;
            }
            // ws answers a malformed upgrade itself (400) without calling back: the TLS side then goes.
            socket.once('close', () => {
              if (!bridged) {
                release();
                tls.destroy();
              }
            });
            webSockets.handleUpgrade(request, socket, head, (client) => {
              bridged = true;
              const id = nextId;
              nextId += 1;
              subscriber.next({ type: 'bridged', id, target: key, ...who, peer: event.peer });
              publish('bridge', () => ({ phase: 'open', id, target: key, remoteAddress }));
              const running = bridge(client, { ...event, host: target.host, port: target.port }, resolved, (summary) => {
                release();
                bridges.delete(running);
                const { closedBy, code, bytesUp, bytesDown } = summary;
                publish('bridge', () => ({ phase: 'close', id, target: key, remoteAddress, closedBy, code, bytesUp, bytesDown }));
                subscriber.next({ type: 'bridgeClosed', id, target: key, ...summary });
              });
              bridges.add(running);
            });
          },
          error: (error: Error) => fail(502, `cannot reach the target: ${error.message}`),
        });
        connecting.add(upstream);
        upstream.add(() => connecting.delete(upstream));
        socket.once('close', () => {
          if (!upstream.closed) {
            release();
            upstream.unsubscribe();
          }
        });
      });
      const url = (port: number) => `${resolved.credentials ? 'wss' : 'ws'}://${formatHostPort(resolved.host, port)}${resolved.path}`;
      let listener: Listener | undefined;
      const start = () => {
        listener = startListener(
          server,
          { host: resolved.host, port: resolved.port, shutdownTimeout: resolved.closeTimeout },
          {
            listening: (port) => subscriber.next({ type: 'listening', host: resolved.host, port, url: url(port) }),
            failed: (error) => subscriber.error(error),
          },
          'the gateway cannot listen',
        );
      };
      server.on('connection', (socket: Socket) => listener?.track(socket));
      // With ticketKeys the gateway listens once the first keys are checked and hooked.
      const tickets = followTicketKeys(resolved, subscriber);
      if (resolved.ticketKeys === undefined) start();
      else
        void tickets.ready.then((hooks) => {
          if (subscriber.closed) return;
          try {
            hooks?.hookServer(server as TlsServer);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          start();
        });

      return () => {
        stopAbort();
        tickets.subscription?.unsubscribe();
        for (const upstream of connecting) upstream.unsubscribe();
        for (const running of bridges) running.shutdown();
        // The bridges say goodbye themselves (1001); what is still open after closeTimeout is destroyed.
        void listener?.stop('linger');
      };
    });
  });
}

/** Answers an upgrade request with an HTTP error and closes the connection. */
function answer(socket: Socket, status: number, reason: string): void {
  if (socket.destroyed) return;
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
