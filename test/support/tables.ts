import type { MikroORM } from '../../src/persistence/orm.js';

/** Every table the tests write, children first (truncated together in one statement anyway). */
export const TABLES = [
  'console_sign_in_link',
  'console_session',
  'webhook_delivery',
  'webhook_endpoint',
  'domain_event',
  'ingest_nonce',
  'ingest_secret',
  'vendor_score_history',
  'vendor_score',
  'scoring_run',
  'brand_vendor_audit',
  'vendor_audit',
  'contract_rating_tally',
  'quality_observation',
  'quality_event',
  'ledger_entry',
  'ledger_transaction',
  'settlement',
  'invoice_line',
  'invoice',
  'ledger_account',
  'invoice_number_counter',
  'delivery_report',
  'audit_record',
  'contract',
  'bid_outcome',
  'award',
  'clearing_failure',
  'clearing_result',
  'state_transition',
  'bid',
  'demand_spike',
  'api_key',
  'organization',
  'sandbox',
];

/**
 * Empties the tables in one transaction, so a quality job of the previous test that is still
 * running cannot write a scoring run between the truncate and the policy delete; the deadlock
 * such a job (or the outbox relay) can cause is retried.
 */
export async function truncateAll(orm: MikroORM): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await orm.em.fork().transactional(async (em) => {
        await em.execute(`truncate ${TABLES.map((t) => `"${t}"`).join(', ')} cascade`);
        // Version 1 is the migration's default policy; tests may add versions.
        await em.execute('delete from scoring_policy where version > 1');
      });
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || (code !== '40P01' && code !== '23503')) throw error;
    }
  }
}

/** Row counts of every table, to prove that a refused request wrote nothing. */
export async function rowCounts(orm: MikroORM): Promise<Record<string, number>> {
  const rows = await orm.em
    .getConnection()
    .execute<{ t: string; n: string }[]>(TABLES.map((t) => `select '${t}' as t, count(*)::text as n from "${t}"`).join(' union all '));
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}
