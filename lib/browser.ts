/**
 * rxtls for browsers (`rxtls/browser`): the same events and operators over a WebSocket, for apps
 * that cannot open TLS sockets. Nothing here imports a Node module; the published build bundles
 * a `Buffer` (the `buffer` package) so that `data` events carry the same bytes type as in Node.
 * Reach a TLS line service through `rxtls gateway`.
 *
 * @example
 * ```ts
 * import { filter, take } from 'rxjs';
 * import { connectWebSocket, lines } from 'rxtls/browser';
 *
 * connectWebSocket('ws://127.0.0.1:8143/')
 *   .pipe(lines(), filter((e) => e.type === 'line'), take(1))
 *   .subscribe((greeting) => (document.body.textContent = greeting.text));
 * ```
 * @module
 */
export { connectWebSocket } from './websocket/connect-websocket';
export type { WebSocketOptions } from './websocket/websocket-options';
export type { WebSocketConstructor, WebSocketLike } from './websocket/websocket-transport';
export type {
  ClosedEvent,
  CloseTimeout,
  ConnectEvent,
  ConnectedEvent,
  DataEvent,
  FrameEvent,
  FramedEvent,
  LineEvent,
  PeerInfo,
  PeerSawRejection,
  ReconnectingEvent,
  ReconnectReason,
  CertificateSummary,
  CertError,
  CertErrorDetails,
  CertFailedEvent,
  CertificateRevocation,
  ChainCompletion,
  RevocationStatus,
  SessionInfo,
  TlsEvent,
  TlsReader,
  TlsWriter,
  TransportEvent,
  WebSocketConnectedEvent,
  BrowserWebSocketEvent,
  WebSocketEvent,
  WebSocketInfo,
} from './events';
export {
  BINARY_FRAME_ERROR_CODES,
  DIAGNOSIS_CODES,
  FRAME_ERROR_CODES,
  InvalidOptionError,
  OPENSSL_CERT_ERROR_CODES,
  PASS_THROUGH_TRANSPORT_ERROR_CODES,
  POLICY_CERT_ERROR_CODES,
  RXTLS_ERROR_CODES,
  RXTLS_TRANSPORT_ERROR_CODES,
  TransportError,
  WriteBufferFullError,
  type BinaryFrameErrorCode,
  type CertErrorCode,
  type DiagnosisCode,
  type FrameErrorCode,
  type OpenSslCertErrorCode,
  type RxtlsErrorCode,
  type TransportErrorCode,
} from './errors';
export { end, line, type Outbound, type OutboundEnd, type OutboundLine } from './outbound';
export { converse, type ConverseOptions, type Dialogue } from './operators/converse';
export { reconnect, type ReconnectAttempt, type ReconnectOptions } from './operators/reconnect';
export { backoff, backoffCeiling, nextAttempt, type Backoff, type BackoffOptions, type NextAttempt } from './util/backoff';
export { gracefulShutdown, type GracefulShutdownOptions } from './operators/graceful-shutdown';
export { lines, type LinesOptions } from './operators/lines';
export { frames, type FramesOptions } from './operators/frames';
export { handleEach, type EventHandlerResult, type HandleEachOptions, type HandledEvent } from './operators/handle-each';
export { heartbeat, type HeartbeatOptions } from './operators/heartbeat';
export { FrameDecoder, type FrameDecoderOptions, type FrameSink, type LineEncoding } from './framing/frame-decoder';
export { FrameError, FrameTooLongError, LineTooLongError, LiteralTooLongError } from './framing/frame-errors';
export type { FrameCodec, FrameCodecDecoder, FrameEmit } from './framing/frame-codec';
export { lengthField, type LengthFieldFormat, type LengthFieldOptions, type LengthSize } from './framing/length-field';
export { fixedLength, type FixedLengthOptions } from './framing/fixed-length';
export { delimited, type DelimitedOptions } from './framing/delimited';
export { switching } from './framing/switching';
export { encodeVarint, lengthPrefixed } from './framing/length-prefixed';
export {
  explain,
  explainCode,
  type Explainable,
  type ExplainedProblem,
  type ExplainOptions,
  type Explanation,
  type ExplanationDetails,
} from './diagnostics/explain';
export type { ExplainedCode } from './diagnostics/explanations';
export {
  diagnose,
  type CertificateFacts,
  type DiagnosedProblem,
  type DoctorFindings,
  type HandshakeFinding,
  type Verdict,
} from './diagnostics/diagnose';
export type {
  DnsFinding,
  IntermediateFinding,
  PlaintextFinding,
  PlaintextProtocol,
  ProbeError,
  ServedCertificate,
  ServedFlightFinding,
  TcpFinding,
  VersionFinding,
} from './diagnostics/doctor-findings';

export * from './defaults';
