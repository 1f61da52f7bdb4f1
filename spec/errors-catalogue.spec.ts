import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import {
  FRAME_ERROR_CODES,
  FrameError,
  InvalidOptionError,
  OPENSSL_CERT_ERROR_CODES,
  PASS_THROUGH_TRANSPORT_ERROR_CODES,
  POLICY_CERT_ERROR_CODES,
  RXTLS_ERROR_CODES,
  RXTLS_TRANSPORT_ERROR_CODES,
  RuntimeUnsupportedError,
  TransportError,
  WriteBufferFullError,
  type CertError,
  type ClientErrorEvent,
  type FrameErrorCode,
  type TransportErrorCode,
} from '../lib';

/**
 * The error catalogue stays honest: every code rxtls raises is in a documented union and in
 * docs/errors.md, every documented rxtls code is raised somewhere, the old names are gone, and
 * every error lib/ creates is an rxtls class.
 */
const root = join(__dirname, '..');
const libFiles = (dir = join(root, 'lib')): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? libFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
const files = libFiles();
const sources = new Map(files.map((file) => [relative(root, file), readFileSync(file, 'utf8')]));
const docs = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');

const rxtlsCodes = new Set<string>(RXTLS_ERROR_CODES);
const transportCodes = new Set<string>([...RXTLS_TRANSPORT_ERROR_CODES, ...PASS_THROUGH_TRANSPORT_ERROR_CODES]);
const certCodes = new Set<string>([...OPENSSL_CERT_ERROR_CODES, ...POLICY_CERT_ERROR_CODES]);

/** The code without comments (examples included) and the catalogue's own lists: where a code is really raised. */
const withoutCatalogue = (text: string) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/export const [A-Z_]+ = \[[\s\S]*?\] as const;/g, '');

describe('the error catalogue', () => {
  it('has one naming scheme: every code rxtls invents is ERR_RXTLS_<CONDITION>', () => {
    for (const code of RXTLS_ERROR_CODES) expect(code).toMatch(/^ERR_RXTLS_[A-Z0-9]+(_[A-Z0-9]+)*$/);
    expect(new Set(RXTLS_ERROR_CODES).size).toBe(RXTLS_ERROR_CODES.length);
    for (const code of RXTLS_TRANSPORT_ERROR_CODES) expect(rxtlsCodes.has(code)).toBe(true);
    for (const code of FRAME_ERROR_CODES) expect(rxtlsCodes.has(code)).toBe(true);
    // the two families do not mix: pass-through codes are never ours
    for (const code of [...PASS_THROUGH_TRANSPORT_ERROR_CODES, ...certCodes]) expect(code).not.toMatch(/^ERR_RXTLS_/);
  });

  it.each([...sources.keys()])('%s: every ERR_RXTLS_ code it names is in RXTLS_ERROR_CODES', (file) => {
    const named = [...(sources.get(file) ?? '').matchAll(/['"`](ERR_RXTLS_[A-Z0-9_]+)['"`]/g)].map((m) => m[1] ?? '');
    expect(named.filter((code) => !rxtlsCodes.has(code))).toEqual([]);
  });

  it('lists no code that lib/ never raises', () => {
    const raised = [...sources.values()].map(withoutCatalogue).join('\n');
    expect(RXTLS_ERROR_CODES.filter((code) => !raised.includes(`'${code}'`))).toEqual([]);
  });

  it('has none of the old names left in lib/', () => {
    const old = [
      'HANDSHAKE_TIMEOUT',
      'CLOSE_TIMEOUT',
      'TLS_TRUNCATED',
      'WEBSOCKET_CONNECT_FAILED',
      'WEBSOCKET_ERROR',
      'WEBSOCKET_CLOSED',
      'ERR_LISTEN',
      'ERR_TLS',
      'ERR_TLS_CONNECT',
      'ERR_TLS_PEER_CERTIFICATE',
      'ERR_TLS_NO_PEER_CERTIFICATE',
      'ERR_CONNECT',
    ];
    for (const [file, text] of sources) {
      for (const code of old) expect({ file, code, found: text.includes(`'${code}'`) }).toEqual({ file, code, found: false });
      // ETIMEDOUT is the OS's, documented as a pass-through; rxtls's own connect timer has its own code
      if (file !== 'lib/errors.ts') expect({ file, found: text.includes("'ETIMEDOUT'") }).toEqual({ file, found: false });
    }
  });

  describe('every code literal typed as a code is a documented one', () => {
    // The compiler knows where a string is a TransportErrorCode or a CertErrorCode: a literal whose
    // contextual type is one of the unions (a constructor's argument, `fail(code)`, `code ?? 'X'`,
    // a clientError's `code`) must be a member, or it widened the catalogue unseen.
    const program = ts.createProgram(files, { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, noEmit: true });
    const checker = program.getTypeChecker();
    const found = { transport: [] as string[], cert: [] as string[], strays: [] as string[] };
    const members = (type: ts.Type): Set<string> =>
      new Set((type.isUnion() ? type.types : [type]).filter((t) => t.isStringLiteral()).map((t) => t.value));
    for (const file of program.getSourceFiles()) {
      if (!files.includes(file.fileName)) continue;
      const visit = (node: ts.Node): void => {
        if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
          const contextual = checker.getContextualType(node);
          const expected = contextual ? members(contextual) : new Set<string>();
          const where = `${relative(root, file.fileName)}: '${node.text}'`;
          if (expected.has('ECONNREFUSED')) {
            found.transport.push(node.text);
            if (!transportCodes.has(node.text)) found.strays.push(where);
          } else if (expected.has('CERT_HAS_EXPIRED')) {
            found.cert.push(node.text);
            if (!certCodes.has(node.text)) found.strays.push(where);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(file);
    }

    it('finds the codes lib/ raises (the scan is not vacuous)', () => {
      expect(found.transport).toEqual(expect.arrayContaining(['ERR_RXTLS_HANDSHAKE_TIMEOUT', 'ERR_RXTLS_CLOSE_TIMEOUT', 'ECONNRESET']));
      expect(found.cert).toEqual(expect.arrayContaining(['PIN_MISMATCH', 'POLICY_ERROR', 'NO_PEER_CERTIFICATE']));
    });

    it('and each is a member of its union', () => expect(found.strays).toEqual([]));
  });

  it('every certificate code rxtls raises with certError() is a CertErrorCode', () => {
    const raised = [...sources.values()].flatMap((text) => [...text.matchAll(/certError\(\s*'([A-Z0-9_]+)'/g)].map((m) => m[1] ?? ''));
    expect(raised.length).toBeGreaterThan(5);
    expect(raised.filter((code) => !certCodes.has(code))).toEqual([]);
  });

  describe('docs/errors.md', () => {
    it.each([...RXTLS_ERROR_CODES, ...PASS_THROUGH_TRANSPORT_ERROR_CODES, ...OPENSSL_CERT_ERROR_CODES, ...POLICY_CERT_ERROR_CODES])(
      'lists %s',
      (code) => expect(docs).toContain(`\`${code}\``),
    );

    it('lists no rxtls code that does not exist', () => {
      const listed = [...docs.matchAll(/`(ERR_RXTLS_[A-Z0-9_]+)`/g)].map((m) => m[1] ?? '');
      expect(listed.filter((code) => !rxtlsCodes.has(code))).toEqual([]);
    });

    it('says which codes pass through from the OS and OpenSSL', () => {
      expect(docs).toMatch(/Pass-through codes/);
      expect(docs).toMatch(/Passed through from the OS and OpenSSL/);
      expect(docs).toMatch(/From OpenSSL's verification, passed through/);
    });
  });

  describe('every error lib/ creates is an rxtls class with a code', () => {
    // Two files wrap what user code threw when it was not an Error (a string, a number) so that
    // it can be reported as one; rxtls raises nothing there itself. Any other file that creates
    // a plain Error fails this spec.
    const pendingElsewhere = new Set(['lib/server/listening.ts', 'lib/server/serve.ts']);

    it.each([...sources.keys()].filter((file) => !pendingElsewhere.has(file)))('%s has no new Error(', (file) => {
      expect(sources.get(file)).not.toMatch(/new Error\(/);
    });

    it('the class codes are the catalogue’s', () => {
      expect(new InvalidOptionError('port', -1, 'must be positive').code).toBe('ERR_RXTLS_INVALID_OPTION');
      expect(new WriteBufferFullError(1, 1, 1).code).toBe('ERR_RXTLS_WRITE_BUFFER_FULL');
      expect(new RuntimeUnsupportedError({ name: 'Bun', version: '1' }, 'securityLevel', 'x').code).toBe('ERR_RXTLS_RUNTIME_UNSUPPORTED');
      expect(new FrameError('ERR_RXTLS_FRAME_TRUNCATED', 'x').code).toBe('ERR_RXTLS_FRAME_TRUNCATED');
      for (const code of ['ERR_RXTLS_INVALID_OPTION', 'ERR_RXTLS_WRITE_BUFFER_FULL', 'ERR_RXTLS_RUNTIME_UNSUPPORTED'])
        expect(rxtlsCodes.has(code)).toBe(true);
    });
  });

  it('types the code fields as the union, open to codes a future Node or OpenSSL adds', () => {
    // Compile-time: these assignments type-check (tsc runs over spec/).
    const known: TransportError['code'] = 'ERR_RXTLS_HANDSHAKE_TIMEOUT';
    const future: TransportError['code'] = 'ERR_SSL_SOMETHING_NEW';
    const serverSide: ClientErrorEvent['code'] = 'ERR_RXTLS_HANDSHAKE_TIMEOUT';
    const custom: CertError['code'] = 'ORG_MISMATCH';
    // and a switch over a closed union is exhaustive
    const advice = (code: FrameErrorCode): string => {
      switch (code) {
        case 'ERR_RXTLS_LINE_TOO_LONG':
        case 'ERR_RXTLS_LITERAL_TOO_LONG':
          return 'raise the bound';
        case 'ERR_RXTLS_FRAME_TRUNCATED':
          return 'reconnect';
        case 'ERR_RXTLS_FRAME_MISUSE':
          return 'fix the framer';
        default: {
          const unreachable: never = code;
          return unreachable;
        }
      }
    };
    const documented: readonly TransportErrorCode[] = [...RXTLS_TRANSPORT_ERROR_CODES, ...PASS_THROUGH_TRANSPORT_ERROR_CODES];
    expect([known, future, serverSide, custom, advice('ERR_RXTLS_FRAME_MISUSE')]).toEqual([
      'ERR_RXTLS_HANDSHAKE_TIMEOUT',
      'ERR_SSL_SOMETHING_NEW',
      'ERR_RXTLS_HANDSHAKE_TIMEOUT',
      'ORG_MISMATCH',
      'fix the framer',
    ]);
    expect(documented.length).toBe(transportCodes.size);
  });
});
