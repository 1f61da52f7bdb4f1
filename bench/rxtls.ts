/**
 * The library as the bench measures it: compiled by tsc, as users run it (bench/run.ts compiles
 * it first and names the directory in RXTLS_BENCH_LIB), not transpiled on the fly by tsx, whose
 * keepNames wraps every function it creates (that costs memory and time per closure that a
 * user never pays). `BENCH_SOURCE=1 npm run bench` measures the TypeScript sources instead.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

type Rxtls = typeof import('../lib');

const compiled = process.env['RXTLS_BENCH_LIB'];
export const rxtls: Rxtls = createRequire(__filename)(compiled ? join(compiled, 'index.js') : '../lib') as Rxtls;
