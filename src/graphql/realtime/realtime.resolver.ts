import { GraphQLError } from 'graphql';
import { Resolver, Root, Subscription } from 'type-graphql';
import { watchBidOutcomes, watchContractSettlements, watchDemandSpikesPosted, type Watched, type WatchDeps } from '../../domain/events/watch-events.js';
import type { BidOutcome } from '../../persistence/entities/clearing.js';
import type { Contract } from '../../persistence/entities/contracts.js';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import type { Context } from '../context.js';
import { BidOutcomeEventType, ContractSettledEventType, DemandSpikePostedEventType } from './realtime.types.js';

/** What every watch use case needs from the context of one subscription. */
function watchDeps(context: Context): Omit<WatchDeps, 'principal'> & { principal: Context['principal']; scores: Context['scores'] } {
  if (!context.events || !context.fanOut)
    throw new GraphQLError('Subscriptions are not available on this server', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
  return { source: context.events, principal: context.principal, fanOut: context.fanOut, scores: context.scores };
}

/**
 * Subscriptions (graphql-ws on /graphql). Each one checks the role when it starts and then
 * yields only events the caller may see, each with its resource as the matching query shows it.
 */
@Resolver()
export class RealtimeResolver {
  @Subscription(() => DemandSpikePostedEventType, {
    description: 'Spikes as they are published that you may bid on (VENDOR keys: eligible at publication; the operator: all).',
    subscribe: ({ context }) => watchDemandSpikesPosted(watchDeps(context as Context)),
  })
  demandSpikePosted(@Root() watched: Watched<'demand_spike.posted', DemandSpike>): DemandSpikePostedEventType {
    return DemandSpikePostedEventType.from(watched);
  }

  @Subscription(() => BidOutcomeEventType, {
    description: 'Outcomes of your own bids as clearing decides them (VENDOR keys). Never another vendor’s.',
    subscribe: ({ context }) => watchBidOutcomes(watchDeps(context as Context)),
  })
  bidOutcome(@Root() watched: Watched<'bid.outcome', BidOutcome>): BidOutcomeEventType {
    return BidOutcomeEventType.from(watched);
  }

  @Subscription(() => ContractSettledEventType, {
    description: 'Settlements and adjustments of contracts your organisation is party to (any key of the brand or vendor; the operator: all).',
    subscribe: ({ context }) => watchContractSettlements(watchDeps(context as Context)),
  })
  contractSettled(@Root() watched: Watched<'contract.settled', Contract>): ContractSettledEventType {
    return ContractSettledEventType.from(watched);
  }
}
