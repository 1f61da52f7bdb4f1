/**
 * `rxtls/testing`: helpers for your own tests — a throwaway PKI, local servers, and fake events
 * and writers for marble tests without a network.
 *
 * @example
 * ```ts
 * import { createTestPki, startTlsServer } from 'rxtls/testing';
 * const pki = await createTestPki();
 * const server = await startTlsServer({ ...(await pki.leaf()), echo: true });
 * ```
 * @module
 */
export { createTestPki, selfSigned, type IssueOptions, type TestAuthority, type TestCredentials, type TestPki } from './pki';
export { startSilentServer, startTlsServer, type TestServer, type TlsServerBehaviour } from './test-server';
export {
  fakeConnected,
  fakeHandshake,
  fakeLine,
  fakePeer,
  fakeSession,
  recordingReader,
  recordingWriter,
  type RecordingReader,
  type RecordingWriter,
} from './fakes';
