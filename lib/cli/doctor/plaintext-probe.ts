/**
 * `rxtls doctor`'s plaintext probe, run when the TLS handshake failed: does the port greet in
 * plaintext (IMAP, SMTP, POP3, FTP), and does it then offer STARTTLS; or, if it says nothing,
 * does it answer an HTTP request? Every read is bounded in bytes and time.
 * @module
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import type { PlaintextFinding } from '../../diagnostics/doctor-findings';
import { CAPABILITY_QUERIES, offersStartTls, protocolOfGreeting, shortened } from '../../diagnostics/plaintext-greeting';
import { CLI_DEFAULTS } from '../cli-defaults';

/** Reads what the socket sends until `enough` says so, `maxBytes` arrived, it closes, or `ms` passed. */
function readFor(socket: Socket, ms: number, enough: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const finish = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', finish);
      resolve(text);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.length >= CLI_DEFAULTS.doctorMaxPlaintextBytes || enough(text)) finish();
    };
    const timer = setTimeout(finish, ms);
    socket.on('data', onData);
    socket.once('close', finish);
  });
}

function open(host: string, port: number, ms: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, ms);
    socket.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
  });
}

const firstLine = (text: string) => text.split(/\r?\n/, 1)[0] ?? '';
/** A TLS record (an alert 0x15, a handshake 0x16) is not plaintext: the port speaks TLS after all. */
const isTlsRecord = (text: string) => text.charCodeAt(0) === 0x15 || text.charCodeAt(0) === 0x16;
/** A reply is complete at a line without a continuation mark (`250-`), or at a tagged/`.` end. */
const replyComplete = (text: string) =>
  /(^|\n)(\d{3} |d1 (OK|NO|BAD)|\.\r?\n|-ERR|\+OK[^\n]*\n(?![\s\S]))/.test(text) && text.endsWith('\n');

/** Probes `host`:`port` in plaintext; each wait lasts at most `ms`. */
export async function plaintextProbe(host: string, port: number, ms: number): Promise<PlaintextFinding> {
  const greetingSocket = await open(host, port, ms);
  if (greetingSocket === undefined) return { startTls: false };
  try {
    const greeting = await readFor(greetingSocket, Math.min(ms, CLI_DEFAULTS.doctorGreetingWaitMs), (text) => text.includes('\n'));
    if (greeting.length > 0 && !isTlsRecord(greeting)) {
      const line = firstLine(greeting);
      const protocol = protocolOfGreeting(line);
      if (protocol === undefined || protocol === 'http')
        return { greeting: shortened(line), startTls: false, ...(protocol && { protocol }) };
      // The greeting of IMAP may list the capabilities already; otherwise ask.
      let capabilities = greeting;
      if (!offersStartTls(protocol, greeting)) {
        greetingSocket.write(`${CAPABILITY_QUERIES[protocol].ask}\r\n`);
        capabilities += await readFor(greetingSocket, ms, replyComplete);
      }
      return { greeting: shortened(line), protocol, startTls: offersStartTls(protocol, capabilities) };
    }
  } finally {
    greetingSocket.destroy();
  }
  // Silent until spoken to: perhaps HTTP.
  const httpSocket = await open(host, port, ms);
  if (httpSocket === undefined) return { startTls: false };
  try {
    httpSocket.write(`HEAD / HTTP/1.0\r\nHost: ${host}\r\nUser-Agent: rxtls-doctor\r\n\r\n`);
    const reply = await readFor(httpSocket, ms, (text) => text.includes('\n'));
    if (reply.length === 0 || isTlsRecord(reply)) return { startTls: false };
    const line = firstLine(reply);
    const protocol = protocolOfGreeting(line);
    return { greeting: shortened(line), startTls: false, ...(protocol && { protocol }) };
  } finally {
    httpSocket.destroy();
  }
}
