import type { Bid } from '../../persistence/entities/bidding.js';
import type { ClearedInterval } from '../../persistence/entities/clearing.js';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import { serviceLevelForSeats } from '../demand/erlang-c.js';
import type { ClearingResult } from './solve-clearing.js';

/** What clearing gives each interval: required, awarded and unfilled seats, the bid to beat, and the service level at the award. */
export function clearedIntervals(spike: DemandSpike, result: ClearingResult): ClearedInterval[] {
  return spike.intervals.map((i) => {
    const awardedSeats = result.awards.filter((a) => a.index === i.index).reduce((s, a) => s + a.seats, 0);
    const forecast = i.forecastContacts !== null && i.ahtSeconds !== null;
    return {
      index: i.index,
      startsAt: i.startsAt,
      requiredSeats: i.requiredSeats,
      awardedSeats,
      unfilledSeats: i.requiredSeats - awardedSeats,
      highestWinningAdjustedRate: result.bidToBeat.find((t) => t.index === i.index)?.highestWinningAdjustedRate ?? null,
      serviceLevelAtAwarded: forecast
        ? serviceLevelForSeats(
            {
              channel: spike.channel,
              contacts: i.forecastContacts!,
              ahtSeconds: i.ahtSeconds!,
              intervalSeconds: spike.intervalMinutes * 60,
              serviceLevelTarget: spike.serviceLevelTarget,
              serviceLevelSeconds: spike.serviceLevelSeconds,
              maxOccupancy: spike.maxOccupancy,
              shrinkage: spike.shrinkage,
              chatConcurrency: spike.chatConcurrency,
            },
            awardedSeats,
          )
        : null,
      serviceLevelAtRequired: i.serviceLevelAtRequired,
    };
  });
}

/** The audit document: inputs as they stood, scores, rules, solver outcome, awards and reasons. */
export function auditDocument(
  spike: DemandSpike,
  bids: Bid[],
  ineligible: Map<string, string>,
  scores: Map<string, number>,
  result: ClearingResult,
  cleared: ClearedInterval[],
  clearedAt: Date,
): Record<string, unknown> {
  return {
    // Version 2 added the forecast and service-level inputs (what serviceLevelAtAwarded is computed from).
    version: 2,
    clearedAt: clearedAt.toISOString(),
    spike: {
      id: spike.id,
      brandId: spike.brandId,
      currency: spike.currency,
      reserveRateMinor: spike.reserveRateMinor.toString(),
      intervalMinutes: spike.intervalMinutes,
      maxVendorShare: spike.maxVendorShare,
      qualityWeight: spike.qualityWeight,
      minQualityScore: spike.minQualityScore,
      requiredSkills: spike.requiredSkills,
      requiredCertifications: spike.requiredCertifications,
      biddingClosesAt: spike.biddingClosesAt.toISOString(),
      channel: spike.channel,
      serviceLevel: {
        target: spike.serviceLevelTarget,
        seconds: spike.serviceLevelSeconds,
        maxOccupancy: spike.maxOccupancy,
        shrinkage: spike.shrinkage,
        chatConcurrency: spike.chatConcurrency,
      },
      intervals: spike.intervals.map((i) => ({
        index: i.index,
        startsAt: i.startsAt,
        requiredSeats: i.requiredSeats,
        forecastContacts: i.forecastContacts,
        ahtSeconds: i.ahtSeconds,
      })),
    },
    rules: {
      adjustedRate: 'a_b = rate_b / (max(s_v, 1) / 100) ^ w, in minor units per seat-hour, rounded to 0.01',
      objective: ['maximise covered seat-hours', 'minimise sum of a_b * x_bt * interval hours', 'earlier submittedAt, then vendorId, then bidId'],
      pricing: 'pay-as-bid',
    },
    bids: bids.map((b) => ({
      bidId: b.id,
      vendorId: b.vendorId,
      rateMinor: b.rateMinor.toString(),
      offered: b.offered,
      minSeatsPerInterval: b.minSeatsPerInterval,
      minTotalSeatHours: b.minTotalSeatHours,
      submittedAt: b.submittedAt.toISOString(),
      version: b.version,
      ineligible: ineligible.get(b.id) ?? null,
    })),
    scores: Object.fromEntries([...scores.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    solver: { status: result.status, solver: result.solver },
    objective: result.objective,
    awards: result.awards,
    outcomes: result.bids,
    intervals: cleared,
  };
}
