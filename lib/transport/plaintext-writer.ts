import type { Socket } from 'node:net';
import type { PlaintextWriter, TlsWriter } from '../events';

/**
 * The write side of a plaintext connection before STARTTLS: writes through `base` until
 * `startTls()` is called, then writes nothing more; `begin` starts the upgrade, once.
 */
export function plaintextWriter(base: TlsWriter, begin: () => void): PlaintextWriter {
  let upgrading = false;
  return {
    write: (chunk) => !upgrading && base.write(chunk),
    drain: () => base.drain(),
    end: (timeout) => base.end(timeout),
    get pendingBytes() {
      return base.pendingBytes;
    },
    get upgrading() {
      return upgrading;
    },
    startTls() {
      if (upgrading) return;
      upgrading = true;
      begin();
    },
  };
}

/** Whatever plaintext the socket received but did not deliver yet is dropped, never interpreted. */
export function discardPlaintext(raw: Socket): void {
  raw.pause();
  while (raw.read() !== null) {
    // discard
  }
}
