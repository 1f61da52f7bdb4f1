import { join } from 'node:path';
import { build, type BuildResult } from 'esbuild';

/** Where `npm run build` writes the browser build: an ES module, `rxtls/browser` for browsers and bundlers. */
export const BROWSER_BUILD = join(__dirname, '..', 'dist', 'rxtls.browser.mjs');

/**
 * Bundles lib/browser.ts for browsers: one ES module, rxjs left as an import (it is a peer
 * dependency), `Buffer` from the `buffer` package. `platform: 'browser'` makes any import of a
 * Node built-in a build error, so nothing Node-only can leak in.
 */
export async function buildBrowser(options: { outfile?: string; write?: boolean } = {}): Promise<BuildResult & { code: string }> {
  const result = await build({
    entryPoints: [join(__dirname, '..', 'lib', 'browser.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    external: ['rxjs'],
    inject: [join(__dirname, 'buffer-shim.mjs')],
    outfile: options.outfile ?? BROWSER_BUILD,
    write: options.write ?? true,
    legalComments: 'inline',
    logLevel: 'silent',
  });
  const code = result.outputFiles?.[0]?.text ?? '';
  return { ...result, code };
}

if (require.main === module) {
  buildBrowser().then(
    () => console.log(`browser build: ${BROWSER_BUILD}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
