import { createServer, type Server } from 'node:net';
import { inspect } from 'node:util';
import { connect, TransportError } from '../../lib';
import { collect } from '../support/collect';

/** A fake HTTP proxy of our own: it records the request and answers `reply` (a string, or a function of the socket). */
async function fakeProxy(reply: string | Buffer): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', (b: Buffer) => {
      requests.push(b.toString('latin1'));
      socket.write(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const PASSWORD = 'QPW77-not-shown';

describe('the HTTP CONNECT hop, against answers of our own making', () => {
  it('sends CONNECT host:port with Host and Basic credentials, and nothing else before TLS', async () => {
    const proxy = await fakeProxy('HTTP/1.1 403 Forbidden\r\n\r\n');
    try {
      const { error } = await collect(
        connect({ host: 'imap.example.com', port: 993, proxy: `http://joe:${PASSWORD}@127.0.0.1:${proxy.port}` }),
      );
      expect(proxy.requests).toEqual([
        `CONNECT imap.example.com:993 HTTP/1.1\r\nHost: imap.example.com:993\r\nProxy-Authorization: Basic ${Buffer.from(`joe:${PASSWORD}`).toString('base64')}\r\n\r\n`,
      ]);
      expect(error?.code).toBe('ERR_RXTLS_PROXY_REFUSED');
      expect(error?.message).toBe(
        `imap.example.com:993: proxy http://127.0.0.1:${proxy.port} refused CONNECT imap.example.com:993 (status 403 Forbidden)`,
      );
    } finally {
      await proxy.close();
    }
  });

  it('writes an IPv6 target in brackets', async () => {
    const proxy = await fakeProxy('HTTP/1.1 403 Forbidden\r\n\r\n');
    try {
      await collect(connect({ host: '::1', port: 993, proxy: `http://127.0.0.1:${proxy.port}` }));
      expect(proxy.requests[0]).toMatch(/^CONNECT \[::1\]:993 HTTP\/1\.1\r\nHost: \[::1\]:993\r\n\r\n$/);
    } finally {
      await proxy.close();
    }
  });

  it.each([
    [
      'HTTP/1.1 502 Bad Gateway\r\n\r\n',
      'ERR_RXTLS_PROXY_TARGET_UNREACHABLE',
      /could not reach imap\.example\.com:993 \(status 502 Bad Gateway\)/,
    ],
    ['HTTP/1.0 504 Gateway Timeout\r\n\r\n', 'ERR_RXTLS_PROXY_TARGET_UNREACHABLE', /status 504/],
    [
      'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n',
      'ERR_RXTLS_PROXY_AUTH_REQUIRED',
      /status 407 .*rejected the credentials/,
    ],
    ['SSH-2.0-OpenSSH_9.2\r\n\r\n', 'ERR_RXTLS_PROXY_BAD_RESPONSE', /did not answer CONNECT in HTTP\/1\.1/],
    [
      `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(20_000)}`,
      'ERR_RXTLS_PROXY_BAD_RESPONSE',
      /more than 16384 bytes \(MAX_PROXY_RESPONSE_BYTES\)/,
    ],
    [`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 'ERR_RXTLS_PROXY_BAD_RESPONSE', /MAX_PROXY_RESPONSE_BYTES/],
    ['HTTP/1.1 403 \u001b[31mred\u0007\r\n\r\n', 'ERR_RXTLS_PROXY_REFUSED', /status 403 \?\[31mred\?\)/],
  ])('canned answer %#', async (reply, code, words) => {
    const proxy = await fakeProxy(reply);
    try {
      const { error } = await collect(
        connect({ host: 'imap.example.com', port: 993, proxy: `http://joe:${PASSWORD}@127.0.0.1:${proxy.port}` }),
      );
      expect(error).toBeInstanceOf(TransportError);
      expect(error?.code).toBe(code);
      expect(error?.message).toMatch(words);
      for (const text of [error?.message, String(error), JSON.stringify(error), inspect(error, { depth: 5 })])
        expect(text).not.toContain(PASSWORD);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy that never answers: one connectTimeout, naming the hop', async () => {
    const accepted: import('node:net').Socket[] = [];
    const silent: Server = createServer((socket) => {
      socket.on('error', () => undefined);
      accepted.push(socket);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const { error } = await collect(
        connect({ host: 'imap.example.com', port: 993, proxy: `http://127.0.0.1:${port}`, connectTimeout: 300 }),
      );
      expect(error?.code).toBe('ERR_RXTLS_CONNECT_TIMEOUT');
      expect(error?.message).toMatch(
        /300 ms \(option connectTimeout\) while waiting for proxy http:\/\/127\.0\.0\.1:\d+ to reach imap\.example\.com:993/,
      );
    } finally {
      accepted.forEach((s) => s.destroy());
      await new Promise((r) => silent.close(r));
    }
  });
});
