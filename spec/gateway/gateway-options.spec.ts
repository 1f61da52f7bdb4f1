import fc from 'fast-check';
import { parseHostPort, resolveGatewayOptions, targetKey, type GatewayTarget } from '../../lib/gateway/gateway-options';

describe('gateway allow-list keys', () => {
  it('parses host:port and [v6]:port, and nothing else', () => {
    expect(parseHostPort('imap.example.com:993')).toEqual({ host: 'imap.example.com', port: 993 });
    expect(parseHostPort('[::1]:993')).toEqual({ host: '::1', port: 993 });
    for (const bad of ['imap.example.com', ':993', 'h:0', 'h:65536', '::1:993', 'h:99x', 'h:1:2'])
      expect(parseHostPort(bad)).toBeUndefined();
  });

  it('matches a target however its host is cased: the key is what the allow-list compares', () => {
    const { targets } = resolveGatewayOptions({ port: 0, targets: ['IMAP.Example.com:993'] });
    expect(targets.has(targetKey({ host: 'imap.example.COM', port: 993 }))).toBe(true);
    expect(targets.has(targetKey({ host: 'imap.example.com', port: 994 }))).toBe(false);
  });

  it('round-trips: parseHostPort(targetKey(t)) is t, for host names and IPv6 addresses (property)', () => {
    const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6());
    fc.assert(
      fc.property(host, fc.integer({ min: 1, max: 65535 }), (h, port) => {
        expect(parseHostPort(targetKey({ host: h, port }))).toEqual({ host: h.toLowerCase(), port });
      }),
    );
  });

  it.each([
    { host: 'imap.example.com', port: 0 },
    { host: 'imap.example.com', port: 65536 },
    { host: ' ', port: 993 },
    { host: 'imap.example.com', port: 993, servername: '' },
  ])('refuses the target %j with the rules connect applies', (target: GatewayTarget) => {
    expect(() => resolveGatewayOptions({ port: 0, targets: [target] })).toThrow(/^option "targets" must be host:port strings/);
  });

  it('listens where listen does, with the same port rule', () => {
    expect(resolveGatewayOptions({ port: 0, targets: ['a:1'] })).toMatchObject({ host: '127.0.0.1', port: 0, path: '/' });
    expect(() => resolveGatewayOptions({ port: 65536, targets: ['a:1'] })).toThrow(
      'option "port" must be an integer from 0 to 65535 (got 65536)',
    );
    expect(() => resolveGatewayOptions({ host: '', port: 0, targets: ['a:1'] })).toThrow(/^option "host" must be a host name/);
  });
});
