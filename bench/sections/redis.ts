/**
 * `npm run bench -- redis`: pipelined GET throughput of examples/redis-client.ts against
 * `ioredis`, both over TLS to one Debian `redis-server` (TLS only, `--requirepass`) started for
 * the section. Each run opens a connection (handshake and AUTH included), GETs the same keys
 * `BENCH_REDIS_COMMANDS` times in all (default 20 000; 2 000 in a smoke run — at 100 000, ioredis's one pipeline was aborted by a connection close in some runs here, not yet understood), checks every
 * reply, and closes; the variants are interleaved. The example pipelines with its bounded
 * window (1024 in flight); ioredis gets all the commands as one `pipeline()` — its fastest way,
 * unbounded. Both read replies as Buffers (`getBuffer`), so neither pays for decoding text the
 * other skips. Besides speed, the CPU time this process spent per command is compared: the
 * server runs in its own process, so that is the client's own cost.
 *
 * What is measured is the example as users run it, on the library compiled as bench/rxtls.ts
 * says: esbuild transpiles examples/redis-client.ts and examples/redis/ (and the imap-client
 * module it takes `CertificateRejected` from) into one CommonJS file in the bench's cache,
 * with every import of `lib/` pointed at the tsc-compiled library (`RXTLS_BENCH_LIB`) and the
 * npm packages left external. Loading the TypeScript through tsx instead would measure tsx's
 * keepNames wrappers, which no user runs; recompiling lib/ with the example would measure a
 * second copy of the library, not the one the other sections measure. `BENCH_SOURCE=1` loads
 * the TypeScript sources, as for every section.
 *
 * Without redis-server the section says how to install it and skips.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import Redis from 'ioredis';
import { lastValueFrom, reduce } from 'rxjs';
import { startRedis } from '../../spec/interop/redis';
import { installed } from '../../spec/interop/peers';
import { interleave, median, ratioOf, type BenchContext, type BenchSection } from '../harness';
import { timedStream } from './streams';

type RedisClientModule = typeof import('../../examples/redis-client');

const KEYS = 100;
const VALUE = Buffer.alloc(64, 'v');

/** The example, compiled against the compiled library (see above), or its TypeScript source. */
async function loadExample(): Promise<RedisClientModule> {
  const library = process.env['RXTLS_BENCH_LIB'];
  if (!library) return import('../../examples/redis-client');
  const root = join(__dirname, '..', '..');
  const outdir = join(root, 'node_modules', '.cache', 'rxtls-bench-examples');
  await mkdir(outdir, { recursive: true });
  const outfile = join(outdir, 'redis-client.js');
  await build({
    entryPoints: [join(root, 'examples', 'redis-client.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    plugins: [
      {
        name: 'compiled-rxtls',
        setup(plugin) {
          plugin.onResolve({ filter: /^(\.\.\/)+lib$/ }, () => ({ path: join(library, 'index.js'), external: true }));
        },
      },
    ],
  });
  return createRequire(__filename)(outfile) as RedisClientModule;
}

export const redisSection: BenchSection = {
  name: 'redis',
  title: 'pipelined GETs: examples/redis-client.ts against ioredis, over TLS to redis-server',
  async run(context: BenchContext) {
    if (!installed('redis-server')) {
      context.log('skipped: redis-server is not installed (apt-get install redis-server)');
      return [];
    }
    const total = context.smoke ? 2000 : Number(process.env['BENCH_REDIS_COMMANDS'] ?? 20_000);
    const { redisCommands } = await loadExample();
    const server = await startRedis(context.pki);
    const target = { host: '127.0.0.1', servername: 'localhost', port: server.port, ca: context.pki.ca.cert, password: server.password };
    try {
      const keys = Array.from({ length: KEYS }, (_, i) => `bench:${i}`);
      await lastValueFrom(
        redisCommands(
          target,
          keys.map((k) => ['SET', k, VALUE]),
        ),
      );
      const gets = function* () {
        for (let i = 0; i < total; i++) yield ['GET', keys[i % KEYS] as string];
      };
      const check = (count: number, bytes: number) => {
        if (count !== total || bytes !== total * VALUE.length)
          throw new Error(`expected ${total} replies of ${VALUE.length} bytes, got ${count} (${bytes} bytes)`);
      };
      const cpu = { example: [] as number[], ioredis: [] as number[] };
      const ms = await interleave(context.runs, {
        example: () =>
          timedStream((done, fail) => {
            lastValueFrom(
              redisCommands(target, gets()).pipe(
                reduce((sum, reply) => ({ count: sum.count + 1, bytes: sum.bytes + (reply.value as Buffer).length }), {
                  count: 0,
                  bytes: 0,
                }),
              ),
            ).then(({ count, bytes }) => (check(count, bytes), done()), fail);
          }, cpu.example),
        ioredis: () =>
          timedStream((done, fail) => {
            const client = new Redis({
              host: '127.0.0.1',
              port: server.port,
              password: server.password,
              tls: { ca: context.pki.ca.cert, servername: 'localhost' },
              enableOfflineQueue: true,
              maxRetriesPerRequest: 0,
            });
            client.on('error', fail);
            const pipeline = client.pipeline();
            for (let i = 0; i < total; i++) pipeline.getBuffer(keys[i % KEYS] as string);
            pipeline
              .exec()
              .then((results) => {
                let bytes = 0;
                for (const [error, value] of results ?? []) {
                  if (error) throw error;
                  bytes += (value as Buffer).length;
                }
                check(results?.length ?? 0, bytes);
                return client.quit();
              })
              .then(() => done(), fail);
          }, cpu.ioredis),
      });
      const rate = (samples: number[]) => samples.map((m) => total / (m / 1000));
      context.log(
        `example client ${(median(rate(ms.example)) / 1000).toFixed(1)} k GET/s, ioredis ${(median(rate(ms.ioredis)) / 1000).toFixed(1)} k GET/s`,
      );
      context.log(
        `CPU per GET: example ${((median(cpu.example) * 1000) / total).toFixed(2)} µs, ioredis ${((median(cpu.ioredis) * 1000) / total).toFixed(2)} µs`,
      );
      return [
        ratioOf('redis example / ioredis, pipelined GETs over TLS', rate(ms.example), rate(ms.ioredis), { atLeast: 0.8 }),
        ratioOf('CPU: redis example / ioredis, GETs per CPU-second', rate(cpu.example), rate(cpu.ioredis)),
      ];
    } finally {
      await server.stop();
    }
  },
};
