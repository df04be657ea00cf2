import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashKey } from '../src/domain/access/api-keys.js';
import { anOrganization } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { TEST_DATABASE_URL } from './support/env.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import { API_KEYS, CREATE_ORG, ISSUE_KEY, ME, UPDATE_VENDOR } from './support/operations.js';
import { itNeeding } from './support/requires.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
});

describe('organisations and API keys', () => {
  it('onboards a brand and its in-house team, and a key sees its own organisation via me', async () => {
    const brand = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND', name: 'Acme Telecom' });
    const team = ok(
      await gql(
        h.url,
        CREATE_ORG,
        { input: { name: 'Acme in-house', kind: 'VENDOR', vendorType: 'IN_HOUSE', parentBrandId: brand.id, skills: ['billing'] } },
        h.operatorKey,
      ),
    ).createOrganization;
    expect(team).toMatchObject({
      __typename: 'Organization',
      kind: 'VENDOR',
      vendorType: 'IN_HOUSE',
      parentBrandId: brand.id,
      skills: ['billing'],
      status: 'ACTIVE',
    });
    const me = ok(await gql(h.url, ME, {}, brand.key)).me;
    expect(me).toMatchObject({ role: 'BRAND', organization: { id: brand.id, name: 'Acme Telecom', kind: 'BRAND' } });
  });

  it('shows a key once and stores only its SHA-256', async () => {
    const brand = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND' });
    const issued = ok(await gql(h.url, ISSUE_KEY, { input: { organizationId: brand.id, role: 'FINANCE', label: 'ERP' } }, brand.key)).issueApiKey;
    expect(issued.secret).toMatch(/^bx_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(issued.secret).toContain(issued.apiKey.prefix);
    const rows = await h.orm.em.getConnection().execute('select * from api_key where id = ?', [issued.apiKey.id]);
    expect(rows[0]!.hash).toBe(hashKey(issued.secret));
    expect(JSON.stringify(rows)).not.toContain(issued.secret);
    const listed = ok(await gql(h.url, API_KEYS, { org: brand.id }, brand.key)).apiKeys.nodes;
    expect(JSON.stringify(listed)).not.toContain(issued.secret.slice(12));
  });

  it('lets a vendor maintain its skills but not its certifications or status', async () => {
    const vendor = await anOrganization(h.url, h.operatorKey, { kind: 'VENDOR', vendorType: 'OUTSOURCER' });
    const updated = ok(
      await gql(h.url, UPDATE_VENDOR, { input: { vendorId: vendor.id, skills: ['es-ES', 'billing', 'billing'] } }, vendor.key),
    ).updateVendorProfile;
    expect(updated.skills).toEqual(['billing', 'es-ES']);
    expect(errorCode(await gql(h.url, UPDATE_VENDOR, { input: { vendorId: vendor.id, certifications: ['PCI_DSS'] } }, vendor.key))).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, UPDATE_VENDOR, { input: { vendorId: vendor.id, status: 'ACTIVE' } }, vendor.key))).toBe('FORBIDDEN');
    const suspended = ok(
      await gql(h.url, UPDATE_VENDOR, { input: { vendorId: vendor.id, status: 'SUSPENDED', certifications: ['PCI_DSS'] } }, h.operatorKey),
    ).updateVendorProfile;
    expect(suspended).toMatchObject({ status: 'SUSPENDED', certifications: ['PCI_DSS'] });
  });

  const cli = 'bootstraps the first operator key from the CLI, and prints it once';
  itNeeding(
    import.meta.url,
    ['separate-processes'],
    cli,
  )(cli, async () => {
    await h.orm.em.getConnection().execute('truncate state_transition, bid, demand_spike, api_key, organization cascade');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/bootstrap-operator.ts'], {
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'silent' },
    });
    const key = /bx_[a-z0-9]{8}_[A-Za-z0-9_-]+/.exec(stdout)?.[0];
    expect(key).toBeDefined();
    expect(ok(await gql(h.url, ME, {}, key)).me).toMatchObject({ role: 'OPERATOR', organization: { kind: 'OPERATOR' } });
  });

  it('registers BOOTSTRAP_OPERATOR_KEY once, however often the API starts', async () => {
    const { bootstrapOperator } = await import('../src/domain/access/organizations.js');
    const preset = `bx_boot0001_${'A'.repeat(43)}`;
    expect(await bootstrapOperator(h.orm.em.fork() as never, h.clock, preset)).not.toBeNull();
    expect(await bootstrapOperator(h.orm.em.fork() as never, h.clock, preset)).toBeNull();
    expect(ok(await gql(h.url, ME, {}, preset)).me.role).toBe('OPERATOR');
    const operators = await h.orm.em.getConnection().execute(`select count(*)::int as n from organization where kind = 'OPERATOR'`);
    expect(operators[0]!.n).toBe(1);
  });
});
