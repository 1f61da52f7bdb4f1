/**
 * What is wrong with a chain as the server sent it, from the order of the certificates and who
 * signed whom (read off the wire by `rxtls doctor`): the leaf's path through what was sent, and
 * each certificate off that path, repeated, or sent in the wrong place. A pure function, so the
 * diagnosis and the report agree, and specs feed it fabricated chains.
 * @module
 */
import type { ServedCertificate } from './doctor-findings';

/**
 * The faults of a chain as served.
 *
 * @example
 * ```ts
 * import { servedChainFaults } from './served-chain';
 * const faults = servedChainFaults([]);
 * console.log(faults.path, faults.outOfOrder); // [] false
 * ```
 */
export interface ServedChainFaults {
  /** The leaf's path through what was sent, as positions: the leaf (0), its issuer, that one's issuer, … */
  readonly path: readonly number[];
  /** Whether an issuer on the path was sent before a certificate it issued (each should follow the one it issued). */
  readonly outOfOrder: boolean;
  /** Positions of certificates sent again after their first time. */
  readonly duplicates: readonly number[];
  /** Positions of certificates on no part of the leaf's path (and not repeats). */
  readonly unrelated: readonly number[];
  /** The position of the root, when the path ends at a self-signed certificate that is not the leaf. */
  readonly rootSent?: number;
}

/**
 * The faults of `certificates`, in the order the server sent them.
 *
 * Informally: `[leaf, root, intermediate] → { path: [0, 2, 1], outOfOrder: true, rootSent: 1 }`.
 *
 * @param certificates The chain as served, each with the position of its issuer among them.
 * @returns Its path and its faults.
 *
 * @example
 * ```ts
 * import { servedChainFaults } from './served-chain';
 * const cert = (subject: string, issuer: string, issuerIndex?: number) =>
 *   ({ subject, issuer, fingerprint256: subject, selfSigned: subject === issuer, isCA: subject !== 'leaf', ...(issuerIndex !== undefined && { issuerIndex }) });
 * const faults = servedChainFaults([cert('leaf', 'int', 2), cert('root', 'root', 1), cert('int', 'root', 1)]);
 * console.log(faults); // { path: [ 0, 2, 1 ], outOfOrder: true, duplicates: [], unrelated: [], rootSent: 1 }
 * ```
 */
export function servedChainFaults(certificates: readonly ServedCertificate[]): ServedChainFaults {
  const firstAt = new Map<string, number>();
  const duplicates: number[] = [];
  certificates.forEach((c, i) => {
    if (firstAt.has(c.fingerprint256)) duplicates.push(i);
    else firstAt.set(c.fingerprint256, i);
  });
  const path: number[] = [];
  const onPath = new Set<number>();
  for (let at: number | undefined = certificates.length > 0 ? 0 : undefined; at !== undefined && !onPath.has(at);) {
    path.push(at);
    onPath.add(at);
    const issuer: number | undefined = certificates[at]?.issuerIndex;
    at = issuer === undefined ? undefined : (firstAt.get(certificates[issuer]?.fingerprint256 ?? '') ?? issuer);
  }
  const repeated = new Set(duplicates);
  const unrelated = certificates.flatMap((_c, i) => (onPath.has(i) || repeated.has(i) ? [] : [i]));
  const outOfOrder = path.some((position, i) => i > 0 && position < (path[i - 1] ?? 0));
  const last = path.at(-1);
  const rootSent = path.length > 1 && last !== undefined && certificates[last]?.selfSigned === true ? last : undefined;
  return { path, outOfOrder, duplicates, unrelated, ...(rootSent !== undefined && { rootSent }) };
}
