import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { pino } from 'pino';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { cookieGql, linkToken, signIn, signOut } from './support/console-client.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { cleanConsoleSessions } from '../src/domain/access/clean-console-sessions.js';
import { maintenanceProcessor } from '../workers/maintenance.processor.js';
import { CLEAN_CONSOLE_SESSIONS, type MaintenanceJobData } from '../workers/queues.js';

/**
 * The periodic cleanup of the console's dead rows (issue 14): expired and signed-out sessions and
 * used or expired sign-in links are deleted; live sessions and unused links stay and keep working.
 * It runs twice harmlessly, finishes after a crash half-way, and runs from the maintenance queue.
 */
const LINK = 'mutation { createConsoleSignInLink { path expiresAt } }';

let h: Harness;
let base: string;
let m: Market;
beforeAll(async () => {
  h = await startHarness({ workers: true });
  base = h.url.replace(/\/graphql$/, '');
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});
afterAll(async () => h?.close());

const counts = async () => {
  const [r] = await h.orm.em
    .fork()
    .execute<{ sessions: string; links: string }[]>(
      'select (select count(*) from console_session) as sessions, (select count(*) from console_sign_in_link) as links',
    );
  return { sessions: Number(r!.sessions), links: Number(r!.links) };
};
const newLink = async (key: string) => linkToken(ok(await gql(h.url, LINK, {}, key)).createConsoleSignInLink.path);

/** Two dead sessions (signed out; expired), one live; two dead links (used; expired), one unused. Returns the live ones. */
async function aMixOfRows() {
  const expiring = await signIn(base, { apiKey: m.vendorA.key });
  const expiredLink = await newLink(m.vendorA.key);
  h.clock.advance(7 * 3_600_000); // the first session has 1 h left, the first link is long expired
  await signOut(base, (await signIn(base, { apiKey: m.brand.key })).cookie!);
  const live = await signIn(base, { link: await newLink(m.brand.key) }); // a used link and a live session
  h.clock.advance(3_600_000); // the first session expires now
  const unused = await newLink(m.brand.key); // 15 minutes to go
  expect((await cookieGql(base, expiring.cookie!, op.ME)).status).toBe(401);
  expect((await signIn(base, { link: expiredLink })).status).toBe(401);
  return { live: live.cookie!, unused };
}

describe('the console cleanup', () => {
  it('deletes expired and signed-out sessions and used or expired links, and nothing else; a second run deletes nothing', async () => {
    const { live, unused } = await aMixOfRows();
    expect(await counts()).toEqual({ sessions: 3, links: 3 });

    expect(await cleanConsoleSessions(h.orm.em.fork(), h.clock)).toEqual({ sessions: 2, links: 2 });
    expect(await counts()).toEqual({ sessions: 1, links: 1 });
    expect(await cleanConsoleSessions(h.orm.em.fork(), h.clock)).toEqual({ sessions: 0, links: 0 });
    expect(await counts()).toEqual({ sessions: 1, links: 1 });

    // What is left still works.
    expect((await cookieGql(base, live, op.ME)).status).toBe(200);
    expect((await signIn(base, { link: unused })).status).toBe(200);
  });

  it('finishes after a run that stopped half-way, as a crash would', async () => {
    await aMixOfRows();
    // One batch of one row, then the run stops: the rest is left for the next run.
    expect(await cleanConsoleSessions(h.orm.em.fork(), h.clock, { batch: 1, maxBatches: 1 })).toEqual({ sessions: 1, links: 0 });
    expect(await counts()).toEqual({ sessions: 2, links: 3 });
    expect(await cleanConsoleSessions(h.orm.em.fork(), h.clock, { batch: 1 })).toEqual({ sessions: 1, links: 2 });
    expect(await counts()).toEqual({ sessions: 1, links: 1 });
  });

  it('runs as the maintenance queue’s scheduled job, twice harmlessly', async () => {
    await aMixOfRows();
    await h.queues!.maintenance.add(CLEAN_CONSOLE_SESSIONS, {}, { jobId: 'cleanup-test-1' });
    await eventually(async () => ((await counts()).sessions === 1 ? true : null));
    expect(await counts()).toEqual({ sessions: 1, links: 1 });
    const again = await maintenanceProcessor({ orm: h.orm, clock: h.clock, logger: pino({ level: 'silent' }) })({
      name: CLEAN_CONSOLE_SESSIONS,
      data: {},
    } as Job<MaintenanceJobData>);
    expect(again).toEqual({ sessions: 0, links: 0 });
    expect(await counts()).toEqual({ sessions: 1, links: 1 });
  });
});
