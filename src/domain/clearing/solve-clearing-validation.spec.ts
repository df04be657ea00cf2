import { describe, expect, it } from 'vitest';
import { aBid, aSpike } from '../../../test/support/clearing/builders.js';
import { solveClearing, ClearingError, type ClearingBid, type ClearingInput } from './solve-clearing.js';

describe('solveClearing input validation', () => {
  const valid = aSpike([2, 2], [aBid('a', 'va', 10, { 0: 1, 1: 1 }), aBid('b', 'vb', 10, { 0: 1 })]);
  const withBid = (patch: Partial<ClearingBid>): ClearingInput => ({
    ...valid,
    bids: [{ ...(valid.bids[0] as ClearingBid), ...patch }, ...valid.bids.slice(1)],
  });
  const cases: [string, ClearingInput, string][] = [
    ['non-integer offered seats', withBid({ offered: [{ index: 0, seats: 1.5 }] }), 'bids[0].offered[0].seats'],
    ['negative offered seats', withBid({ offered: [{ index: 0, seats: -1 }] }), 'bids[0].offered[0].seats'],
    [
      'non-integer required seats',
      {
        ...valid,
        intervals: [
          { index: 0, requiredSeats: 2.5 },
          { index: 1, requiredSeats: 2 },
        ],
      },
      'intervals[0].requiredSeats',
    ],
    ['a rate of zero', withBid({ rateMinor: 0n }), 'bids[0].rateMinor'],
    ['a negative rate', withBid({ rateMinor: -5n }), 'bids[0].rateMinor'],
    ['an unknown interval', withBid({ offered: [{ index: 7, seats: 1 }] }), 'bids[0].offered[0].index'],
    [
      'an interval offered twice',
      withBid({
        offered: [
          { index: 0, seats: 1 },
          { index: 0, seats: 1 },
        ],
      }),
      'bids[0].offered[1].index',
    ],
    ['duplicate bidIds', withBid({ bidId: 'b' }), 'bids[1].bidId'],
    ['a missing score', { ...valid, scores: new Map([['va', 50]]) }, 'bids[1].vendorId'],
    [
      'a score above 100',
      {
        ...valid,
        scores: new Map([
          ['va', 101],
          ['vb', 1],
        ]),
      },
      'scores[va]',
    ],
    ['an interval length of 2 hours', { ...valid, intervalHours: 2 }, 'intervalHours'],
    ['a share cap of 0', { ...valid, maxVendorShare: 0 }, 'maxVendorShare'],
    ['a quality weight above 1', { ...valid, qualityWeight: 1.5 }, 'qualityWeight'],
    ['a negative minimum total', withBid({ minTotalSeatHours: -1 }), 'bids[0].minTotalSeatHours'],
    ['a fractional minimum seats', withBid({ minSeatsPerInterval: 1.5 }), 'bids[0].minSeatsPerInterval'],
    ['an invalid date', withBid({ submittedAt: new Date(Number.NaN) }), 'bids[0].submittedAt'],
  ];
  it.each(cases)('rejects %s as INVALID_INPUT', async (_name, input, field) => {
    const error = await solveClearing(input).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClearingError);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field });
  });

  it('accepts the valid baseline', async () => {
    await expect(solveClearing(valid)).resolves.toMatchObject({ status: 'OPTIMAL' });
  });
});
