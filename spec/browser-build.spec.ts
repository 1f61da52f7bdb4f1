import { buildBrowser } from '../tools/build-browser';

describe('the browser build (rxtls/browser)', () => {
  let code: string;
  beforeAll(async () => {
    // platform: 'browser' makes any import of a Node built-in a build error.
    ({ code } = await buildBrowser({ write: false }));
  }, 60_000);

  it('imports nothing but rxjs, the peer dependency', () => {
    const imports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(new Set(imports)).toEqual(new Set(['rxjs']));
    expect(code).not.toMatch(/\brequire\(|["']node:/);
  });

  it('exports the WebSocket transport and the operators', () => {
    const exported = /^export \{([^}]+)\};$/m
      .exec(code)?.[1]
      ?.split(',')
      .map((name) => name.trim().split(' as ').at(-1));
    expect(exported).toEqual(
      expect.arrayContaining(['connectWebSocket', 'lines', 'converse', 'gracefulShutdown', 'line', 'end', 'FrameDecoder']),
    );
    expect(exported).not.toContain('connect');
    expect(exported).not.toContain('gateway');
  });
});
