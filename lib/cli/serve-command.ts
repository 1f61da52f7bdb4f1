import { readFileSync } from 'node:fs';
import { EMPTY, NEVER, concat, filter, map, of } from 'rxjs';
import { serve } from '../server/serve';
import type { Dialogue } from '../operators/converse';
import { line } from '../outbound';

/** Runs `rxtls serve` until interrupted; resolves to the exit status only on failure. */
export async function runServe(
  options: { port: number; host: string; cert?: string; key?: string; selfSigned: boolean; echo: boolean; greeting?: string },
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
): Promise<number> {
  const credentials = options.selfSigned
    ? // Loaded only here: certificate generation is not part of the library's own start-up.
      await (await import('../certificates/generate-certificates')).selfSigned({ names: ['localhost', '127.0.0.1'] })
    : { cert: readFileSync(options.cert ?? ''), key: readFileSync(options.key ?? '') };
  if (options.selfSigned && 'fingerprint256' in credentials)
    stdout.write(`self-signed certificate, fingerprint ${credentials.fingerprint256}, pin ${credentials.spkiPin}\n`);
  // Greet, then echo — or just hold the connection until the client leaves.
  const dialogue: Dialogue = (events$) =>
    concat(
      options.greeting === undefined ? EMPTY : of(line(options.greeting)),
      options.echo
        ? events$.pipe(
            filter((e) => e.type === 'line'),
            map((e) => line(e.text)),
          )
        : NEVER,
    );
  return new Promise((resolve) => {
    serve({ port: options.port, host: options.host, credentials }, dialogue).subscribe({
      next: (e) => {
        if (e.type === 'listening') stdout.write(`listening on ${e.host}:${e.port}\n`);
        if (e.type === 'clientError') stderr.write(`dropped a client${e.remoteAddress ? ` from ${e.remoteAddress}` : ''}: ${e.code}\n`);
        if (e.type === 'connectionFailed') stderr.write(`cut off a client from ${e.remoteAddress}: ${e.error.message}\n`);
      },
      error: (error: Error) => {
        stderr.write(`rxtls: ${error.message}\n`);
        resolve(1);
      },
    });
  });
}
