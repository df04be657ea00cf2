import type { StoredInterval } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import { fail, type Result } from '../shared/result.js';
import type { Channel } from './erlang-c.js';
import { deriveIntervalSeats, overPreciseTerm, type IntervalInput } from './spike-terms.js';

export interface PreviewStaffingCommand {
  channel: Channel;
  timeZone: string;
  intervalMinutes: number;
  intervals: IntervalInput[];
  serviceLevelTarget: number;
  serviceLevelSeconds: number;
  maxOccupancy?: number | null;
  shrinkage?: number | null;
  chatConcurrency?: number | null;
}

/**
 * The seats and service level each interval of a would-be spike needs, derived exactly as
 * `postDemandSpike` derives them (Erlang C, shrinkage, the same interval rules and defaults), so
 * a planner sees what posting would store. Pure: reads and writes nothing (BRAND keys and the
 * operator).
 */
export function previewStaffing(actor: Principal | null, cmd: PreviewStaffingCommand): Result<StoredInterval[]> {
  requireRole(actor, 'BRAND', 'OPERATOR');
  const overPrecise = overPreciseTerm(cmd);
  if (overPrecise) return overPrecise;
  const chatConcurrency = cmd.chatConcurrency ?? 1;
  if (chatConcurrency !== 1 && cmd.channel !== 'CHAT') return fail('VALIDATION', 'chatConcurrency applies to CHAT spikes only', 'input.chatConcurrency');
  return deriveIntervalSeats({ ...cmd, maxOccupancy: cmd.maxOccupancy ?? 0.85, shrinkage: cmd.shrinkage ?? 0, chatConcurrency }, null);
}
