import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildOnce } from './support/build-once';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** A consumer that imports both entries, connects to a local TLS server through rxtls, and prints the greeting. */
const consumer = (imports: string) => `${imports}
const pki = await createTestPki();
const server = await startTlsServer({ ...(await pki.leaf()), greeting: 'hello from rxtls\\r\\n', onConnection: (s) => s.end() });
connect({ host: 'localhost', port: server.port, ca: pki.ca.cert, verify: strict() })
  .pipe(lines())
  .subscribe({
    next: (e) => e.type === 'line' && console.log(e.text),
    complete: () => server.close(),
  });
`;

const TS_CONSUMER = `import { connect, lines, strict, type TlsEvent, type ConnectOptions } from 'rxtls';
import { createTestPki, type TestPki } from 'rxtls/testing';
import { connectWebSocket, type LineEvent, type WebSocketEvent } from 'rxtls/browser';
import { Observable } from 'rxjs';
const options: ConnectOptions = { host: 'localhost', port: 993 };
const events: Observable<TlsEvent> = connect(options).pipe(lines());
const pki: Promise<TestPki> = createTestPki();
const inBrowser: Observable<WebSocketEvent | LineEvent> = connectWebSocket('wss://gateway.example.com/').pipe(lines());
export { events, pki, strict, inBrowser };
`;

describe('the published package (npm pack)', () => {
  let dir: string;
  let files: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxtls-pack-'));
    // dist/ is built once for every spec that needs it; `prepack` would rebuild it under their feet.
    await buildOnce();
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = (packed?.files ?? []).map((f) => f.path);
    // A project that sees only the tarball and the registry, never this repository's sources.
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed?.filename ?? ''), 'rxjs@^7.8', '@types/node@^20'],
      {
        cwd: dir,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  }, 240_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('contains the compiled library and its types, and nothing else', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/testing/index.js',
        'dist/testing/index.d.ts',
        'dist/browser.js',
        'dist/browser.d.ts',
        'dist/rxtls.browser.mjs',
        'dist/otel/index.js',
        'dist/otel/index.d.ts',
      ]),
    );
    const unexpected = files.filter(
      (f) => !['package.json', 'README.md', 'LICENSE'].includes(f) && !/^dist\/.*(\.js|\.d\.ts)$/.test(f) && f !== 'dist/rxtls.browser.mjs',
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((f) => /\.map$|spec|\.pem$|\.key$|\.env/.test(f))).toEqual([]);
  });

  it('works from an ES module', async () => {
    await writeFile(
      join(dir, 'esm.mjs'),
      consumer(`import { connect, lines, strict } from 'rxtls';\nimport { createTestPki, startTlsServer } from 'rxtls/testing';`),
    );
    const { stdout } = await run('node', ['esm.mjs'], { cwd: dir });
    expect(stdout).toBe('hello from rxtls\n');
  });

  it('works from CommonJS', async () => {
    const body = consumer(
      `const { connect, lines, strict } = require('rxtls');\nconst { createTestPki, startTlsServer } = require('rxtls/testing');`,
    );
    await writeFile(join(dir, 'cjs.cjs'), `(async () => {\n${body}\n})();\n`);
    const { stdout } = await run('node', ['cjs.cjs'], { cwd: dir });
    expect(stdout).toBe('hello from rxtls\n');
  });

  it('serves rxtls/browser: the browser build to ES modules (here Node, made to have no global WebSocket), CommonJS to require', async () => {
    // Node 22 and later have a global WebSocket; without one, the build must name the option.
    const probe = `delete globalThis.WebSocket;\nconnectWebSocket('ws://127.0.0.1:1/').subscribe({ error: (e) => console.log(e.option, typeof lines) });`;
    await writeFile(join(dir, 'browser.mjs'), `import { connectWebSocket, lines } from 'rxtls/browser';\n${probe}\n`);
    await writeFile(join(dir, 'browser.cjs'), `const { connectWebSocket, lines } = require('rxtls/browser');\n${probe}\n`);
    expect((await run('node', ['browser.mjs'], { cwd: dir })).stdout).toBe('WebSocket function\n');
    expect((await run('node', ['browser.cjs'], { cwd: dir })).stdout).toBe('WebSocket function\n');
    const { stdout } = await run('node', ['-p', "require.resolve('rxtls/browser')"], { cwd: dir });
    expect(stdout.trim()).toMatch(/dist[\\/]browser\.js$/);
  });

  it('serves rxtls/otel, and loads neither OpenTelemetry nor prom-client for rxtls itself', async () => {
    const loaded =
      "console.log(['@opentelemetry', 'prom-client'].map((m) => Object.keys(require.cache).some((f) => f.includes(m))).join(' '))";
    expect((await run('node', ['-e', `require('rxtls'); ${loaded}`], { cwd: dir })).stdout).toBe('false false\n');
    // @opentelemetry/api, an optional peer of rxtls, is here already: prom-client depends on it.
    const otel = "console.log(typeof require('rxtls/otel').instrumentRxtls)";
    expect((await run('node', ['-e', otel], { cwd: dir })).stdout).toBe('function\n');
  });

  it('installs the rxtls command (npx rxtls)', async () => {
    const { stdout } = await run('npx', ['--no-install', 'rxtls', '--version'], { cwd: dir });
    expect(stdout).toBe('rxtls 0.1.0\n');
  });

  it("shares the application's single RxJS instance (a peer dependency)", async () => {
    const { stdout } = await run(
      'node',
      ['-e', "console.log(require.resolve('rxjs', { paths: [require.resolve('rxtls')] }) === require.resolve('rxjs'))"],
      { cwd: dir },
    );
    expect(stdout.trim()).toBe('true');
  });

  it.each([
    ['NodeNext, ES module', { module: 'nodenext', moduleResolution: 'nodenext' }, 'consumer.mts'],
    ['NodeNext, CommonJS', { module: 'nodenext', moduleResolution: 'nodenext' }, 'consumer.cts'],
    ['Bundler', { module: 'esnext', moduleResolution: 'bundler' }, 'consumer.ts'],
  ])('type-checks for a TypeScript consumer (%s)', async (name, options, file) => {
    await writeFile(join(dir, file), TS_CONSUMER);
    const config = `tsconfig.${name.replace(/\W+/g, '-')}.json`;
    await writeFile(
      join(dir, config),
      JSON.stringify({
        compilerOptions: { ...options, strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', types: ['node'] },
        files: [file],
      }),
    );
    await expect(run('node', [TSC, '-p', config], { cwd: dir })).resolves.toBeDefined();
  });
});
