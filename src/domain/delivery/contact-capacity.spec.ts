import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contactCapacity } from './contact-capacity.js';

const seatHours = (h: number) => BigInt(Math.round(h * 10_000));

describe('contactCapacity (PRODUCT.md section 6)', () => {
  it('is seat-hours × 3,600 ÷ (AHT ÷ 4) × concurrency, or ÷ 30 s for seat intervals', () => {
    // 2 seat-hours at AHT 180 s: 7,200 s ÷ 45 s = 160 contacts.
    expect(contactCapacity({ staffedUnits: seatHours(2), ahtSeconds: 180, channel: 'VOICE', chatConcurrency: 1 })).toBe(160);
    // Seats given directly: 2 seat-hours ÷ 30 s = 240, and 3 chats at once triple it.
    expect(contactCapacity({ staffedUnits: seatHours(2), ahtSeconds: null, channel: 'VOICE', chatConcurrency: 1 })).toBe(240);
    expect(contactCapacity({ staffedUnits: seatHours(2), ahtSeconds: null, channel: 'CHAT', chatConcurrency: 3 })).toBe(720);
    // Concurrency applies to chat only.
    expect(contactCapacity({ staffedUnits: seatHours(2), ahtSeconds: null, channel: 'EMAIL', chatConcurrency: 3 })).toBe(240);
    expect(contactCapacity({ staffedUnits: 0n, ahtSeconds: 180, channel: 'VOICE', chatConcurrency: 1 })).toBe(0);
  });

  it('uses an AHT of at least 120 s, so a tiny forecast AHT cannot make impossible counts possible', () => {
    // AHT 1 s would allow 2 × 3,600 ÷ 0.25 = 28,800 contacts; the floor keeps it at a seat interval's 240.
    for (const aht of [1, 30, 119, 120]) {
      expect(contactCapacity({ staffedUnits: seatHours(2), ahtSeconds: aht, channel: 'VOICE', chatConcurrency: 1 })).toBe(240);
    }
    expect(contactCapacity({ staffedUnits: seatHours(2), ahtSeconds: 121, channel: 'VOICE', chatConcurrency: 1 })).toBe(238);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.integer({ min: 1, max: 86_400 }), (units, aht) => {
        const seatsCap = contactCapacity({ staffedUnits: units, ahtSeconds: null, channel: 'VOICE', chatConcurrency: 1 });
        expect(contactCapacity({ staffedUnits: units, ahtSeconds: aht, channel: 'VOICE', chatConcurrency: 1 })).toBeLessThanOrEqual(seatsCap);
      }),
    );
  });

  it('rounds down, exactly, even for seat-hours no double represents', () => {
    // 0.0001 seat-hours = 0.36 s: no contact fits in 30 s.
    expect(contactCapacity({ staffedUnits: 1n, ahtSeconds: null, channel: 'VOICE', chatConcurrency: 1 })).toBe(0);
    // 1.2345 seat-hours × 3,600 ÷ 30 = 148.14 → 148.
    expect(contactCapacity({ staffedUnits: 12_345n, ahtSeconds: null, channel: 'VOICE', chatConcurrency: 1 })).toBe(148);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.integer({ min: 1, max: 86_400 }), fc.integer({ min: 1, max: 10 }), (units, aht, conc) => {
        const cap = contactCapacity({ staffedUnits: units, ahtSeconds: aht, channel: 'CHAT', chatConcurrency: conc });
        // cap contacts of max(AHT, 120 s) ÷ 4 each fit in the staffed time; one more does not.
        const available = units * 3_600n * 4n * BigInt(conc);
        const used = BigInt(Math.max(aht, 120));
        expect(BigInt(cap) * 10_000n * used).toBeLessThanOrEqual(available);
        expect(BigInt(cap + 1) * 10_000n * used).toBeGreaterThan(available);
      }),
    );
  });
});
