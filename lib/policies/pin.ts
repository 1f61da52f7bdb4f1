import { certError } from '../certificates/cert-errors';
import { InvalidOptionError } from '../errors';
import type { VerificationPolicy } from './policy';

/** 32 bytes of SHA-256 in standard base64: 43 characters and one `=`. */
const BASE64_SHA256 = '([A-Za-z0-9+/]{43}=)';

/**
 * The forms people copy pins in. Each carries the base64 SHA-256 of a SubjectPublicKeyInfo and
 * nothing that could be read another way, so each normalises to `sha256/<base64>`.
 */
const PIN_FORMS: readonly RegExp[] = [
  // OkHttp's form; `rxtls pin` prints it followed by two spaces and the certificate's subject.
  new RegExp(`^sha256/${BASE64_SHA256}(?:\\s.*)?$`),
  // `openssl … | openssl base64` prints the bare base64.
  new RegExp(`^${BASE64_SHA256}$`),
  // HPKP (RFC 7469): directive names are case-insensitive; a header's `;` may come along.
  new RegExp(`^[Pp][Ii][Nn]-[Ss][Hh][Aa]256\\s*=\\s*"${BASE64_SHA256}"\\s*;?$`),
];

/** How to compute a pin, for error messages. */
const PIN_RECIPE =
  '`rxtls pin HOST:PORT`, or `openssl x509 -in cert.pem -noout -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl base64`';

const EXPECTED_PIN = `must be an SPKI pin: "sha256/" and the base64 SHA-256 of the public key (44 characters), also accepted bare, as pin-sha256="…" or as a line of \`rxtls pin\` output; compute it with ${PIN_RECIPE}`;

/**
 * The canonical `sha256/<base64>` of a pin given in any accepted form, or an
 * {@link InvalidOptionError} that says what is wrong with it and how to compute a right one.
 */
export function parsePin(value: unknown): string {
  // Stryker disable next-line StringLiteral: a value that is not a string is refused as such before its text is looked at
  const text = typeof value === 'string' ? value.trim() : '';
  const base64 = PIN_FORMS.map((form) => form.exec(text)?.[1]).find((found) => found !== undefined);
  if (base64 === undefined) {
    const problem = pinProblem(value, text);
    throw new InvalidOptionError('pin', value, problem ? `${problem}; it ${EXPECTED_PIN}` : EXPECTED_PIN);
  }
  // Re-encoding canonicalises the two padding bits, so that equal keys give equal strings.
  return `sha256/${Buffer.from(base64, 'base64').toString('base64')}`;
}

/** The likely mistake in a string that is no pin, named before the general rule. */
function pinProblem(value: unknown, text: string): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  const otherHash = /^(?:pin-)?(sha1|sha384|sha512|md5)[/=]/i.exec(text)?.[1];
  if (otherHash) return `is a ${otherHash.toUpperCase()} pin, and rxtls pins SHA-256 only`;
  if (/^(?:[0-9a-f]{2}:?){31}[0-9a-f]{2}$/i.test(text))
    return 'looks like a certificate fingerprint (hex), not a pin: pass it to fingerprint() instead, or compute the pin';
  const base64 = text.replace(/^sha256\//, '');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(base64) && base64.length % 4 === 0)
    return `decodes to ${Buffer.from(base64, 'base64').length} bytes where a SHA-256 has 32`;
  if (/^[A-Za-z0-9_-]+={0,2}$/.test(base64) && /[_-]/.test(base64)) return "is base64url ('-', '_'), not standard base64 ('+', '/')";
  return undefined;
}

/**
 * SPKI pinning: some certificate of the chain must have one of these public keys. A pin is
 * `sha256/<base64>` (the format of OkHttp; `rxtls pin HOST` prints them), or the same base64
 * bare (`openssl … | openssl base64`), HPKP's `pin-sha256="<base64>"`, or a line of
 * `rxtls pin` output; anything else is an {@link InvalidOptionError} that shows the expected
 * form and how to compute it. It judges only the keys: combine it with {@link strict} so that
 * both must hold. A mismatch reports `PIN_MISMATCH` with the pins seen.
 *
 * @param pins - one or more pins, in any of the accepted forms.
 * @returns a policy that accepts a chain holding one of the pinned keys.
 * @example
 * ```ts
 * import { allOf, connect, pin, strict } from 'rxtls';
 * connect({
 *   host: 'imap.example.com',
 *   port: 993,
 *   verify: allOf(strict(), pin('sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=', 'pin-sha256="sRHdihwgkaib1P1gxX8HFszlD+7/gTfNvuAybgLPNis="')),
 * });
 * ```
 */
export function pin(...pins: string[]): VerificationPolicy {
  if (pins.length === 0) throw new InvalidOptionError('pin', pins, 'needs at least one pin');
  const wanted = pins.map(parsePin);
  const pinned = new Set(wanted);
  return {
    name: 'pin',
    check: ({ peer }) => {
      const seen = peer.chain.map((c) => c.spkiPin);
      if (seen.some((p) => pinned.has(p))) return [];
      return [
        certError(
          'PIN_MISMATCH',
          `no certificate in the chain has a pinned public key (pinned: ${wanted.join(', ')}; seen: ${seen.join(', ')})`,
          peer.subject,
        ),
      ];
    },
  };
}
