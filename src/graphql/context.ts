import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../domain/access/principal.js';
import type { Clock } from '../domain/shared/clock.js';
import type { QualityScores } from '../domain/quality/quality-scores.js';
import type { Logger } from '../logger.js';
import type { SettlementPolicy } from '../domain/settlement/settle-contract.js';
import type { EventSource } from '../domain/events/watch-events.js';
import type { FanOut } from '../domain/events/fan-out.js';
import type { SecretBox } from '../domain/webhooks/secret-box.js';
import type { WebhookUrlPolicy } from '../domain/webhooks/url-policy.js';

/** Per-request context: one forked EntityManager, the caller, and the injected services. */
export interface Context {
  em: EntityManager;
  principal: Principal | null;
  clock: Clock;
  scores: QualityScores;
  requestId: string;
  logger: Logger;
  settlementPolicy: SettlementPolicy;
  /** Published domain events, for subscriptions; null where no event subscriber runs. */
  events: EventSource | null;
  /** The process's shared, bounded per-event work of subscriptions; null where no event subscriber runs. */
  fanOut: FanOut | null;
  /** Seals webhook signing secrets at rest; where webhook URLs may point. */
  webhooks: { secrets: SecretBox; urlPolicy: WebhookUrlPolicy };
  /** The caller's address, which pays the rate limit when there is no valid key (absent outside HTTP). */
  clientIp?: string;
}
