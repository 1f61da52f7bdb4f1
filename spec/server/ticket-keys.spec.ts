import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { TICKET_KEYS_MAX } from '../../lib';
import { nextKeyring, openTicket, ticketKeysOption, type TicketKeyring } from '../../lib/server/ticket-keys';

/** The keyring alone: which key seals, which open, and for how long. */
const keys = (n: number) => ticketKeysOption(Array.from({ length: n }, () => randomBytes(48)));

describe('ticketKeysOption', () => {
  it('splits each 48-byte key into its name, HMAC secret and AES key', () => {
    const bytes = randomBytes(48);
    const [key] = ticketKeysOption(bytes);
    expect(Buffer.concat([key!.name, key!.hmac, key!.aes])).toEqual(bytes);
    expect([key!.name.length, key!.hmac.length, key!.aes.length]).toEqual([16, 16, 16]);
  });

  it('takes a Uint8Array as well as a Buffer, and copies it (a later change of the caller’s bytes changes nothing)', () => {
    const bytes = new Uint8Array(randomBytes(48));
    const [key] = ticketKeysOption([bytes]);
    const before = Buffer.from(key!.name);
    bytes.fill(0);
    expect(key!.name).toEqual(before);
  });

  it('never puts a key’s bytes in its message (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 96 }), fc.boolean(), (bytes, inArray) => {
        fc.pre(bytes.length !== 48);
        let message = '';
        try {
          ticketKeysOption(inArray ? [randomBytes(48), bytes] : bytes);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).toMatch(/option "ticketKeys"/);
        const hex = Buffer.from(bytes).toString('hex');
        if (hex.length >= 8) expect(message).not.toContain(hex.slice(0, 8));
        expect(message).not.toContain(Buffer.from(bytes).toString('base64').slice(0, 6) + '=');
      }),
    );
  });
});

describe('nextKeyring and openTicket', () => {
  const GRACE = 1000;

  it('the first key seals; every key of the set opens, only the sealing one without a renewed ticket', () => {
    const set = keys(3);
    const ring = nextKeyring(undefined, set, 0, GRACE);
    expect(ring.sealing).toBe(set[0]);
    expect(openTicket(ring, set[0]!.name, 0)).toEqual({ key: set[0], renew: false });
    expect(openTicket(ring, set[2]!.name, 0)).toEqual({ key: set[2], renew: true });
    expect(openTicket(ring, randomBytes(16), 0)).toBeUndefined();
  });

  it('a key that left the set opens, renewing the ticket, until its grace period ends (at the deadline it no longer does)', () => {
    const [old] = keys(1);
    const [fresh] = keys(1);
    const ring = nextKeyring(nextKeyring(undefined, [old!], 0, GRACE), [fresh!], 5000, GRACE);
    expect(openTicket(ring, old!.name, 5000 + GRACE - 1)).toEqual({ key: old, renew: true });
    expect(openTicket(ring, old!.name, 5000 + GRACE)).toBeUndefined();
    expect(openTicket(ring, fresh!.name, 1e12)).toEqual({ key: fresh, renew: false });
  });

  it('a retired key keeps its first deadline when more rotations follow, and comes back for good if it returns to the set', () => {
    const [a, b, c] = keys(3);
    let ring = nextKeyring(undefined, [a!], 0, GRACE);
    ring = nextKeyring(ring, [b!], 100, GRACE);
    ring = nextKeyring(ring, [c!], 500, GRACE);
    expect(openTicket(ring, a!.name, 1099)).toBeDefined();
    expect(openTicket(ring, a!.name, 1100)).toBeUndefined();
    ring = nextKeyring(ring, [a!, c!], 600, GRACE);
    expect(openTicket(ring, a!.name, 1e12)).toEqual({ key: a, renew: false });
  });

  it('with a grace of 0, a retired key opens nothing', () => {
    const [a, b] = keys(2);
    const ring = nextKeyring(nextKeyring(undefined, [a!], 0, 0), [b!], 10, 0);
    expect(openTicket(ring, a!.name, 10)).toBeUndefined();
  });

  it('property: bounded, the current set always opens, nothing opens past its deadline', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 8 }), after: fc.integer({ min: 0, max: 2000 }) }), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 0, max: 3000 }),
        (rotations, grace) => {
          let ring: TicketKeyring | undefined;
          let now = 0;
          const retiredAt = new Map<string, number>();
          for (const { size, after } of rotations) {
            now += after;
            const set = keys(size);
            if (ring)
              for (const { key } of ring.opening)
                if (!retiredAt.has(key.name.toString('hex'))) retiredAt.set(key.name.toString('hex'), now);
            ring = nextKeyring(ring, set, now, grace);
            expect(ring.opening.length).toBeLessThanOrEqual(TICKET_KEYS_MAX);
            for (const key of set) expect(openTicket(ring, key.name, now)).toEqual({ key, renew: key !== set[0] });
            for (const { key } of ring.opening) {
              const retired = retiredAt.get(key.name.toString('hex'));
              if (retired !== undefined && !set.includes(key)) expect(openTicket(ring, key.name, retired + grace)).toBeUndefined();
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
