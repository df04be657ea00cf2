import type { Clock } from '../../src/domain/shared/clock.js';

const HALF_HOUR = 30 * 60_000;

/**
 * Staffing terms for previewStaffing: the classic worked example (100 chats in 30 minutes, AHT
 * 180 s, 80% in 20 s, 30% shrinkage: 14 agents, 20 seats), one interval of no traffic and one of
 * seats, starting on the first half hour a day after `clock`.
 */
export function aStaffingInput(clock: Clock, overrides: Record<string, unknown> = {}): Record<string, any> {
  const start = Math.ceil((clock.now().getTime() + 24 * 3_600_000) / HALF_HOUR) * HALF_HOUR;
  const at = (i: number) => new Date(start + i * HALF_HOUR).toISOString();
  return {
    channel: 'VOICE',
    timeZone: 'Europe/London',
    intervalMinutes: 30,
    serviceLevelTarget: 0.8,
    serviceLevelSeconds: 20,
    shrinkage: 0.3,
    intervals: [
      { startsAt: at(0), forecastContacts: 100, ahtSeconds: 180 },
      { startsAt: at(1), forecastContacts: 0, ahtSeconds: 180 },
      { startsAt: at(2), seats: 7 },
    ],
    ...overrides,
  };
}
