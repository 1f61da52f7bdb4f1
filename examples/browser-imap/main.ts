/**
 * The page's script: read an IMAP server's greeting through `rxtls gateway`, in the browser,
 * with the same `lines()` operator a Node client uses. The gateway's URL comes from
 * `?gateway=ws://…` (default `ws://127.0.0.1:8143/`); serve.ts compiles this file to main.js.
 */
import { filter, take } from 'rxjs';
import { connectWebSocket, lines, type WebSocketEvent } from 'rxtls/browser';

const status = document.getElementById('status') as HTMLElement;
const greeting = document.getElementById('greeting') as HTMLOutputElement;
const gatewayUrl = new URLSearchParams(location.search).get('gateway') ?? 'ws://127.0.0.1:8143/';

const describe = (event: WebSocketEvent): string =>
  event.type === 'connected'
    ? `connected to ${gatewayUrl} (verified by: ${event.verifiedBy === 'policy' ? 'rxtls' : event.verifiedBy})`
    : '';

connectWebSocket(gatewayUrl)
  .pipe(
    filter((event) => {
      if (event.type === 'connected') status.textContent = describe(event);
      return true;
    }),
    lines(),
    filter((event) => event.type === 'line'),
    take(1),
  )
  .subscribe({
    next: (line) => {
      greeting.textContent = line.text;
      status.textContent = 'greeting received; the WebSocket closed with code 1000';
    },
    error: (error: Error) => (status.textContent = `failed: ${error.message}`),
  });
