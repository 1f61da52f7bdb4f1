/**
 * A line echo server in a few lines: `serve` + a dialogue that answers every line with itself.
 *
 *   npx tsx examples/echo-server.ts [--port 7000] [--cert FILE --key FILE]
 *
 * Without --cert/--key it makes a throwaway certificate for localhost and prints its CA, so that
 * `openssl s_client -connect 127.0.0.1:7000 -CAfile ca.pem` can talk to it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { filter, map } from 'rxjs';
import { line, serve, type Dialogue, type ServerCredentials } from '../lib';
import { createTestPki } from '../lib/testing';

/** Every line comes back. */
export const echo: Dialogue = (events$) =>
  events$.pipe(
    filter((e) => e.type === 'line'),
    map((e) => line(e.text)),
  );

/** The server, as an Observable: subscribe to run it, unsubscribe to stop it. */
export const echoServer = (credentials: ServerCredentials, port = 0) => serve({ port, credentials }, echo);

if (require.main === module) {
  void (async () => {
    const args = process.argv.slice(2);
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    const port = args.includes('--port') ? Number(value('--port')) : 7000;
    let credentials: ServerCredentials;
    if (args.includes('--cert')) {
      credentials = { cert: readFileSync(value('--cert') ?? ''), key: readFileSync(value('--key') ?? '') };
    } else {
      const pki = await createTestPki('echo-server CA');
      credentials = await pki.leaf();
      writeFileSync('echo-server-ca.pem', pki.ca.cert);
      console.log('throwaway certificate for localhost; its CA is in echo-server-ca.pem');
    }
    echoServer(credentials, port).subscribe({
      next: (e) => {
        if (e.type === 'listening') console.log(`echoing lines on ${e.host}:${e.port}`);
        if (e.type === 'clientError') console.log(`dropped a client from ${e.remoteAddress ?? '?'}: ${e.code}`);
        if (e.type === 'connectionFailed') console.log(`cut off ${e.remoteAddress}:${e.remotePort}: ${e.error.message}`);
      },
      error: (error: Error) => {
        console.error(error.message);
        process.exitCode = 1;
      },
    });
  })();
}
