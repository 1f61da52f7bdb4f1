import { certError } from '../cert-errors';
import { InvalidOptionError } from '../errors';
import type { VerificationPolicy } from './policy';

const PIN_FORMAT = /^sha256\/[A-Za-z0-9+/]{43}=$/;

/**
 * SPKI pinning: some certificate of the chain must have one of these public keys, given as
 * `sha256/<base64>` (the format of OkHttp and HPKP; `rxtls pin HOST` prints them). It judges
 * only the keys: combine it with {@link strict} so that both must hold. A mismatch reports
 * `PIN_MISMATCH` with the pins seen.
 *
 * @example
 * ```ts
 * import { allOf, connect, pin, strict } from 'rxtls';
 * connect({
 *   host: 'imap.example.com',
 *   port: 993,
 *   verify: allOf(strict(), pin('sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=')),
 * });
 * ```
 */
export function pin(...pins: string[]): VerificationPolicy {
  if (pins.length === 0) throw new InvalidOptionError('pin', pins, 'needs at least one pin');
  for (const p of pins) {
    if (typeof p !== 'string' || !PIN_FORMAT.test(p))
      throw new InvalidOptionError('pin', p, 'must be "sha256/" followed by 44 characters of base64');
  }
  const wanted = new Set(pins);
  return {
    name: 'pin',
    check: ({ peer }) => {
      const seen = peer.chain.map((c) => c.spkiPin);
      if (seen.some((p) => wanted.has(p))) return [];
      return [
        certError(
          'PIN_MISMATCH',
          `no certificate in the chain has a pinned public key (pinned: ${pins.join(', ')}; seen: ${seen.join(', ')})`,
          peer.subject,
        ),
      ];
    },
  };
}
