/**
 * `npm start`: the article's client, end to end, against an embedded local server.
 *
 * 1. A throwaway CA signs a certificate for localhost; a local TLS server greets like an IMAP
 *    server; the client trusts the CA and prints the greeting.
 * 2. A second server presents a chain ending in a root nobody trusts; the client refuses it
 *    before reading a byte, and prints why.
 */
import { createTestPki, startTlsServer } from '../lib/testing';
import { runGreetingClient } from './imap-greeting';

const GREETING = '* OK [CAPABILITY IMAP4rev1] rxtls demo ready\r\n';

export async function demo(print: (line: string) => void = console.log): Promise<void> {
  const pki = await createTestPki('rxtls demo CA');
  const trusted = await startTlsServer({ ...(await pki.leaf()), greeting: GREETING });
  const stranger = await pki.otherAuthority();
  const strangerLeaf = await stranger.issue();
  // The untrusted server sends its self-signed root along, as many misconfigured servers do.
  const untrusted = await startTlsServer({ cert: strangerLeaf.cert + stranger.cert, key: strangerLeaf.key, greeting: GREETING });
  try {
    await runGreetingClient({ host: 'localhost', port: trusted.port, ca: pki.ca.cert }, print);
    await runGreetingClient({ host: 'localhost', port: untrusted.port, ca: pki.ca.cert }, print);
  } finally {
    await Promise.all([trusted.close(), untrusted.close()]);
  }
}

if (require.main === module) {
  demo().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
