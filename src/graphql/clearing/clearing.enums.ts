import { registerEnumType } from 'type-graphql';
import type { BidReason } from '../../domain/clearing/solver-types.js';

/** Why a bid won, won in part, lost or was not considered: the reasons of docs/clearing.md ("Reasons"). */
export enum BidOutcomeReason {
  WON = 'WON',
  PARTIAL_SHARE_CAP = 'PARTIAL_SHARE_CAP',
  PARTIAL_MIN_SEATS = 'PARTIAL_MIN_SEATS',
  PARTIAL_DEMAND = 'PARTIAL_DEMAND',
  LOST_NOTHING_OFFERED = 'LOST_NOTHING_OFFERED',
  LOST_NO_DEMAND = 'LOST_NO_DEMAND',
  LOST_MIN_SEATS_NOT_REACHED = 'LOST_MIN_SEATS_NOT_REACHED',
  LOST_MIN_TOTAL_NOT_REACHED = 'LOST_MIN_TOTAL_NOT_REACHED',
  LOST_TO_LOWER_ADJUSTED_RATE = 'LOST_TO_LOWER_ADJUSTED_RATE',
  LOST_TIE_BREAK = 'LOST_TIE_BREAK',
  LOST_TO_COVERAGE = 'LOST_TO_COVERAGE',
  LOST_SHARE_CAP = 'LOST_SHARE_CAP',
  INELIGIBLE = 'INELIGIBLE',
}
/** Every solver reason is a value of the enum (a compile error here when the solver gains one). */
export const BID_REASONS: Record<BidReason | 'INELIGIBLE', BidOutcomeReason> = BidOutcomeReason;
registerEnumType(BidOutcomeReason, {
  name: 'BidOutcomeReason',
  description: 'Why clearing treated a bid as it did; the first rule that applies (docs/clearing.md, "Reasons").',
  valuesConfig: {
    WON: { description: 'Every offered seat was awarded (status WON).' },
    PARTIAL_SHARE_CAP: { description: 'In some interval the vendor’s share cap (below demand) was used up (status PARTIAL).' },
    PARTIAL_MIN_SEATS: {
      description:
        'In some interval the bid got nothing because the room left was below its minimum seats, its offer was below its own minimum, or a dearer bid took seats its minimum needed (status PARTIAL).',
    },
    PARTIAL_DEMAND: { description: 'Demand was filled by bids ranked ahead or needed for coverage, or an interval required no seats (status PARTIAL).' },
    LOST_NOTHING_OFFERED: { description: 'The bid offered no seats (status LOST).' },
    LOST_NO_DEMAND: { description: 'Every interval it offered requires no seats (status LOST).' },
    LOST_MIN_SEATS_NOT_REACHED: { description: 'It could not get its minimum seats in any interval (status LOST).' },
    LOST_MIN_TOTAL_NOT_REACHED: { description: 'Its minimum total seat-hours were out of reach (status LOST).' },
    LOST_TO_LOWER_ADJUSTED_RATE: { description: 'Where demand was filled, every winner had a strictly lower value-adjusted rate (status LOST).' },
    LOST_TIE_BREAK: { description: 'Winners had lower or equal adjusted rates and an equal-rate winner ranked ahead (status LOST).' },
    LOST_TO_COVERAGE: { description: 'A dearer bid won because the winners together cover more seat-hours (status LOST).' },
    LOST_SHARE_CAP: { description: 'Its vendor’s share cap left no room in any interval it offered (status LOST).' },
    INELIGIBLE: { description: 'The vendor failed an eligibility rule at clearing time; `reasonDetail` names the rules (status LOST).' },
  },
});

/** The solver status a stored clearing has: only a proven optimum is ever stored. */
export enum ClearingStatus {
  OPTIMAL = 'OPTIMAL',
}
registerEnumType(ClearingStatus, {
  name: 'ClearingStatus',
  description: 'Solver status of a clearing. Only OPTIMAL exists: anything else is a clearing failure, never a partial award.',
  valuesConfig: { OPTIMAL: { description: 'The awards are a proven optimum of the clearing objectives.' } },
});
