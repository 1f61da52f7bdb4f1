/** Just enough of IMAP's data syntax (RFC 3501 §4) to read LIST, EXISTS and FETCH ENVELOPE. */

export type ImapValue = string | number | null | Buffer | ImapValue[];

/**
 * Parses a parenthesised list, quoted strings, NIL, numbers, atoms (including `BODY[TEXT]`)
 * and literals: a `{N}` token takes the next of `literals`, in order.
 */
export function parseImap(text: string, literals: readonly Buffer[] = []): ImapValue[] {
  let at = 0;
  let nextLiteral = 0;
  const top: ImapValue[] = [];
  const stack: ImapValue[][] = [top];
  const current = () => stack[stack.length - 1] as ImapValue[];
  while (at < text.length) {
    const c = text[at] as string;
    if (c === ' ') {
      at++;
    } else if (c === '(') {
      const list: ImapValue[] = [];
      current().push(list);
      stack.push(list);
      at++;
    } else if (c === ')') {
      if (stack.length > 1) stack.pop();
      at++;
    } else if (c === '"') {
      let value = '';
      at++;
      while (at < text.length && text[at] !== '"') {
        if (text[at] === '\\') at++;
        value += text[at] ?? '';
        at++;
      }
      at++;
      current().push(value);
    } else if (c === '{') {
      const end = text.indexOf('}', at);
      current().push(literals[nextLiteral++] ?? Buffer.alloc(0));
      at = end === -1 ? text.length : end + 1;
    } else {
      let depth = 0;
      const start = at;
      while (at < text.length) {
        const d = text[at];
        if (d === '[') depth++;
        else if (d === ']') depth--;
        else if (depth === 0 && (d === ' ' || d === ')' || d === '(')) break;
        at++;
      }
      const atom = text.slice(start, at);
      current().push(atom.toUpperCase() === 'NIL' ? null : /^\d+$/.test(atom) ? Number(atom) : atom);
    }
  }
  return top;
}

/** A string value, whether it came quoted or as a literal. */
export function asText(value: ImapValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?ISO-8859-1?Q?…?=`) in a header value. */
export function decodeHeader(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_whole, charset: string, encoding: string, data: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : Buffer.from(
              data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
              'latin1',
            );
      try {
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch {
        return bytes.toString('latin1');
      }
    });
}

/** `"Name" <mailbox@host>` from an ENVELOPE address list. */
export function formatAddresses(list: ImapValue | undefined): string {
  if (!Array.isArray(list)) return '';
  return list
    .map((address) => {
      if (!Array.isArray(address)) return '';
      const [name, , mailbox, host] = address.map(asText);
      const email = `${mailbox ?? ''}@${host ?? ''}`;
      return name ? `${decodeHeader(name)} <${email}>` : email;
    })
    .filter(Boolean)
    .join(', ');
}
