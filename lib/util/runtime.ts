/**
 * Which JavaScript runtime rxtls runs on, and what that runtime's `node:tls` cannot do. Where a
 * runtime lacks something an option asks for, rxtls refuses with a
 * {@link RuntimeUnsupportedError} that names the runtime and the feature, instead of going on
 * without it. Every gap listed here was measured by `npm run test:runtimes`
 * (`tools/runtime-smoke.ts`), which also checks that each one is still there.
 *
 * @example
 * ```ts
 * import { connect, currentRuntime, RuntimeUnsupportedError } from 'rxtls';
 *
 * console.log(currentRuntime()); // { name: 'Node', version: '20.20.2' }
 * connect({ host: 'imap.example.com', port: 993, session: savedTicket }).subscribe({
 *   error: (e) => {
 *     if (e instanceof RuntimeUnsupportedError) console.error(`${e.runtime.name}: ${e.feature}: ${e.message}`);
 *   },
 * });
 * ```
 * @module
 */
import { RuntimeUnsupportedError, type RuntimeFeature, type RuntimeInfo } from '../errors';

export type { RuntimeFeature, RuntimeInfo } from '../errors';

/** What each runtime lacks, and why: measured on Bun 1.4.5 and Deno 2.9.6. */
const GAPS: Readonly<Record<RuntimeInfo['name'], Partial<Record<RuntimeFeature, string>>>> = {
  Node: {},
  Bun: {
    securityLevel:
      'its node:tls is BoringSSL, which has no OpenSSL security levels (it refuses the cipher string DEFAULT@SECLEVEL=2), so RSA keys under 2048 bits and SHA-1 signatures would be accepted',
  },
  Deno: {
    sessionResumption: 'its node:tls accepts a session ticket but never resumes from it: every connection is a full handshake',
  },
};

const FEATURE_NAMES: Readonly<Record<RuntimeFeature, string>> = {
  securityLevel: 'TLS security level 2 (DEFAULT_SECURITY_LEVEL)',
  sessionResumption: 'session resumption (option session)',
};

/**
 * The runtime rxtls is running on, from `process.versions` (Bun and Deno add their own entry).
 *
 * @param versions - what to read: `process.versions` unless given.
 * @example
 * ```ts
 * import { currentRuntime } from 'rxtls';
 * const { name, version } = currentRuntime(); // 'Bun', '1.4.5' under `bun`
 * ```
 */
export function currentRuntime(versions: Readonly<Record<string, string | undefined>> = process.versions): RuntimeInfo {
  if (versions.bun !== undefined) return { name: 'Bun', version: versions.bun };
  if (versions.deno !== undefined) return { name: 'Deno', version: versions.deno };
  return { name: 'Node', version: versions.node ?? 'unknown' };
}

/**
 * Throws {@link RuntimeUnsupportedError} when `runtime` (the caller passes `currentRuntime()`)
 * lacks `feature`; `hint` says what the caller can do instead.
 */
export function requireRuntimeFeature(runtime: RuntimeInfo, feature: RuntimeFeature, hint?: string): void {
  const gap = GAPS[runtime.name][feature];
  if (gap !== undefined)
    throw new RuntimeUnsupportedError(
      runtime,
      feature,
      `${FEATURE_NAMES[feature]} is not supported on ${runtime.name} ${runtime.version}: ${gap}${hint ? `; ${hint}` : ''}`,
    );
}

/**
 * Whether a socket's `authorizationError` is OpenSSL's own verdict. Node passes OpenSSL's first
 * error on; Bun and Deno map their own verifiers' results onto OpenSSL's names, more coarsely
 * (Deno names a certificate outside its dates `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, and so does Bun
 * a self-signed leaf), so there rxtls's own checks name the problem when they find one.
 */
export function reportsOpenSslVerdicts(runtime: RuntimeInfo): boolean {
  return runtime.name === 'Node';
}
