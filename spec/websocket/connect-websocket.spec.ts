import fc from 'fast-check';
import { Server, WebSocket as MockWebSocket } from 'mock-socket';
import { filter, map, take, toArray, firstValueFrom } from 'rxjs';
import {
  connectWebSocket,
  gracefulShutdown,
  InvalidOptionError,
  type ClosedEvent,
  lines,
  TransportError,
  WriteBufferFullError,
  type WebSocketConstructor,
  type WebSocketEvent,
  type WebSocketLike,
  type WebSocketOptions,
} from '../../lib/browser';
import { collect, eventually } from '../support/collect';

const Mock = MockWebSocket as unknown as WebSocketConstructor;
let port = 47000;
/** A fresh URL per test: mock-socket's servers are keyed by URL. */
const nextUrl = (scheme = 'ws') => `${scheme}://127.0.0.1:${++port}/`;

type MockSocket = Parameters<Parameters<Server['on']>[1]>[0] & {
  send(data: string | ArrayBuffer): void;
  close(options?: { code: number; reason: string }): void;
  on(event: 'message', cb: (data: string | ArrayBuffer) => void): void;
  on(event: 'close', cb: (event: { code: number; reason: string }) => void): void;
};

/** A mock server that runs `onConnection` for each client; stopped after each test. */
const servers: Server[] = [];
function mockServer(url: string, onConnection: (socket: MockSocket) => void): Server {
  const server = new Server(url);
  server.on('connection', (socket) => onConnection(socket));
  servers.push(server);
  return server;
}
afterEach(() => {
  for (const server of servers.splice(0)) server.stop();
});

const bytes = (text: string) => new TextEncoder().encode(text).buffer;
const text = (data: string | ArrayBuffer) => (typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));

describe('connectWebSocket (browser build) over mock-socket', () => {
  it('emits connected (verifiedBy none for ws:), data for binary and text frames as bytes, and closed with the code', async () => {
    const url = nextUrl();
    mockServer(url, (socket) => {
      socket.send(bytes('binary '));
      socket.send('text ✓');
      setTimeout(() => socket.close({ code: 1000, reason: 'done' }), 20);
    });
    const { events, error, completed } = await collect(connectWebSocket(url, { WebSocket: Mock }));
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['connected', 'data', 'data', 'closed']);
    const [connected, first, second, closed] = events;
    expect(connected).toMatchObject({ type: 'connected', verifiedBy: 'none', webSocket: { url, protocol: '' } });
    expect(Buffer.isBuffer(first?.type === 'data' && first.bytes)).toBe(true);
    expect(first?.type === 'data' && first.bytes.toString()).toBe('binary ');
    expect(second?.type === 'data' && second.bytes.toString()).toBe('text ✓');
    expect(closed).toEqual({ type: 'closed', by: 'peer', clean: true, code: 1000, reason: 'done' });
  });

  it('says verifiedBy platform for wss:, where the platform checked the certificate', async () => {
    const url = nextUrl('wss');
    mockServer(url, (socket) => setTimeout(() => socket.close({ code: 1000, reason: '' }), 10));
    const { events } = await collect(connectWebSocket(url, { WebSocket: Mock }));
    expect(events[0]).toMatchObject({ type: 'connected', verifiedBy: 'platform' });
  });

  it('frames lines across split frames, a UTF-8 character split between two of them included', async () => {
    const url = nextUrl();
    const euro = Buffer.from('€'); // three bytes
    mockServer(url, (socket) => {
      socket.send(bytes('* OK Dov'));
      socket.send(bytes('ecot ready\r\n* 1 price '));
      socket.send(euro.subarray(0, 1).buffer.slice(euro.byteOffset, euro.byteOffset + 1));
      socket.send(euro.buffer.slice(euro.byteOffset + 1, euro.byteOffset + 3));
      socket.send(bytes('5\r\nlast'));
      setTimeout(() => socket.close({ code: 1000, reason: '' }), 20);
    });
    const received = await firstValueFrom(
      connectWebSocket(url, { WebSocket: Mock }).pipe(
        lines(),
        filter((e) => e.type === 'line'),
        map((e) => e.text),
        toArray(),
      ),
    );
    expect(received).toEqual(['* OK Dovecot ready', '* 1 price €5', 'last']);
  });

  it('sends each write as one binary message', async () => {
    const url = nextUrl();
    const got: string[] = [];
    mockServer(url, (socket) => {
      socket.on('message', (data) => {
        expect(data).toBeInstanceOf(ArrayBuffer);
        got.push(text(data));
        if (got.length === 2) socket.close({ code: 1000, reason: '' });
      });
    });
    await collect(
      connectWebSocket(url, { WebSocket: Mock }).pipe(
        map((e) => {
          if (e.type === 'connected') {
            e.writer.write('a1 LOGIN\r\n');
            e.writer.write(new Uint8Array([0x68, 0xc3, 0xa9]));
          }
          return e;
        }),
      ),
    );
    expect(got).toEqual(['a1 LOGIN\r\n', 'hé']);
  });

  it('closes with code 1000 when the subscriber unsubscribes, not 1005', async () => {
    const url = nextUrl();
    const codes: number[] = [];
    mockServer(url, (socket) => {
      socket.on('close', (event) => codes.push(event.code));
      socket.send(bytes('* OK ready\r\n'));
    });
    const greeting = await firstValueFrom(
      connectWebSocket(url, { WebSocket: Mock }).pipe(
        lines(),
        filter((e) => e.type === 'line'),
        take(1),
      ),
    );
    expect(greeting).toEqual({ type: 'line', text: '* OK ready' });
    await eventually(() => codes.length > 0, 2000, 'the server to see the close');
    expect(codes).toEqual([1000]);
  });

  it('gracefulShutdown() works unchanged: take(1) closes with 1000 and onClosed hears the clean close', async () => {
    const url = nextUrl();
    mockServer(url, (socket) => socket.send(bytes('* OK ready\r\n')));
    const closed = new Promise<ClosedEvent>((resolve) => {
      connectWebSocket(url, { WebSocket: Mock })
        .pipe(
          gracefulShutdown({ timeout: 1000, onClosed: resolve }),
          lines(),
          filter((e) => e.type === 'line'),
          take(1),
        )
        .subscribe();
    });
    expect(await closed).toMatchObject({ type: 'closed', by: 'local', clean: true, code: 1000 });
  });

  it('gracefulShutdown({ timeout }) bounds a close the server never answers, past closeTimeout, naming its own option', async () => {
    /** Opens at once; its close() starts closing and nothing ever answers. */
    class Unanswered implements WebSocketLike {
      binaryType = 'blob';
      readyState = 0;
      bufferedAmount = 0;
      protocol = '';
      onopen: WebSocketLike['onopen'] = null;
      onmessage: WebSocketLike['onmessage'] = null;
      onerror: WebSocketLike['onerror'] = null;
      onclose: WebSocketLike['onclose'] = null;
      constructor(readonly url: string) {
        setTimeout(() => {
          this.readyState = 1;
          this.onopen?.({});
          this.onmessage?.({ data: '* OK ready\r\n' });
        }, 0);
      }
      send() {}
      close() {
        this.readyState = 2;
      }
    }
    let leftAt = 0;
    const closed = new Promise<ClosedEvent>((resolve) => {
      connectWebSocket('ws://127.0.0.1/', { WebSocket: Unanswered, closeTimeout: 100 })
        .pipe(
          gracefulShutdown({ timeout: 600, onClosed: resolve }),
          lines(),
          filter((e) => e.type === 'line'),
          take(1),
        )
        .subscribe({ complete: () => (leftAt = Date.now()) });
    });
    const report = await closed;
    expect(Date.now() - leftAt).toBeGreaterThanOrEqual(550);
    expect(report).toMatchObject({ type: 'closed', by: 'local', clean: false, error: { code: 'ERR_RXTLS_CLOSE_TIMEOUT' } });
    expect(report.error?.message).toMatch(/within 600 ms \(option gracefulShutdown timeout\)$/);
  });

  it('end() closes with 1000 and reports a clean close by us', async () => {
    const url = nextUrl();
    const codes: number[] = [];
    mockServer(url, (socket) => socket.on('close', (event) => codes.push(event.code)));
    const { events } = await collect(
      connectWebSocket(url, { WebSocket: Mock }).pipe(
        map((e) => {
          if (e.type === 'connected') e.writer.end();
          return e;
        }),
      ),
    );
    expect(events.at(-1)).toMatchObject({ type: 'closed', by: 'local', clean: true, code: 1000 });
    expect(codes).toEqual([1000]);
    const connected = events[0] as Extract<WebSocketEvent, { type: 'connected' }>;
    expect(connected.writer.write('late')).toBe(false);
  });

  it('reports a close with another code as not clean, with the code, the reason and an error naming both', async () => {
    const url = nextUrl();
    mockServer(url, (socket) => setTimeout(() => socket.close({ code: 4001, reason: 'idle too long' }), 10));
    const { events } = await collect(connectWebSocket(url, { WebSocket: Mock }));
    const closed = events.at(-1);
    expect(closed).toMatchObject({ type: 'closed', by: 'peer', clean: false, code: 4001, reason: 'idle too long' });
    expect(closed?.type === 'closed' && closed.error).toBeInstanceOf(TransportError);
    expect(closed?.type === 'closed' && (closed.error as TransportError).code).toBe('ERR_RXTLS_WEBSOCKET_CLOSED');
    expect(closed?.type === 'closed' && closed.error?.message).toMatch(/code 4001: idle too long/);
  });

  it('ends with closed (not clean, with the error) when the server errors after opening', async () => {
    const url = nextUrl();
    const server = mockServer(url, () => setTimeout(() => server.simulate('error'), 10));
    const { events, error } = await collect(connectWebSocket(url, { WebSocket: Mock }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['connected', 'closed']);
    expect(events[1]).toMatchObject({ type: 'closed', by: 'peer', clean: false, error: { code: 'ERR_RXTLS_WEBSOCKET_ERROR' } });
  });

  it('is an error notification with a code when nothing listens at the URL', async () => {
    const { events, error } = await collect(connectWebSocket(nextUrl(), { WebSocket: Mock }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.code).toBe('ERR_RXTLS_WEBSOCKET_CONNECT_FAILED');
    expect(error?.message).toMatch(/127\.0\.0\.1:\d+: could not open the WebSocket/);
  });

  it('is cold: each subscription opens its own WebSocket', async () => {
    const url = nextUrl();
    let connections = 0;
    mockServer(url, (socket) => {
      connections += 1;
      setTimeout(() => socket.close({ code: 1000, reason: '' }), 10);
    });
    const events$ = connectWebSocket(url, { WebSocket: Mock });
    await new Promise((r) => setTimeout(r, 20));
    expect(connections).toBe(0);
    await Promise.all([collect(events$), collect(events$)]);
    expect(connections).toBe(2);
  });

  it.each([
    ['http://127.0.0.1/', {}, 'url', /must use ws: or wss:/],
    ['not a url', {}, 'url', /absolute ws: or wss: URL/],
    ['ws://example.com/', {}, 'url', /not encrypted.*allowPlaintext/],
    ['wss://example.com/#x', {}, 'url', /fragment/],
    ['ws://127.0.0.1/', { allowPlaintext: 'yes' }, 'allowPlaintext', /true or false/],
    ['ws://127.0.0.1/', { protocols: ['im ap'] }, 'protocols', /HTTP tokens/],
    ['ws://127.0.0.1/', { connectTimeout: -1 }, 'connectTimeout', /positive integer/],
    ['ws://127.0.0.1/', { closeTimeout: 2 ** 31 }, 'closeTimeout', /positive integer/],
    ['ws://127.0.0.1/', { protocols: 5 }, 'protocols', /HTTP tokens/],
    ['ws://127.0.0.1/', { WebSocket: 42 }, 'WebSocket', /constructor/],
  ])('refuses %s with %j, naming the option %s', async (url, options, option, message) => {
    const { error } = await collect(connectWebSocket(url, { WebSocket: Mock, ...(options as WebSocketOptions) }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
    expect(error?.message).toMatch(message);
  });

  /** Runs `body` with the platform's global WebSocket replaced (or removed), then restores it. */
  async function withGlobalWebSocket<T>(value: WebSocketConstructor | undefined, body: () => Promise<T>): Promise<T> {
    const global = globalThis as { WebSocket?: unknown };
    const saved = Object.getOwnPropertyDescriptor(global, 'WebSocket');
    if (value === undefined) delete global.WebSocket;
    else Object.defineProperty(global, 'WebSocket', { value, configurable: true, writable: true });
    try {
      return await body();
    } finally {
      if (saved) Object.defineProperty(global, 'WebSocket', saved);
      else delete global.WebSocket;
    }
  }

  it('needs a WebSocket implementation where the platform has none, and says so', async () => {
    // Node 22 and later have a global WebSocket: take it away to be the platform that has none.
    const { error } = await withGlobalWebSocket(undefined, () => collect(connectWebSocket('ws://127.0.0.1/')));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error?.message).toMatch(/no global WebSocket/);
  });

  it("uses the platform's global WebSocket where there is one", async () => {
    const url = nextUrl();
    mockServer(url, (socket) => socket.send('from the global\r\n'));
    const { events } = await withGlobalWebSocket(Mock, () =>
      collect(
        connectWebSocket(url).pipe(
          lines(),
          filter((e) => e.type === 'line'),
          take(1),
        ),
      ),
    );
    expect(events).toEqual([{ type: 'line', text: 'from the global' }]);
  });

  it('accepts ws: to a host that is not loopback when allowPlaintext says so', async () => {
    const url = 'ws://gateway.test:8080/';
    mockServer(url, (socket) => setTimeout(() => socket.close({ code: 1000, reason: '' }), 10));
    const { events } = await collect(connectWebSocket(url, { WebSocket: Mock, allowPlaintext: true }));
    expect(events[0]).toMatchObject({ type: 'connected', verifiedBy: 'none' });
  });
});

describe('connectWebSocket backpressure (a scripted WebSocket whose buffer never empties)', () => {
  /** A WebSocket that opens at once and keeps everything sent in bufferedAmount until told. */
  function stuckWebSocket() {
    const instances: Array<WebSocketLike & { flush(): void; closedWith?: number }> = [];
    class Stuck implements WebSocketLike {
      binaryType = 'blob';
      readyState = 0;
      bufferedAmount = 0;
      protocol = '';
      closedWith: number | undefined;
      onopen: WebSocketLike['onopen'] = null;
      onmessage: WebSocketLike['onmessage'] = null;
      onerror: WebSocketLike['onerror'] = null;
      onclose: WebSocketLike['onclose'] = null;
      constructor(readonly url: string) {
        instances.push(this);
        setTimeout(() => {
          this.readyState = 1;
          this.onopen?.({});
        }, 0);
      }
      send(data: ArrayBuffer) {
        this.bufferedAmount += data.byteLength;
      }
      close(code?: number) {
        this.closedWith = code;
        this.readyState = 3;
        this.onclose?.({ code: code ?? 1005, reason: '' });
      }
      flush() {
        this.bufferedAmount = 0;
      }
    }
    return { Stuck: Stuck as WebSocketConstructor, instances };
  }

  it('write() returns false past highWaterBytes, drain() waits for the buffer, and the bound throws WriteBufferFullError', async () => {
    const { Stuck, instances } = stuckWebSocket();
    let connected: Extract<WebSocketEvent, { type: 'connected' }> | undefined;
    const subscription = connectWebSocket('ws://127.0.0.1/', { WebSocket: Stuck, highWaterBytes: 10, maxPendingWriteBytes: 30 }).subscribe(
      (e) => e.type === 'connected' && (connected = e),
    );
    await eventually(() => connected !== undefined, 1000, 'connected');
    const { writer } = connected as unknown as Extract<WebSocketEvent, { type: 'connected' }>;
    const socket = instances[0]!;
    expect(writer.write('12345')).toBe(true);
    expect(writer.write('67890')).toBe(false);
    expect(writer.pendingBytes).toBe(10);
    let drained = false;
    const waiting = writer.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(drained).toBe(false);
    expect(() => writer.write('x'.repeat(21))).toThrow(WriteBufferFullError);
    socket.flush();
    await waiting;
    expect(drained).toBe(true);
    subscription.unsubscribe();
    expect(socket.closedWith).toBe(1000);
  });
});

describe('connectWebSocket framing property (fast-check)', () => {
  it('delivers the same lines however the bytes are cut into binary and text frames', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')),
          { minLength: 1, maxLength: 8 },
        ),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        async (texts, cuts, asText) => {
          const url = nextUrl();
          const bytes = Buffer.from(texts.map((t) => `${t}\r\n`).join(''), 'utf8');
          mockServer(url, (socket) => {
            let offset = 0;
            for (let i = 0; offset < bytes.length; i += 1) {
              const size = cuts[i % cuts.length] ?? 1;
              const frame = bytes.subarray(offset, offset + size);
              offset += size;
              // Text frames must be whole UTF-8; binary frames may split a character.
              if (asText && Buffer.from(frame.toString('utf8'), 'utf8').equals(frame)) socket.send(frame.toString('utf8'));
              else socket.send(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.length));
            }
            setTimeout(() => socket.close({ code: 1000, reason: '' }), 5);
          });
          const got = await firstValueFrom(
            connectWebSocket(url, { WebSocket: Mock }).pipe(
              lines(),
              filter((e) => e.type === 'line'),
              map((e) => e.text),
              toArray(),
            ),
          );
          expect(got).toEqual(texts);
        },
      ),
      { numRuns: 40 },
    );
  });
});
