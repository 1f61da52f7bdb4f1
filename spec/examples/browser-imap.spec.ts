import { chromium, type Browser } from 'playwright-core';
import { line } from '../../lib';
import { createTestPki, startTlsServer, type TestServer } from '../../lib/testing';
import { startBrowserImapDemo, type BrowserImapDemo } from '../../examples/browser-imap/serve';
import { describeWithPeer } from '../interop/peers';

const CHROMIUM = '/usr/bin/chromium';
const GREETING = '* OK [CAPABILITY IMAP4rev1] rxtls test IMAP server ready';

describeWithPeer('examples/browser-imap in headless Chromium', { command: CHROMIUM, aptPackage: 'chromium' }, () => {
  let browser: Browser;
  let greeter: TestServer;
  let demo: BrowserImapDemo;

  beforeAll(async () => {
    const pki = await createTestPki();
    greeter = await startTlsServer({ ...(await pki.leaf()), dialogue: () => [line(GREETING)] });
    demo = await startBrowserImapDemo({ target: `localhost:${greeter.port}`, ca: pki.ca.cert });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    await greeter?.close();
  });

  it('shows the greeting of a TLS server, read through the gateway with the browser build', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(demo.pageUrl);
    await page.locator('#greeting', { hasText: GREETING }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#greeting').textContent()).toBe(GREETING);
    expect(await page.locator('#status').textContent()).toBe('greeting received; the WebSocket closed with code 1000');
    expect(problems).toEqual([]);
    // The browser sent its Origin, which the gateway allowed, and the target was verified.
    const bridged = demo.gatewayEvents.find((e) => e.type === 'bridged');
    expect(bridged).toMatchObject({ origin: new URL(demo.pageUrl).origin, peer: { subject: 'CN=localhost' } });
    await page.close();
  });

  it('shows the failure when the page’s origin is not allowed by the gateway', async () => {
    const page = await browser.newPage();
    // Same page, loaded from "localhost" instead of 127.0.0.1: another origin.
    await page.goto(demo.pageUrl.replace('127.0.0.1', 'localhost'));
    await page.locator('#status', { hasText: 'failed' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#greeting').textContent()).toBe('');
    expect(demo.gatewayEvents.at(-1)).toMatchObject({ type: 'refused', status: 403 });
    await page.close();
  });
});
