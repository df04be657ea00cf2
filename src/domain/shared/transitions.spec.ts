import { describe, expect, it } from 'vitest';
import { transitionInsertSql, transitionRow } from './transitions.js';

const at = new Date('2026-12-07T10:00:00Z');
const actor = { organizationId: '01900000-0000-7000-8000-0000000000a1', apiKeyId: '01900000-0000-7000-8000-0000000000b1' };
const placeholders = (sql: string) => sql.split('?').length - 1;

describe('a state transition', () => {
  it('is one row, with its time and actor, whichever way it is written', () => {
    const row = transitionRow('Bid', '01900000-0000-7000-8000-0000000000c1', null, 'ACTIVE', actor, at);
    expect(row).toMatchObject({
      entityType: 'Bid',
      fromStatus: null,
      toStatus: 'ACTIVE',
      actorOrganizationId: actor.organizationId,
      actorApiKeyId: actor.apiKeyId,
      at,
    });
    // The system acts without a principal; a key nobody issued (an empty id) is no key.
    expect(transitionRow('Contract', row.entityId, 'ACTIVE', 'SETTLED', null, at)).toMatchObject({ actorOrganizationId: null, actorApiKeyId: null });
    expect(transitionRow('Bid', row.entityId, null, 'ACTIVE', { ...actor, apiKeyId: '' }, at).actorApiKeyId).toBeNull();
  });

  it('as SQL, binds every column of the row, or takes the entity id from the statement that writes the entity', () => {
    const row = transitionRow('Bid', '01900000-0000-7000-8000-0000000000c1', null, 'ACTIVE', actor, at);
    const alone = transitionInsertSql(row);
    expect(placeholders(alone.sql)).toBe(alone.params.length);
    expect(alone.params).toEqual([row.id, 'Bid', row.entityId, null, 'ACTIVE', actor.organizationId, actor.apiKeyId, at]);
    const withInsert = transitionInsertSql(row, { entityIdSql: 'ins.id', source: 'ins' });
    expect(withInsert.sql).toMatch(/select .*ins\.id.* from ins$/);
    expect(placeholders(withInsert.sql)).toBe(withInsert.params.length);
    expect(withInsert.params).toEqual([row.id, 'Bid', null, 'ACTIVE', actor.organizationId, actor.apiKeyId, at]);
  });
});
