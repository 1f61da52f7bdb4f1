import { benchFixture } from './bench/harness';
import { connect } from './node_modules/.cache/rxtls-bench';
(async () => {
  const f = await benchFixture();
  const options = { host: '127.0.0.1', port: f.port, servername: 'localhost', ca: f.pki.ca.cert };
  const one = () => new Promise<void>((resolve, reject) => {
    const sub = connect(options).subscribe({ next: (e) => { if (e.type === 'connected') { resolve(); queueMicrotask(() => sub.unsubscribe()); } }, error: reject });
  });
  let started = 0;
  const lane = async (n: number) => { while (started < n) { started++; await one(); } };
  await Promise.all(Array.from({ length: 32 }, () => lane(200)));
  started = 0;
  const t = Date.now();
  await Promise.all(Array.from({ length: 32 }, () => lane(2000)));
  console.log('per s', 2000 / ((Date.now() - t) / 1000));
  f.child.kill();
})();
