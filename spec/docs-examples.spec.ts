import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * Every ```ts block of README.md and docs/*.md (not the generated docs/api) type-checks against
 * the library's sources, as a reader would paste it: `rxtls`, `rxtls/browser` and
 * `rxtls/testing` (and `rxtls/otel`) resolve to lib/, everything else (rxjs, ts-pattern, node:*) to node_modules.
 *
 * Each block is its own module (top-level `await` and `await using` work), checked in one
 * program with all the others so the library is type-checked once. A block may use the free
 * names of PRELUDE below — what a reader supplies from their own setup — and nothing else it
 * does not declare or import. Blocks that are not TypeScript are fenced ```sh or ```text.
 */

const root = join(__dirname, '..');

/**
 * What a block may use without declaring it: a server's certificate and key (PEM), a CA, and a
 * dialogue defined elsewhere on the page. Global declarations in a script, so a block that
 * declares one of these names itself simply shadows it.
 */
const PRELUDE = `
declare const cert: string;
declare const key: string;
declare const ca: string;
declare const dialogue: import('rxtls').Dialogue;
`;

const compilerOptions: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022, // top-level await; resolution as a bundler does it, extension-less like lib/
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts', 'lib.dom.d.ts'],
  types: ['node'],
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  baseUrl: root,
  paths: {
    rxtls: ['lib/index.ts'],
    'rxtls/browser': ['lib/browser.ts'],
    'rxtls/testing': ['lib/testing/index.ts'],
    'rxtls/otel': ['lib/otel/index.ts'],
  },
};

interface Block {
  /** e.g. `docs/servers.md:42`, the line of the opening fence. */
  readonly name: string;
  /** The virtual file the block is checked as. */
  readonly fileName: string;
  readonly code: string;
}

/** The ```ts (or ```typescript) blocks of one markdown file, indented ones (in lists) included. */
function tsBlocks(markdown: string, source: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++)
      body.push(lines[i]!.slice(Math.min(indent, lines[i]!.search(/\S|$/))));
    const name = `${source}:${start + 1}`;
    // `export {}` makes every block a module, even one without imports.
    blocks.push({
      name,
      fileName: join(root, '.docs-examples', `${source.replace(/\W/g, '_')}_${start + 1}.ts`),
      code: `${body.join('\n')}\nexport {};\n`,
    });
  }
  return blocks;
}

const documents = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocks = documents.flatMap((doc) => tsBlocks(readFileSync(join(root, doc), 'utf8'), doc));
const preludeFile = join(root, '.docs-examples', 'prelude.d.ts');

/** A program over `files` (virtual name → text) plus the prelude; the rest comes from disk. */
function check(files: ReadonlyMap<string, string>): ts.Program {
  const host = ts.createCompilerHost(compilerOptions, true);
  const virtual = new Map([...files, [preludeFile, PRELUDE]]);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const text = virtual.get(fileName);
    return text === undefined
      ? getSourceFile(fileName, languageVersion, ...rest)
      : ts.createSourceFile(fileName, text, languageVersion, true);
  };
  host.fileExists = (fileName) => virtual.has(fileName) || fileExists(fileName);
  host.readFile = (fileName) => virtual.get(fileName) ?? readFile(fileName);
  return ts.createProgram([...virtual.keys()], compilerOptions, host);
}

function diagnosticsOf(program: ts.Program, fileName: string): string[] {
  const file = program.getSourceFile(fileName);
  if (!file) return [`${fileName} is not in the program`];
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => {
    const where = d.start === undefined ? '' : `line ${file.getLineAndCharacterOfPosition(d.start).line + 1}: `;
    return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('the ts examples of README.md and docs/*.md type-check against lib/', () => {
  // A block with a type error, checked along with the others: proof that the check can fail.
  const bad = join(root, '.docs-examples', 'bad.ts');
  const badCode = `import { connect } from 'rxtls';\nconnect({ host: 'example.com', port: '993' });\nexport {};\n`;
  const program = check(new Map([...blocks.map((b) => [b.fileName, b.code] as const), [bad, badCode]]));

  it('finds the examples', () => {
    expect(documents).toContain('docs/servers.md');
    expect(blocks.length).toBeGreaterThan(20);
  });

  it('has a sound configuration', () => {
    expect(program.getOptionsDiagnostics().map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    expect(program.getGlobalDiagnostics().map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });

  it('would notice a broken example', () => {
    expect(diagnosticsOf(program, bad).join('\n')).toMatch(/line 2: .*'string' is not assignable to type 'number'/);
  });

  it.each(blocks.map((b) => [b.name, b] as const))('%s', (_name, block) => {
    expect(diagnosticsOf(program, block.fileName)).toEqual([]);
  });
});
