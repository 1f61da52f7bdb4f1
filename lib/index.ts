/**
 * rxtls: a TLS connection as a cold Observable of typed events.
 *
 * @example
 * ```ts
 * import { connect } from 'rxtls';
 * connect({ host: 'imap.example.com', port: 993 }).subscribe((e) => console.log(e.type));
 * ```
 * @module
 */
export { connect } from './connect';
export type { ConnectOptions } from './options';
export type { CaSource } from './ca';
export type {
  CertError,
  CertFailedEvent,
  CertificateSummary,
  ClosedEvent,
  ConnectedEvent,
  DataEvent,
  HandshakeEvent,
  LineEvent,
  PeerInfo,
  RawTlsEvent,
  SessionInfo,
  TlsEvent,
  TlsWriter,
} from './events';
export { InvalidOptionError, TransportError, WriteBufferFullError } from './errors';
export { verify } from './operators/verify';
export { strict } from './policies/strict';
export type { HandshakeFacts, VerificationPolicy } from './policies/policy';
export * from './defaults';
