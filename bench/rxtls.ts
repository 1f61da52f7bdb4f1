/**
 * The library as the bench measures it: compiled by tsc, as users run it (bench/run.ts compiles
 * it first and names the directory in RXTLS_BENCH_LIB), not transpiled on the fly by tsx, whose
 * keepNames wraps every function it creates (that costs memory and time per closure that a
 * user never pays). `BENCH_SOURCE=1 npm run bench` measures the TypeScript sources instead.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

type Rxtls = typeof import('../lib');

const directory = process.env['RXTLS_BENCH_LIB'];
const load = createRequire(__filename);

/** A module of lib/ by its path below lib/ (`'transport/watched-transport'`), compiled or not as the bench runs. */
export function compiled(path: string): unknown {
  return load(directory ? join(directory, `${path}.js`) : `../lib/${path}`);
}

export const rxtls = compiled('index') as Rxtls;
