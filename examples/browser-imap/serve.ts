/**
 * Serves the browser-imap page on 127.0.0.1 with a gateway in front of an IMAP server.
 *
 *   npx tsx examples/browser-imap/serve.ts                         # a local TLS greeter, made up on the spot
 *   npx tsx examples/browser-imap/serve.ts --to imap.example.com:993  # a real IMAP server (system trust store)
 *
 * Open the printed URL in a browser: the page reads the server's greeting through the gateway.
 * The page loads the library's browser build (the same file `npm run build` writes to
 * dist/rxtls.browser.mjs) and rxjs as ES modules, through an import map: no bundler.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build, transform } from 'esbuild';
import type { Subscription } from 'rxjs';
import { gateway, line, type GatewayEvent } from '../../lib';
import { createTestPki, startTlsServer } from '../../lib/testing';
import { buildBrowser } from '../../tools/build-browser';

/** A running demo: the page, the gateway, and how to stop both. */
export interface BrowserImapDemo {
  /** Open this in a browser. */
  readonly pageUrl: string;
  /** The gateway the page talks to. */
  readonly gatewayUrl: string;
  /** What the gateway did, so far. */
  readonly gatewayEvents: readonly GatewayEvent[];
  close(): Promise<void>;
}

/** The files the page needs, built in memory. */
async function assets(): Promise<Record<string, { type: string; body: string }>> {
  const [html, page, rxtls, rxjs] = await Promise.all([
    readFile(join(__dirname, 'index.html'), 'utf8'),
    readFile(join(__dirname, 'main.ts'), 'utf8').then((source) => transform(source, { loader: 'ts', format: 'esm', target: 'es2020' })),
    buildBrowser({ write: false }),
    build({
      stdin: { contents: "export * from 'rxjs';", resolveDir: __dirname },
      bundle: true,
      format: 'esm',
      write: false,
      logLevel: 'silent',
    }),
  ]);
  const js = 'text/javascript; charset=utf-8';
  return {
    '/': { type: 'text/html; charset=utf-8', body: html },
    '/main.js': { type: js, body: page.code },
    '/vendor/rxtls.browser.mjs': { type: js, body: rxtls.code },
    '/vendor/rxjs.mjs': { type: js, body: rxjs.outputFiles[0]?.text ?? '' },
  };
}

/** Starts the page's HTTP server and a gateway that lets only that page reach `target`. */
export async function startBrowserImapDemo(options: {
  readonly target: string;
  readonly ca?: string | Buffer;
  readonly gatewayPort?: number;
}): Promise<BrowserImapDemo> {
  const files = await assets();
  const http: Server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://page').pathname];
    if (!file) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const gatewayEvents: GatewayEvent[] = [];
  let running: Subscription | undefined;
  const listening = new Promise<string>((resolve, reject) => {
    running = gateway({
      port: options.gatewayPort ?? 0,
      targets: [options.target],
      origins: [origin],
      ...(options.ca !== undefined && { upstream: { ca: options.ca } }),
    }).subscribe({
      next: (event) => {
        gatewayEvents.push(event);
        if (event.type === 'listening') resolve(event.url);
      },
      error: reject,
    });
  });
  const gatewayUrl = await listening;
  return {
    pageUrl: `${origin}/?gateway=${encodeURIComponent(gatewayUrl)}`,
    gatewayUrl,
    gatewayEvents,
    close: async () => {
      running?.unsubscribe();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { to: { type: 'string' }, ca: { type: 'string' }, 'gateway-port': { type: 'string', default: '8143' } },
  });
  let target = values.to;
  let ca: string | Buffer | undefined = values.ca === undefined ? undefined : await readFile(values.ca);
  if (target === undefined) {
    // No server named: a local TLS server that greets like IMAP, with a throwaway CA.
    const pki = await createTestPki('browser-imap demo CA');
    const greeter = await startTlsServer({
      ...(await pki.leaf()),
      dialogue: () => [line('* OK [CAPABILITY IMAP4rev1] rxtls demo IMAP server ready')],
    });
    target = `localhost:${greeter.port}`;
    ca = pki.ca.cert;
  }
  const demo = await startBrowserImapDemo({ target, ...(ca !== undefined && { ca }), gatewayPort: Number(values['gateway-port']) });
  console.log(`gateway ${demo.gatewayUrl} → ${target}`);
  console.log(`open ${demo.pageUrl}`);
  console.log('Ctrl-C stops it');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
