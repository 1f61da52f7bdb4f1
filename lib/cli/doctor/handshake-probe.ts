/**
 * One TLS handshake of `rxtls doctor`, through rxtls's own `connect` (or `connectStartTls`),
 * judged by `strict()`: every problem the checks find is recorded, nothing is accepted that
 * strict would refuse, and no byte of application data is sent. The connection is torn down as
 * soon as the handshake said what it had to (after a short wait for a session ticket, which is
 * also when a server that requires a client certificate says so).
 * @module
 */
import { concat, NEVER, Observable, type Subscription } from 'rxjs';
import type { SecureVersion } from 'node:tls';
import type { CaSource } from '../../certificates/ca';
import { connect } from '../../client/connect';
import { connectStartTls } from '../../client/connect-starttls';
import type { ConnectOptions } from '../../client/connect-options';
import type { HandshakeFinding } from '../../diagnostics/doctor-findings';
import type { LineEvent, StartTlsEvent } from '../../events';
import { converse } from '../../operators/converse';
import { lines } from '../../operators/lines';
import type { Outbound } from '../../outbound';
import { strict } from '../../policies/strict';
import { CLI_DEFAULTS } from '../cli-defaults';
import { starttlsPreamble, type StartTlsProtocol } from '../starttls-preambles';
import { probeError } from './network-probes';

/** What one handshake probe offers. */
export interface HandshakeProbe {
  /** The address to connect to (already resolved). */
  readonly address: string;
  readonly port: number;
  /** The SNI name (and the name checked); `undefined` sends none. */
  readonly servername: string | undefined;
  readonly ca: CaSource | undefined;
  readonly starttls: StartTlsProtocol | undefined;
  readonly timeoutMs: number;
  /** Offer this one version only, at OpenSSL security level 0 (the version probe). */
  readonly onlyVersion?: SecureVersion;
  /** A session ticket from an earlier probe (the resumption probe). */
  readonly session?: Buffer;
}

/** The outcome, with the ticket the server sent and whether the session was resumed. */
export interface HandshakeOutcome extends HandshakeFinding {
  readonly resumed?: boolean;
  readonly ticketBytes?: Buffer;
}

function eventsOf(probe: HandshakeProbe): Observable<StartTlsEvent | LineEvent> {
  const options: ConnectOptions = {
    host: probe.address,
    port: probe.port,
    // Connecting by address sends no SNI; the name checked is then the address.
    ...(probe.servername !== undefined && { servername: probe.servername }),
    verify: strict(probe.ca === undefined ? {} : { ca: probe.ca }),
    connectTimeout: probe.timeoutMs,
    handshakeTimeout: probe.timeoutMs,
    ...(probe.session !== undefined && { session: probe.session }),
    ...(probe.onlyVersion !== undefined && {
      minVersion: probe.onlyVersion,
      maxVersion: probe.onlyVersion,
      // Only here: OpenSSL's security level 2 refuses TLS 1.0 and 1.1 on our side, which would hide what the server accepts.
      tls: { ciphers: 'DEFAULT@SECLEVEL=0' },
    }),
  };
  if (probe.starttls === undefined) return connect(options);
  const preamble = starttlsPreamble(probe.starttls, { host: probe.address, port: probe.port });
  // The dialogue must outlive the preamble: its completion would close the connection.
  return connectStartTls(options).pipe(
    lines(),
    converse((events$) => concat(preamble(events$) as Observable<Outbound>, NEVER)),
  );
}

/** Runs one handshake probe; never rejects. */
export function handshakeProbe(probe: HandshakeProbe): Promise<HandshakeOutcome> {
  const sni = probe.servername !== undefined;
  return new Promise((resolve) => {
    let settled = false;
    let outcome: HandshakeOutcome | undefined;
    let wait: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const finish = (result: HandshakeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(wait);
      clearInterval(poll);
      resolve(result);
      // Unsubscribing destroys the socket at once: nothing of it outlives the probe.
      queueMicrotask(() => subscription.unsubscribe());
    };
    const subscription: Subscription = eventsOf(probe).subscribe({
      next: (event) => {
        if (event.type === 'connected') {
          const { session, peer } = event;
          outcome = {
            status: 'verified',
            sni,
            protocol: session.protocol,
            cipher: session.cipher,
            problems: [],
            peer,
            resumed: session.resumed,
          };
          const withTicket = (): HandshakeOutcome => {
            const ticket = session.ticket();
            return { ...(outcome as HandshakeOutcome), ticket: ticket !== undefined, ...(ticket && { ticketBytes: ticket }) };
          };
          poll = setInterval(() => session.ticket() !== undefined && finish(withTicket()), 10);
          wait = setTimeout(() => finish(withTicket()), CLI_DEFAULTS.doctorTicketWaitMs);
        } else if (event.type === 'certFailed') {
          finish({ status: 'rejected', sni, problems: event.errors, peer: event.peer });
        } else if (event.type === 'closed' && event.error && outcome) {
          // After the handshake: the server refused to go on (a client certificate it requires).
          finish({ ...outcome, status: 'failed', error: probeError(event.error) });
        } else if (event.type === 'closed' && outcome) {
          finish(outcome);
        }
      },
      error: (error: unknown) => finish({ status: 'failed', sni, problems: [], error: probeError(error) }),
      complete: () =>
        finish(
          outcome ?? {
            status: 'failed',
            sni,
            problems: [],
            error: { code: 'ERR_RXTLS_HANDSHAKE_FAILED', message: 'closed before the handshake' },
          },
        ),
    });
  });
}
