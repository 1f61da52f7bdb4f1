/**
 * The ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3): the version and cipher suite the server
 * chose — from the supported_versions extension in TLS 1.3 — and whether it is a
 * HelloRetryRequest (the same message, with a fixed random).
 * @module
 */
import { ByteReader } from './byte-reader';
import { WireFormatError } from './wire-format-error';

/** The random of a HelloRetryRequest: SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3). */
const HELLO_RETRY_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
const SUPPORTED_VERSIONS = 43;

/**
 * What a ServerHello says.
 *
 * @example
 * ```ts
 * import type { ServerHello } from './server-hello';
 * const isTls13 = (hello: ServerHello) => hello.version === 0x0304;
 * ```
 */
export interface ServerHello {
  /** The version chosen: supported_versions' if present, else legacy_version (0x0303 is TLS 1.2). */
  readonly version: number;
  /** The cipher suite chosen (0x1301 TLS_AES_128_GCM_SHA256, …). */
  readonly cipherSuite: number;
  /** Whether it is a HelloRetryRequest: the real ServerHello follows the client's second hello. */
  readonly helloRetryRequest: boolean;
}

/**
 * Reads a ServerHello's body; throws {@link WireFormatError} if it is not one.
 *
 * @example
 * ```ts
 * import { parseServerHello } from './server-hello';
 * const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 1), Buffer.from([0, 0x13, 0x01, 0])]);
 * console.log(parseServerHello(body)); // { version: 771, cipherSuite: 4865, helloRetryRequest: false }
 * ```
 */
export function parseServerHello(body: Buffer): ServerHello {
  const reader = new ByteReader(body, 'ServerHello');
  const legacyVersion = reader.uint(2, 'legacy_version');
  const random = reader.take(32, 'random');
  reader.vector(1, 'legacy_session_id', 0, 32);
  const cipherSuite = reader.uint(2, 'cipher_suite');
  reader.uint(1, 'legacy_compression_method');
  let version = legacyVersion;
  // Before TLS 1.2 the extensions could be absent altogether.
  if (reader.remaining > 0) {
    const extensions = reader.vector(2, 'extensions');
    reader.end('extensions');
    while (extensions.remaining > 0) {
      const type = extensions.uint(2, 'extension_type');
      const data = extensions.vector(2, 'extension_data');
      if (type === SUPPORTED_VERSIONS) {
        version = data.uint(2, 'selected_version');
        data.end('selected_version');
      }
    }
  }
  if (version >> 8 !== 3) throw new WireFormatError('ServerHello', `version 0x${version.toString(16)} is not TLS`);
  return { version, cipherSuite, helloRetryRequest: random.equals(HELLO_RETRY_RANDOM) };
}
