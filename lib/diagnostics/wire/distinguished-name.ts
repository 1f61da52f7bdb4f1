/**
 * A distinguished name (X.501 `Name`, DER) as text — the CA names a CertificateRequest lists
 * come bare, without a certificate around them for node:crypto to read. Attributes in their
 * encoded order, as node:crypto prints a certificate's subject: `C=DE, O=Example, CN=Example CA`.
 * @module
 */
import { WireFormatError } from './wire-format-error';

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;

interface Element {
  readonly tag: number;
  readonly content: Buffer;
  readonly next: number;
}

/** The DER element at `at` of `der`, its length checked against what remains. */
function element(der: Buffer, at: number): Element {
  if (der.length - at < 2) throw new WireFormatError('DistinguishedName', `element at ${at} has no header`);
  const tag = der[at] ?? 0;
  const first = der[at + 1] ?? 0;
  let start = at + 2;
  let length = first;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 3) throw new WireFormatError('DistinguishedName', `element at ${at} has a length of ${count} bytes`);
    if (der.length - start < count) throw new WireFormatError('DistinguishedName', `element at ${at} has a cut length`);
    length = der.readUIntBE(start, count);
    start += count;
  }
  if (der.length - start < length) throw new WireFormatError('DistinguishedName', `element at ${at} runs past the end`);
  return { tag, content: der.subarray(start, start + length), next: start + length };
}

function children(content: Buffer): Element[] {
  const found: Element[] = [];
  for (let at = 0; at < content.length;) {
    const child = element(content, at);
    found.push(child);
    at = child.next;
  }
  return found;
}

function oidText(bytes: Buffer): string {
  if (bytes.length === 0) throw new WireFormatError('DistinguishedName', 'empty object identifier');
  const first = bytes[0] ?? 0;
  const parts = [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

function valueText(value: Element): string {
  switch (value.tag) {
    case 0x0c: // UTF8String
      return value.content.toString('utf8');
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString, read as Latin-1 as OpenSSL does
      return value.content.toString('latin1');
    case 0x1e: // BMPString: UTF-16BE
      return Buffer.from(value.content).swap16().toString('utf16le');
    default:
      return `#${value.content.toString('hex')}`;
  }
}

/**
 * The text of a DER-encoded distinguished name; throws {@link WireFormatError} if it is not one.
 *
 * @example
 * ```ts
 * import { distinguishedNameText } from './distinguished-name';
 * // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String "Test CA" } } }
 * const der = Buffer.from('30123110300e06035504030c0754657374204341', 'hex');
 * console.log(distinguishedNameText(der)); // CN=Test CA
 * ```
 */
export function distinguishedNameText(der: Buffer): string {
  const name = element(der, 0);
  if (name.tag !== SEQUENCE || name.next !== der.length) throw new WireFormatError('DistinguishedName', 'is not one DER SEQUENCE');
  return children(name.content)
    .flatMap((rdn) => {
      if (rdn.tag !== SET) throw new WireFormatError('DistinguishedName', 'a relative name is not a SET');
      return children(rdn.content).map((attribute) => {
        const [type, value] = attribute.tag === SEQUENCE ? children(attribute.content) : [];
        if (type?.tag !== OID || value === undefined) throw new WireFormatError('DistinguishedName', 'an attribute is not { type, value }');
        const oid = oidText(type.content);
        return `${ATTRIBUTE_NAMES[oid] ?? oid}=${valueText(value)}`;
      });
    })
    .join(', ');
}
