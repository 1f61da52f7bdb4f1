/**
 * rxtls: a TLS connection as a cold Observable of typed events.
 *
 * @example
 * ```ts
 * import { connect, lines } from 'rxtls';
 * connect({ host: 'imap.example.com', port: 993 }).pipe(lines()).subscribe((e) => console.log(e.type));
 * ```
 * @module
 */
export { connect } from './client/connect';
export { connectOver, type ConnectOverOptions } from './client/connect-over';
// The former STARTTLS names stay exported, deprecated, until 1.0.
// eslint-disable-next-line @typescript-eslint/no-deprecated
export { connectPlain, connectStartTls } from './client/connect-starttls';
// eslint-disable-next-line @typescript-eslint/no-deprecated
export { listenPlain, listenStartTls, type PlainServerEvent, type StartTlsServerEvent } from './server/listen-starttls';
export {
  listen,
  type ClientErrorEvent,
  type ConnectionEvent,
  type ListenEvent,
  type ListeningEvent,
  type ListenOptions,
  type ServerCredentials,
} from './server/listen';
export { listening, type RunningServer } from './server/listening';
export type { TicketKeyOptions, TicketKeys } from './server/ticket-keys';
export { parseTicketKeyFile, ticketKeysFromFile, type TicketKeyFileOptions } from './server/ticket-key-file';
export {
  serve,
  type ClientRejectedEvent,
  type ConnectionFailedEvent,
  type ServeEvent,
  type ServeOptions,
  type ServerEvent,
} from './server/serve';
export type { ConnectOptions } from './client/connect-options';
export { connectWebSocket, type NodeWebSocketOptions } from './websocket/connect-websocket-node';
export type { WebSocketOptions } from './websocket/websocket-options';
export {
  gateway,
  type BridgeSummary,
  type GatewayBridgeClosedEvent,
  type GatewayBridgedEvent,
  type GatewayEvent,
  type GatewayListeningEvent,
  type GatewayRefusedEvent,
} from './gateway/gateway';
export type { GatewayOptions, GatewayTarget } from './gateway/gateway-options';
export type { WebSocketConstructor, WebSocketLike } from './websocket/websocket-transport';
export { systemTrustStore, type CaSource } from './certificates/ca';
export type {
  ConnectEvent,
  CertError,
  CertErrorDetails,
  CertFailedEvent,
  CertificateCountdownEvent,
  CertificateRevocation,
  CertificateSummary,
  ChainCompletion,
  ClosedEvent,
  CloseTimeout,
  ConnectedEvent,
  DataEvent,
  FrameEvent,
  FramedEvent,
  ExpiryWarningEvent,
  HandshakeEvent,
  LineEvent,
  PlaintextEvent,
  PlaintextWriter,
  PeerInfo,
  PeerSawRejection,
  ReconnectingEvent,
  ReconnectReason,
  RawTlsEvent,
  RevocationStatus,
  SessionInfo,
  StartTlsEvent,
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
  RuntimeUnsupportedError,
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
export { currentRuntime, type RuntimeFeature, type RuntimeInfo } from './util/runtime';
export { end, line, startTls, type Outbound, type OutboundEnd, type OutboundLine, type OutboundStartTls } from './outbound';

export { converse, type ConverseOptions, type Dialogue } from './operators/converse';
export { reconnect, type ReconnectAttempt, type ReconnectOptions } from './operators/reconnect';
export { backoff, backoffCeiling, nextAttempt, type Backoff, type BackoffOptions, type NextAttempt } from './util/backoff';
export { gracefulShutdown, type GracefulShutdownOptions } from './operators/graceful-shutdown';
export { lines, type LinesOptions } from './operators/lines';
export { frames, type FramesOptions } from './operators/frames';
export { handleEach, type EventHandlerResult, type HandleEachOptions, type HandledEvent } from './operators/handle-each';
export { heartbeat, type HeartbeatOptions } from './operators/heartbeat';
export { verify } from './operators/verify';

export { FrameDecoder, type FrameDecoderOptions, type FrameSink, type LineEncoding } from './framing/frame-decoder';
export { FrameError, FrameTooLongError, LineTooLongError, LiteralTooLongError } from './framing/frame-errors';
export type { FrameCodec, FrameCodecDecoder, FrameEmit } from './framing/frame-codec';
export { lengthField, type LengthFieldFormat, type LengthFieldOptions, type LengthSize } from './framing/length-field';
export { fixedLength, type FixedLengthOptions } from './framing/fixed-length';
export { delimited, type DelimitedOptions } from './framing/delimited';
export { switching } from './framing/switching';
export { encodeVarint, lengthPrefixed } from './framing/length-prefixed';

export type { HandshakeFacts, VerificationPolicy } from './policies/policy';
export { allOf, anyOf } from './policies/combinators';
export { allowErrors } from './policies/allow-errors';
export { custom, type CustomVerdict } from './policies/custom';
export { fingerprint } from './policies/fingerprint';
export { insecureAcceptAnyCertificate } from './policies/insecure';
export { pin } from './policies/pin';
export { strict, type StrictOptions } from './policies/strict';
export { trustOnFirstUse } from './policies/trust-on-first-use';
export { revocation, type RevocationOptions } from './policies/revocation';
export { fetchBounded, type FetchLimits } from './certificates/fetch-url';
export { completingChain, type CompletingChainOptions } from './policies/completing-chain';
export { completeChain, type CompleteChainOptions, type CompletedChain } from './certificates/chain-completion';
export { expiryWarnings, type ExpiryWarningsOptions } from './operators/expiry-warnings';
export { certificateCountdown, type CertificateCountdownOptions } from './server/certificate-countdown';

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
export type { Keylog } from './diagnostics/keylog';

export {
  DIAGNOSTICS_CHANNELS,
  type BridgeMessage,
  type CloseMessage,
  type ConnectMessage,
  type DiagnosticsRole,
  type HandshakeMessage,
  type VerdictMessage,
} from './util/diagnostics-channels';
export * from './defaults';
