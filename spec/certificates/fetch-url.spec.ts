import { createServer, type Server } from 'node:http';
import fc from 'fast-check';
import { fetchBounded, TransportError } from '../../lib';
import { parseFetchUrl } from '../../lib/certificates/fetch-url';

/** fetchBounded against a local HTTP server whose answers each path decides. */
let server: Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const redirect = (location: string) => response.writeHead(302, { location }).end();
    if (path === '/ok') return setTimeout(() => response.end('CRL BYTES'), 50);
    if (path === '/to-ftp') return redirect('ftp://127.0.0.1/ca.crl');
    if (path === '/to-ok') return redirect('/ok');
    if (path.startsWith('/loop')) return redirect(`/loop${path.length}`);
    if (path === '/big') return response.end(Buffer.alloc(2048));
    if (path === '/big-chunked') {
      response.write(Buffer.alloc(600));
      response.write(Buffer.alloc(600));
      return response.end();
    }
    if (path === '/silent') return; // never answers
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

const failure = async (url: string, limits = {}) => {
  const error = await fetchBounded(url, limits).then(
    () => undefined,
    (e: unknown) => e as TransportError,
  );
  expect(error).toBeInstanceOf(TransportError);
  expect(error?.code).toBe('ERR_RXTLS_FETCH_FAILED');
  expect(error?.message).toContain(url); // every failure names the URL
  return error?.message;
};

describe('fetchBounded', () => {
  it('fetches a body, following a redirect within the scheme', async () => {
    expect((await fetchBounded(`${base}/ok`)).toString()).toBe('CRL BYTES');
    expect((await fetchBounded(`${base}/to-ok`)).toString()).toBe('CRL BYTES');
  });

  it('shares one request among concurrent fetches of the same URL', async () => {
    const before = hits.get('/ok') ?? 0;
    const bodies = await Promise.all([1, 2, 3].map(() => fetchBounded(`${base}/ok`)));
    expect(bodies.map(String)).toEqual(['CRL BYTES', 'CRL BYTES', 'CRL BYTES']);
    expect((hits.get('/ok') ?? 0) - before).toBe(1);
  });

  it('refuses other schemes, and redirects to them', async () => {
    expect(await failure('ldap://ldap.example.com/cn=CA?certificateRevocationList')).toMatch(/the scheme ldap: is refused/);
    expect(await failure('file:///etc/passwd')).toMatch(/the scheme file: is refused/);
    expect(await failure(`${base}/to-ftp`)).toMatch(/redirected to ftp:\/\/127.0.0.1\/ca.crl: the scheme ftp: is refused/);
  });

  it('follows at most maxRedirects redirects', async () => {
    expect(await failure(`${base}/loop`, { maxRedirects: 2 })).toMatch(/more than 2 redirects \(option fetch.maxRedirects\)/);
  });

  it('bounds the body: by its declared length, and as it arrives', async () => {
    expect(await failure(`${base}/big`, { maxBytes: 1024 })).toMatch(/larger than 1024 bytes \(option fetch.maxBytes\)/);
    expect(await failure(`${base}/big-chunked`, { maxBytes: 1000 })).toMatch(/larger than 1000 bytes/);
  });

  it('bounds the time, and reports a status other than 200', async () => {
    expect(await failure(`${base}/silent`, { timeoutMs: 200 })).toMatch(/no answer within 200 ms/);
    expect(await failure(`${base}/missing`)).toMatch(/HTTP status 404/);
  });

  it('never throws on any string: a URL it fetches, or a coded error naming the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.webUrl(), fc.constantFrom('ftp://x/', 'http://', 'javascript:alert(1)', 'https://h:99999/')),
        (text) => {
          const parsed = parseFetchUrl(text);
          if (parsed instanceof URL) expect(['http:', 'https:']).toContain(parsed.protocol);
          else {
            expect(parsed.code).toBe('ERR_RXTLS_FETCH_FAILED');
            expect(parsed.message).toContain(text);
          }
        },
      ),
    );
  });
});
