/**
 * `npm run bench [-- SECTION …] [--smoke]`: rxtls against `node:tls` (and other peers) on
 * loopback, every comparison measured in this one run, variants interleaved, ratios reported as
 * the median of the per-run ratios with their spread. `--smoke` (what `npm test` runs) uses tiny
 * sizes and checks only that every section still works; its numbers mean nothing.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { formatRatio, benchFixture, type BenchContext, type Ratio } from './harness';
import { sections } from './sections';

/** Compiles lib/ with tsc into node_modules/.cache (bench/rxtls.ts says why) and names it for every process of the bench. */
function compileLibrary(): string {
  const root = join(__dirname, '..');
  const out = join(root, 'node_modules', '.cache', 'rxtls-bench');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', out], {
    stdio: 'inherit',
  });
  return out;
}

async function main(args: string[]): Promise<void> {
  const smoke = args.includes('--smoke') || process.env['BENCH_SMOKE'] === '1';
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !sections.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown bench section ${unknown.join(', ')}: choose from ${sections.map((s) => s.name).join(', ')}`);
  }
  const chosen = names.length === 0 ? sections : sections.filter((s) => names.includes(s.name));
  const source = process.env['BENCH_SOURCE'] === '1';
  if (!source) process.env['RXTLS_BENCH_LIB'] = compileLibrary();
  const runs = smoke ? 1 : Number(process.env['BENCH_RUNS'] ?? 5);
  const fixture = await benchFixture();
  const context: BenchContext = {
    smoke,
    runs,
    pki: fixture.pki,
    leaf: fixture.leaf,
    server: { port: fixture.port },
    log: (line) => console.log(`  ${line}`),
  };
  console.log(
    `rxtls benchmark${smoke ? ' (smoke run: tiny sizes, the numbers mean nothing)' : ''}: Node ${process.version}, ${source ? 'lib/ through tsx' : 'lib/ compiled by tsc'}, median of ${runs} interleaved runs`,
  );
  const summary: Ratio[] = [];
  try {
    for (const section of chosen) {
      console.log(`\n[${section.name}] ${section.title}`);
      const ratios = await section.run(context);
      for (const r of ratios) console.log(`  ${formatRatio(r, smoke)}`);
      summary.push(...ratios);
    }
  } finally {
    fixture.child.kill();
  }
  console.log('\nsummary: ratio (median, spread over runs) and target');
  for (const r of summary) console.log(`  ${formatRatio(r, smoke)}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
