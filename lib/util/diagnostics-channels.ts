/**
 * What rxtls publishes on `node:diagnostics_channel`, for metrics and traces without wrapping a
 * single Observable: a connection attempt, each finished handshake, each verdict of a
 * verification policy, each close, and each gateway bridge opened and closed. Nothing is
 * built or published while a channel has no subscriber (`channel.hasSubscribers`), so an
 * application that does not listen pays a property read per event. A subscriber that throws is
 * reported by Node as an uncaught exception, as for any channel. Messages carry no secret
 * (no key, ticket, password or key-log line) and no certificate, only names, numbers and codes.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * import { DIAGNOSTICS_CHANNELS, type HandshakeMessage } from 'rxtls';
 *
 * subscribe(DIAGNOSTICS_CHANNELS.handshake, (message) => {
 *   const { role, host, port, protocol, resumed, durationMs } = message as HandshakeMessage;
 *   console.log(`${role} ${host}:${port} ${protocol}${resumed ? ' resumed' : ''} in ${durationMs} ms`);
 * });
 * ```
 * @module
 */
import { channel } from 'node:diagnostics_channel';

/** The names of rxtls's diagnostics channels. */
export const DIAGNOSTICS_CHANNELS = {
  /** A client starts a connection: {@link ConnectMessage}. */
  connect: 'rxtls:connect',
  /** A TLS handshake finished, before any verdict: {@link HandshakeMessage}. */
  handshake: 'rxtls:handshake',
  /** A verification policy decided on a peer: {@link VerdictMessage}. */
  verdict: 'rxtls:verdict',
  /** An established connection closed: {@link CloseMessage}. */
  close: 'rxtls:close',
  /** The gateway bridged a WebSocket client to a TLS target, or such a bridge closed: {@link BridgeMessage}. */
  bridge: 'rxtls:gateway:bridge',
} as const;

/** Which end of a connection rxtls is. */
export type DiagnosticsRole = 'client' | 'server';

/** Published on `rxtls:connect`. */
export interface ConnectMessage {
  /** Always `'client'`: servers do not dial. */
  readonly role: 'client';
  /** The server's name or address, as given. */
  readonly host: string;
  /** The server's port. */
  readonly port: number;
  /** Whether a session ticket is offered (option `session`). */
  readonly offersSession: boolean;
}

/** Published on `rxtls:handshake`. */
export interface HandshakeMessage {
  /** Which end we are. */
  readonly role: DiagnosticsRole;
  /** The server (client side) or the client's address (server side). */
  readonly host: string;
  /** The server's port (client side) or the client's (server side). */
  readonly port: number;
  /** From the start of the TLS handshake (TCP connected, or accepted) to its end, in ms. */
  readonly durationMs: number;
  /** `TLSv1.3`, `TLSv1.2`. */
  readonly protocol: string;
  /** The cipher suite's standard name, e.g. `TLS_AES_256_GCM_SHA384`. */
  readonly cipher: string;
  /** Whether an earlier session was resumed (no full handshake). */
  readonly resumed: boolean;
  /** The server certificate's expiry (ISO 8601), client side, when a certificate was presented. */
  readonly serverNotAfter?: string;
}

/** Published on `rxtls:verdict`. */
export interface VerdictMessage {
  /** Which end judged: a client its server, a server its client's certificate. */
  readonly role: DiagnosticsRole;
  /** The policy's name, e.g. `strict`. */
  readonly policy: string;
  /** Whether the peer was accepted (`connected`) or rejected (`certFailed`). */
  readonly accepted: boolean;
  /** The codes of the problems that rejected the peer (`CERT_HAS_EXPIRED`, …); empty when accepted. */
  readonly codes: readonly string[];
  /** The peer certificate's subject (empty for a client that presented none). */
  readonly subject: string;
}

/** Published on `rxtls:close`. */
export interface CloseMessage {
  /** Which end we are. */
  readonly role: DiagnosticsRole;
  /** The server (client side) or the client's address (server side). */
  readonly host: string;
  /** The peer's port. */
  readonly port: number;
  /** Who ended the connection first, as `closed.by`. */
  readonly by: 'local' | 'peer';
  /** As `closed.clean`. */
  readonly clean: boolean;
  /** The code of `closed.error`, when there was one. */
  readonly code?: string;
  /** Application bytes received (decrypted: TLS records and the handshake are not counted). */
  readonly bytesRead: number;
  /** Application bytes sent. */
  readonly bytesWritten: number;
}

/** Published on `rxtls:gateway:bridge`. */
export interface BridgeMessage {
  /** `open` when the client is bridged, `close` when the bridge ended. */
  readonly phase: 'open' | 'close';
  /** The bridge's number, as in the gateway's events. */
  readonly id: number;
  /** The target, `host:port`. */
  readonly target: string;
  /** The WebSocket client's address. */
  readonly remoteAddress: string;
  /** On close: who closed, `client`, `target` or `gateway`. */
  readonly closedBy?: string;
  /** On close: the WebSocket close code the client got. */
  readonly code?: number;
  /** On close: bytes from the client to the target. */
  readonly bytesUp?: number;
  /** On close: bytes from the target to the client. */
  readonly bytesDown?: number;
}

const channels = {
  connect: channel(DIAGNOSTICS_CHANNELS.connect),
  handshake: channel(DIAGNOSTICS_CHANNELS.handshake),
  verdict: channel(DIAGNOSTICS_CHANNELS.verdict),
  close: channel(DIAGNOSTICS_CHANNELS.close),
  bridge: channel(DIAGNOSTICS_CHANNELS.bridge),
};

interface Messages {
  connect: ConnectMessage;
  handshake: HandshakeMessage;
  verdict: VerdictMessage;
  close: CloseMessage;
  bridge: BridgeMessage;
}

/** Whether anyone listens on one channel now: for work worth doing only then. */
export function observed(name: keyof Messages): boolean {
  return channels[name].hasSubscribers;
}

/**
 * Publishes on one channel the message `build()` makes — built only when someone subscribed.
 * A subscriber that throws is reported by Node as it reports any channel subscriber's error (an
 * uncaught exception on the next tick); the connection goes on.
 */
export function publish<K extends keyof Messages>(name: K, build: () => Messages[K]): void {
  const target = channels[name];
  if (target.hasSubscribers) target.publish(build());
}

/** A handshake message from what the socket negotiated, `startedAt` being `performance.now()` when the handshake began. */
export function handshakeMessage(
  role: DiagnosticsRole,
  host: string,
  port: number,
  startedAt: number,
  session: { readonly protocol: string; readonly cipher: string; readonly resumed: boolean },
  serverNotAfter?: Date,
): HandshakeMessage {
  const { protocol, cipher, resumed } = session;
  return {
    role,
    host,
    port,
    durationMs: performance.now() - startedAt,
    protocol,
    cipher,
    resumed,
    ...(serverNotAfter && { serverNotAfter: serverNotAfter.toISOString() }),
  };
}

/** Publishes a policy's verdict on a peer: accepted when it found no problem. Nothing is read or built without a subscriber. */
export function publishVerdict(
  role: DiagnosticsRole,
  policy: string,
  problems: readonly { readonly code: string }[],
  peer: { readonly subject: string },
): void {
  publish('verdict', () => ({ role, policy, accepted: problems.length === 0, codes: problems.map((p) => p.code), subject: peer.subject }));
}
