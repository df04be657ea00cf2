import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ACTIVE_ENDPOINTS } from '../src/domain/webhooks/endpoints.js';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { aSandbox, type SandboxWorld } from './support/sandbox.js';

/**
 * Review of issue 16: an organisation holds at most 20 active webhook endpoints, which bounds
 * the deliveries one of its events makes to URLs it chose. A sandbox has six organisations, so
 * a creator's five sandboxes held 600, each event fanned out to up to 120 URLs per sandbox. A
 * sandbox now holds at most 20 over all its organisations, in the use case and in PostgreSQL.
 */
let h: Harness;
let m: Market;
let s: SandboxWorld;
const register = (organizationId: string, n: number) =>
  gql(h.url, op.REGISTER_WEBHOOK, { input: { organizationId, url: `http://127.0.0.1:9/hook-${n}`, eventTypes: ['CONTRACT_SETTLED'] } }, s.operator.key);

beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => h?.close());
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  s = await aSandbox(h.url, m.brand.key);
});

const parties = () => [s.brand, s.inHouse, ...s.outsourcers, s.operator].map((p) => p.id);

describe('a sandbox’s webhook endpoints are counted together', () => {
  it('endpoints spread over its organisations stop at 20; the next is a ValidationError on input.url and writes nothing', async () => {
    const orgs = parties();
    for (let i = 0; i < MAX_ACTIVE_ENDPOINTS; i++) {
      const r = ok(await register(orgs[i % orgs.length]!, i)).registerWebhookEndpoint;
      expect(r.__typename).toBe('RegisteredWebhookEndpoint');
    }
    const before = await rowCounts(h.orm);
    const refused = ok(await register(orgs[0]!, 99)).registerWebhookEndpoint;
    expect(refused).toMatchObject({ __typename: 'ValidationError', field: 'input.url' });
    expect(ok(await register(orgs[3]!, 98)).registerWebhookEndpoint.__typename).toBe('ValidationError');
    expect(await rowCounts(h.orm)).toEqual(before);
    // A live organisation keeps its own 20.
    const live = ok(
      await gql(h.url, op.REGISTER_WEBHOOK, { input: { url: 'http://127.0.0.1:9/live', eventTypes: ['CONTRACT_SETTLED'] } }, m.brand.key),
    ).registerWebhookEndpoint;
    expect(live.__typename).toBe('RegisteredWebhookEndpoint');
  });

  it('concurrent registrations over its organisations, and rows written in SQL, never pass 20 (PostgreSQL holds it)', async () => {
    const orgs = parties();
    await Promise.all(Array.from({ length: 30 }, (_, i) => register(orgs[i % orgs.length]!, i)));
    const count = async () =>
      Number(
        (
          await h.orm.em
            .getConnection()
            .execute<{ n: string }[]>(
              `select count(*)::text as n from webhook_endpoint e join organization o on o.id = e.organization_id where o.sandbox_id = ? and e.status = 'ACTIVE'`,
              [s.id],
            )
        )[0]!.n,
      );
    expect(await count()).toBe(MAX_ACTIVE_ENDPOINTS);
    const insert = h.orm.em.getConnection().execute(
      `insert into webhook_endpoint (id, organization_id, url, event_types, secret_ciphertext, secret_hint, status, created_at)
         values (gen_random_uuid(), ?, 'http://127.0.0.1:9/sql', '{CONTRACT_SETTLED}', 'x', 'whsec_x', 'ACTIVE', now())`,
      [s.outsourcers[2].id],
    );
    await expect(insert).rejects.toThrow(/webhook_endpoint_active_limit|active webhook endpoints/);
    expect(await count()).toBe(MAX_ACTIVE_ENDPOINTS);
  });
});
