import fc from 'fast-check';
import { parseTarget } from '../../lib/util/host-port';
import { InvalidTargetError } from '../../lib/errors';

describe('parseTarget (HOST[:PORT] on the command line and in the gateway allow-list)', () => {
  it('reads host:port, [v6]:port, and the default port when none is written', () => {
    expect(parseTarget('imap.example.com:993')).toEqual({ host: 'imap.example.com', port: 993 });
    expect(parseTarget('[::1]:993')).toEqual({ host: '::1', port: 993 });
    expect(parseTarget('imap.example.com', { defaultPort: 143 })).toEqual({ host: 'imap.example.com', port: 143 });
    expect(parseTarget('::1', { defaultPort: 443 })).toEqual({ host: '::1', port: 443 });
  });

  it('requires a port when there is no default, and a host always', () => {
    expect(() => parseTarget('imap.example.com')).toThrow('no port in "imap.example.com": HOST:PORT is required');
    expect(() => parseTarget(':993')).toThrow('no host in ":993"');
    expect(() => parseTarget(undefined, { defaultPort: 1 })).toThrow('HOST[:PORT] is required');
  });

  it('applies the port rule of the options: 1-65535 to connect to, 0-65535 to listen on (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70000 }), (port) => {
        const forClients = () => parseTarget(`h:${port}`);
        const forListeners = () => parseTarget(`h:${port}`, { lowestPort: 0 });
        if (port >= 1 && port <= 65535) expect(forClients()).toEqual({ host: 'h', port });
        else expect(forClients).toThrow(`port must be an integer from 1 to 65535 in "h:${port}"`);
        if (port <= 65535) expect(forListeners()).toEqual({ host: 'h', port });
        else expect(forListeners).toThrow(`port must be an integer from 0 to 65535 in "h:${port}"`);
      }),
    );
  });

  it('refuses ports that are not digits', () => {
    for (const text of ['h:', 'h:99x', 'h:-1', 'h:1.5', 'h:0x10', '[::1]:'])
      expect(() => parseTarget(text, { defaultPort: 443, lowestPort: 0 })).toThrow();
  });
});

describe('what parseTarget refuses', () => {
  it.each(['', 'imap.example.com', '[::1', ':993', 'imap.example.com:99999'])(
    '%j is an InvalidTargetError with its code and the text',
    (text) => {
      let caught: unknown;
      try {
        parseTarget(text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidTargetError);
      expect(caught).toMatchObject({ code: 'ERR_RXTLS_INVALID_TARGET', text });
    },
  );
});
