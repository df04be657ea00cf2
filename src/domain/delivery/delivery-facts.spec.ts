import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agreedContactsHandled, countedActuals, type DeliveryFactsRow } from './delivery-facts.js';
import type { ReportRow } from './effective-actuals.js';

/** The contacts handled that count (the actuals settlement bills), summed. */
const contactsHandled = (row: DeliveryFactsRow) => [...countedActuals(row).values()].reduce((a, x) => a + x.countedContacts, 0);
const report = (interval_index: number, source: ReportRow['source'], seatHours: number, contacts_handled: number): ReportRow => ({
  interval_index,
  source,
  staffed_units: String(seatHours * 10_000),
  service_level_ppm: null,
  contacts_handled,
});
/** Two seat intervals (capacity 120 contacts per staffed seat-hour), or forecast intervals with the given AHT. */
const facts = (outsourcing_model: string, reports: ReportRow[], ahtSeconds: number | null = null): DeliveryFactsRow =>
  ({ outsourcing_model, reports, channel: 'VOICE', chat_concurrency: 1, intervals: [{ ahtSeconds }, { ahtSeconds }] }) as unknown as DeliveryFactsRow;

describe('agreedContactsHandled: the contacts that bound ratings (PRODUCT.md section 8)', () => {
  it('is what the vendor reported, lowered but never raised by the brand’s report', () => {
    for (const model of ['ENTERPRISE_ROUTED', 'VIRTUALIZED']) {
      // The brand's platform reports more than the vendor: the vendor's figure bounds the ratings.
      expect(agreedContactsHandled(facts(model, [report(0, 'VENDOR', 1, 4), report(0, 'BRAND', 1, 120)]))).toBe(4);
      // ... fewer: the brand's figure (the actuals that count) bounds them.
      expect(agreedContactsHandled(facts(model, [report(0, 'VENDOR', 1, 100), report(0, 'BRAND', 1, 30)]))).toBe(30);
    }
    // Under NETWORK_DELIVERED the vendor's report is the actuals.
    expect(agreedContactsHandled(facts('NETWORK_DELIVERED', [report(0, 'VENDOR', 1, 100), report(0, 'BRAND', 1, 30)]))).toBe(100);
  });

  it('counts nothing for an interval only the brand reported', () => {
    const row = facts('ENTERPRISE_ROUTED', [report(0, 'BRAND', 1, 120), report(1, 'VENDOR', 1, 7), report(1, 'BRAND', 1, 9)]);
    expect(contactsHandled(row)).toBe(129);
    expect(agreedContactsHandled(row)).toBe(7);
  });

  it('caps each report at what its staffing could handle, with an AHT of at least 120 s', () => {
    // A 1 s AHT counts as 120 s: 1 staffed seat-hour handles at most 120 contacts.
    expect(agreedContactsHandled(facts('NETWORK_DELIVERED', [report(0, 'VENDOR', 1, 14_400)], 1))).toBe(120);
    expect(agreedContactsHandled(facts('ENTERPRISE_ROUTED', [report(0, 'VENDOR', 0.5, 500), report(0, 'BRAND', 2, 500)]))).toBe(60);
  });

  it('is never more than the contacts handled, nor than the vendor reported, whatever the reports', () => {
    const reportArb = fc.record({
      interval: fc.integer({ min: 0, max: 1 }),
      source: fc.constantFrom<ReportRow['source']>('VENDOR', 'BRAND'),
      seatHours: fc.integer({ min: 0, max: 20 }),
      contacts: fc.integer({ min: 0, max: 5_000 }),
    });
    fc.assert(
      fc.property(fc.constantFrom('ENTERPRISE_ROUTED', 'VIRTUALIZED', 'NETWORK_DELIVERED'), fc.array(reportArb, { maxLength: 4 }), (model, rs) => {
        const unique = [...new Map(rs.map((r) => [`${r.interval}|${r.source}`, r])).values()];
        const row = facts(
          model,
          unique.map((r) => report(r.interval, r.source, r.seatHours, r.contacts)),
        );
        const agreed = agreedContactsHandled(row);
        expect(agreed).toBeLessThanOrEqual(contactsHandled(row));
        expect(agreed).toBeLessThanOrEqual(unique.filter((r) => r.source === 'VENDOR').reduce((a, r) => a + r.contacts, 0));
        // Whatever the brand reports, the bound is never more than the vendor's reports alone give.
        const vendorOnly = facts(
          model,
          unique.filter((r) => r.source === 'VENDOR').map((r) => report(r.interval, r.source, r.seatHours, r.contacts)),
        );
        expect(agreed).toBeLessThanOrEqual(agreedContactsHandled(vendorOnly));
      }),
    );
  });
});
