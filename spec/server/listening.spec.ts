import { createServer } from 'node:net';
import { merge, Subject, take, tap } from 'rxjs';
import { connect, gateway, InvalidOptionError, line, lines, listen, listening, serve, type ServerEvent } from '../../lib';
import { createTestPki, type TestPki } from '../../lib/testing';
import { collect } from '../support/collect';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

/** Whether 127.0.0.1:port is taken: another server cannot listen on it. */
function inUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createServer().listen(port, '127.0.0.1');
    socket.once('listening', () => socket.close(() => resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

describe('listening()', () => {
  it('resolves once serve() listens; await using stops it when the block ends, and the port is free again', async () => {
    let port: number;
    {
      await using server = await listening(serve({ credentials: await pki.leaf() }, () => [line('* OK ready')]));
      port = server.port;
      expect(server.host).toBe('127.0.0.1');
      const { events } = await collect(
        connect({ host: 'localhost', port, ca: pki.ca.cert }).pipe(
          lines(),
          take(2), // connected, the greeting
        ),
      );
      expect(events[1]).toEqual({ type: 'line', text: '* OK ready' });
      expect(await inUse(port)).toBe(true);
    }
    expect(await inUse(port)).toBe(false);
  });

  it('hands back the gateway’s URL, and close() stops it', async () => {
    const server = await listening(gateway({ port: 0, targets: ['localhost:1'] }));
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}/`);
    await server.close();
    expect(await inUse(server.port)).toBe(false);
  });

  it('passes every event through to what the caller piped', async () => {
    const seen: ServerEvent['type'][] = [];
    const server = await listening(listen({ credentials: await pki.leaf() }).pipe(tap((e) => seen.push(e.type))));
    await server.close();
    expect(seen).toEqual(['listening']);
  });

  it('rejects with the error of a server that cannot listen (the port in use)', async () => {
    const first = await listening(listen({ credentials: await pki.leaf() }));
    try {
      await expect(listening(listen({ credentials: await pki.leaf(), port: first.port }))).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });

  it('rejects, naming server$, when the Observable completes before listening', async () => {
    const error: unknown = await listening(listen({ credentials: await pki.leaf() }).pipe(take(0))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('server$');
  });

  it('stopped settles with the error that stopped a listening server, and never rejects', async () => {
    const failure = new Error('credentials store unreachable');
    const failures$ = new Subject<never>();
    const running = await listening(merge(listen({ credentials: await pki.leaf() }), failures$));
    failures$.error(failure);
    expect(await running.stopped).toBe(failure);
    expect(await inUse(running.port)).toBe(false); // the error tore the server down
  });
});
