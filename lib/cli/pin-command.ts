import { firstValueFrom, filter } from 'rxjs';
import { connect } from '../client/connect';
import type { CertError, PeerInfo } from '../events';
import type { VerificationPolicy } from '../policies/policy';
import type { Target } from '../util/host-port';

/**
 * Prints the SPKI pin of every certificate the server presents, leaf first, and whether the
 * chain verified against the trust store in use. It has to look at servers that are not trusted
 * (that is how one learns a self-signed server's pin), so its policy records the verdict and
 * lets the handshake finish; it then closes without reading or writing a byte.
 */
export async function runPin(
  target: Target,
  options: { ca?: string; servername?: string },
  stdout: NodeJS.WriteStream,
  stderr: NodeJS.WriteStream,
): Promise<number> {
  let verdict: readonly CertError[] = [];
  const inspect: VerificationPolicy = {
    name: 'inspect (rxtls pin)',
    check: ({ problems }) => {
      verdict = problems;
      return [];
    },
  };
  try {
    const event = await firstValueFrom(
      connect({
        host: target.host,
        port: target.port,
        verify: inspect,
        ...(options.ca !== undefined && { ca: options.ca }),
        ...(options.servername !== undefined && { servername: options.servername }),
      }).pipe(filter((e) => e.type === 'connected')),
    );
    const peer: PeerInfo = event.type === 'connected' ? event.peer : (undefined as never);
    for (const cert of peer.chain) stdout.write(`${cert.spkiPin}  ${cert.subject}\n`);
    if (verdict.length === 0) stdout.write(`chain verified against ${options.ca ?? "Node's root store"}\n`);
    else
      stdout.write(
        `chain NOT verified against ${options.ca ?? "Node's root store"}: ${verdict.map((p) => `${p.code} (${p.reason})`).join('; ')}\n`,
      );
    return 0;
  } catch (error) {
    stderr.write(`rxtls: ${(error as Error).message}\n`);
    return 1;
  }
}
