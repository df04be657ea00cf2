import type { PubSub } from 'type-graphql';

/**
 * type-graphql insists on a PubSub when a schema has subscriptions, but ours subscribe through
 * the request context instead (`subscribe:` in realtime.resolver.ts): the schema is built once
 * per process, while each API server owns its Redis event subscriber. This one is never used;
 * if a topic-based subscription is ever added, it fails loudly instead of silently hearing nothing.
 */
export const refusingPubSub: PubSub = {
  publish() {
    throw new Error('Publish domain events through the outbox (domain/events/outbox.ts), not the schema PubSub');
  },
  subscribe() {
    throw new Error('Subscriptions subscribe through Context.events; see realtime.resolver.ts');
  },
};
