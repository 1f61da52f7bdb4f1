import { inspect } from 'node:util';
import fc from 'fast-check';
import { InvalidOptionError } from '../../lib';
import { resolveConnectOptions } from '../../lib/client/connect-options';
import { parseNoProxy } from '../../lib/client/dial/no-proxy';
import { proxyFromEnvironment } from '../../lib/client/dial/proxy-from-environment';
import { parseProxyUrl, redactProxyUrl } from '../../lib/client/dial/proxy-url';

/** Every way an error could show a secret: its message, String(), JSON and util.inspect (which prints the cause). */
const shown = (error: unknown) => [(error as Error).message, String(error), JSON.stringify(error), inspect(error, { depth: 5 })].join('\n');

/** Throws only InvalidOptionError naming `option`, or returns. */
function onlyInvalidOption(run: () => unknown, option: string | RegExp): InvalidOptionError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toMatch(option);
    return error as InvalidOptionError;
  }
}

// Secrets drawn from an alphabet no host, scheme or message word uses, so finding one means a leak.
const secret = fc.stringMatching(/^[A-Z0-9]{6,16}$/).map((s) => `Q${s}`);

describe('parseProxyUrl', () => {
  it.each([
    ['http://proxy.example:3128', { protocol: 'http', host: 'proxy.example', port: 3128, shown: 'http://proxy.example:3128' }],
    ['http://proxy.example', { protocol: 'http', host: 'proxy.example', port: 80 }],
    ['socks5h://127.0.0.1', { protocol: 'socks5h', host: '127.0.0.1', port: 1080 }],
    ['socks5://[::1]:1081/', { protocol: 'socks5', host: '::1', port: 1081, shown: 'socks5://[::1]:1081' }],
  ])('%s', (text, expected) => expect(parseProxyUrl(text)).toMatchObject(expected));

  it('decodes the credentials and keeps them out of what the endpoint shows', () => {
    const proxy = parseProxyUrl('http://jo%40e:p%3Ass%20w@proxy:3128');
    expect(proxy.credentials).toEqual({ username: 'jo@e', password: 'p:ss w' });
    expect(JSON.stringify(proxy)).not.toContain('ss');
    expect(inspect(proxy)).not.toContain('p:ss');
    expect(proxy.shown).toBe('http://proxy:3128');
  });

  it.each([
    ['ftp://proxy:21', /scheme "ftp"/],
    ['https://proxy:443', /https:\/\/ proxy/],
    ['http://proxy:3128/path', /no path, query or fragment/],
    ['http://proxy:3128?x=1', /no path, query or fragment/],
    ['http://:pw@proxy:3128', /no user name/],
    ['http://proxy:0', /port 0/],
    ['proxy:3128', /must be a URL/],
    ['http://', /must be a URL/],
    [`socks5h://${'u'.repeat(256)}:p@proxy`, /255 bytes/],
    ['http://a%3Ab:c@proxy', /":"/],
    ['http://a:%E0%A4%A@proxy', /percent-encoded/],
  ])('%s is refused: %s', (text, problem) => {
    const error = onlyInvalidOption(() => parseProxyUrl(text), 'proxy');
    expect(error?.message).toMatch(problem);
  });

  it('hides the credentials of a URL it refuses', () => {
    const error = onlyInvalidOption(() => parseProxyUrl('ftp://joe:hunter2@proxy:21'), 'proxy');
    expect(shown(error)).not.toContain('hunter2');
    expect(error?.value).toBe('ftp://***@proxy:21');
  });

  it('never throws anything but InvalidOptionError naming the option, whatever the text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.anything()), (text) => {
        onlyInvalidOption(() => parseProxyUrl(text), 'proxy');
      }),
      { numRuns: 500 },
    );
  });

  it('never shows the password, in what it returns or in any error (property)', () => {
    const scheme = fc.constantFrom('http', 'socks5', 'socks5h', 'https', 'ftp', 'HTTP');
    const host = fc.oneof(fc.domain(), fc.ipV4(), fc.constant('[::1]'), fc.constant(''));
    const port = fc.oneof(
      fc.constant(''),
      fc.integer({ min: 0, max: 70000 }).map((p) => `:${p}`),
      fc.constant(':x'),
    );
    const tail = fc.constantFrom('', '/', '/p', '?q', '#f');
    const user = fc.oneof(fc.constant(''), fc.stringMatching(/^[a-z]{1,8}$/));
    fc.assert(
      fc.property(scheme, user, secret, host, port, tail, fc.boolean(), (s, u, password, h, p, t, encode) => {
        const pass = encode ? encodeURIComponent(`${password}/@`) : password;
        const text = `${s}://${u}:${pass}@${h}${p}${t}`;
        try {
          const proxy = parseProxyUrl(text);
          expect(`${JSON.stringify(proxy)} ${inspect(proxy)} ${proxy.shown}`).not.toContain(password);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidOptionError);
          expect(shown(error)).not.toContain(password);
        }
        expect(redactProxyUrl(text)).not.toContain(password);
      }),
      { numRuns: 500 },
    );
  });

  it('hides a password even in a URL that forgot its host or has unencoded reserved characters', () => {
    for (const text of ['http://joe:QSECRET1', 'http://joe:QSECRET1/x@proxy:3128', 'http://joe:QSECRET1#@proxy', 'joe:QSECRET1@proxy']) {
      expect(redactProxyUrl(text)).not.toContain('QSECRET1');
      const error = onlyInvalidOption(() => parseProxyUrl(text), 'proxy');
      if (error) expect(shown(error)).not.toContain('QSECRET1');
    }
  });
});

describe('NO_PROXY rules', () => {
  const rules = parseNoProxy('.corp.example, localhost:8443 10.0.0.0/8,[::1], 2001:db8::/32 *.internal ,, exact.example:993');
  it.each([
    ['corp.example', 443, true],
    ['imap.corp.example', 993, true],
    ['IMAP.CORP.EXAMPLE.', 993, true],
    ['badcorp.example', 443, false],
    ['localhost', 8443, true],
    ['localhost', 443, false],
    ['10.1.2.3', 443, true],
    ['11.1.2.3', 443, false],
    ['::1', 993, true],
    ['[::1]', 993, true],
    ['0:0:0:0:0:0:0:1', 993, true],
    ['2001:db8::5', 443, true],
    ['2001:db9::5', 443, false],
    ['a.internal', 1, true],
    ['exact.example', 993, true],
    ['exact.example', 443, false],
    ['sub.exact.example', 993, true],
    ['example', 443, false],
  ])('%s:%d bypasses the proxy: %s', (host, port, bypass) => expect(rules.bypasses(host, port)).toBe(bypass));

  it('`*` alone bypasses every target; an empty value none', () => {
    expect(parseNoProxy('*').bypasses('anything.example', 1)).toBe(true);
    expect(parseNoProxy('').bypasses('anything.example', 1)).toBe(false);
    expect(parseNoProxy(' , ').bypasses('anything.example', 1)).toBe(false);
  });

  it.each(['host:99999', 'host:x', '10.0.0.0/33', 'bad/range', 'spa\u0007ce', '[::1]:0'])(
    '"%s" is an InvalidOptionError naming NO_PROXY',
    (text) => {
      expect(onlyInvalidOption(() => parseNoProxy(text), 'NO_PROXY')).toBeDefined();
    },
  );

  it('never throws anything but InvalidOptionError naming the variable, and answers any host (property)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6(), fc.string()),
        fc.integer({ min: 1, max: 65535 }),
        (text, host, port) => {
          const error = onlyInvalidOption(() => parseNoProxy(text, 'no_proxy').bypasses(host, port), 'no_proxy');
          if (!error) expect(typeof parseNoProxy(text, 'no_proxy').bypasses(host, port)).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("proxy: 'env'", () => {
  const target = { host: 'imap.example.com', port: 993 };
  it.each([
    [{}, undefined],
    [{ HTTPS_PROXY: 'http://p1:3128' }, 'http://p1:3128'],
    [{ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' }, 'http://lower:1'],
    [{ https_proxy: '', HTTPS_PROXY: 'http://upper:2' }, 'http://upper:2'],
    [{ ALL_PROXY: 'socks5h://s:1080' }, 'socks5h://s:1080'],
    [{ all_proxy: 'socks5h://s:1080', HTTPS_PROXY: 'http://h:1' }, 'http://h:1'],
    [{ HTTP_PROXY: 'http://only-http:1' }, undefined],
    [{ HTTPS_PROXY: 'http://p1:3128', NO_PROXY: 'example.com' }, undefined],
    [{ HTTPS_PROXY: 'http://p1:3128', no_proxy: 'other.com', NO_PROXY: 'example.com' }, 'http://p1:3128'],
    [{ HTTPS_PROXY: 'http://p1:3128', NO_PROXY: 'example.com:443' }, 'http://p1:3128'],
  ])('%p: %s', (env, expected) => expect(proxyFromEnvironment(env, target.host, target.port)?.shown).toBe(expected));

  it('is read only when asked: without proxy, a broken HTTPS_PROXY is not even parsed', () => {
    const env = { HTTPS_PROXY: 'not a url' };
    expect(resolveConnectOptions({ ...target }, env).proxy).toBeUndefined();
    expect(onlyInvalidOption(() => resolveConnectOptions({ ...target, proxy: 'env' }, env), 'HTTPS_PROXY')).toBeDefined();
  });

  it('never throws anything but InvalidOptionError naming a variable, and never shows a password (property)', () => {
    const value = fc.oneof(
      fc.constant(undefined),
      fc.string(),
      secret.map((p) => `http://u:${p}@proxy.example:3128`),
      secret.map((p) => `socks5h://u:${p}@[::1]`),
      secret.map((p) => `gopher://u:${p}@x`),
      secret.map((p) => `http://u:${p}`),
    );
    const names = ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY', 'HTTP_PROXY'] as const;
    fc.assert(
      fc.property(
        fc.record(Object.fromEntries(names.map((n) => [n, value])) as Record<(typeof names)[number], fc.Arbitrary<string | undefined>>),
        fc.domain(),
        (env, host) => {
          const secrets = Object.values(env).flatMap((v) => (v ? [...v.matchAll(/Q[A-Z0-9]{6,16}/g)].map((m) => m[0]) : []));
          try {
            const resolved = resolveConnectOptions({ host, port: 993, proxy: 'env' }, env);
            for (const s of secrets) expect(`${JSON.stringify(resolved)} ${inspect(resolved, { depth: 5 })}`).not.toContain(s);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidOptionError);
            expect((error as InvalidOptionError).option).toMatch(/^(https_proxy|HTTPS_PROXY|all_proxy|ALL_PROXY|no_proxy|NO_PROXY|host)$/);
            for (const s of secrets) expect(shown(error)).not.toContain(s);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the proxy option', () => {
  it.each([
    [42, 'proxy'],
    ['nonsense', 'proxy'],
    ['http://proxy:3128', 'host'],
  ])('%p is an InvalidOptionError naming %s (the last: a host a CONNECT request cannot carry)', (proxy, option) => {
    const host = option === 'host' ? 'evil.example\r\nX-Injected: 1' : 'imap.example.com';
    expect(onlyInvalidOption(() => resolveConnectOptions({ host, port: 993, proxy: proxy as string }), option)).toBeDefined();
  });

  it.each(['a b.example', 'a\r\nb', 'a\nb', 'a/b', 'a@b', 'a:b', '-x.example'])('host %p cannot go through an HTTP proxy', (host) => {
    expect(onlyInvalidOption(() => resolveConnectOptions({ host, port: 993, proxy: 'http://proxy:3128' }), 'host')).toBeDefined();
  });

  it.each(['imap.example.com', '127.0.0.1', '::1', 'under_score.example'])('host %p can', (host) => {
    expect(resolveConnectOptions({ host, port: 993, proxy: 'http://proxy:3128' }).proxy?.protocol).toBe('http');
  });
});
