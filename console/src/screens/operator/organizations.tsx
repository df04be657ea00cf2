import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import type { OrganizationKind, VendorType } from '../../gql/graphql';
import { firstError } from '../../lib/errors';
import { Link, useTitle } from '../../lib/router';
import { errorFor, FormError, SelectField, TextField, type UserErrorLike } from '../../components/form';
import { QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';

const OrganizationsQuery = graphql(`
  query Organizations($kind: OrganizationKind, $first: Int!) {
    organizations(kind: $kind, first: $first) {
      nodes {
        id
        name
        kind
        vendorType
        status
        skills
        certifications
      }
      pageInfo {
        hasNextPage
      }
    }
  }
`);

const CreateOrganization = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      __typename
      ... on Organization {
        id
      }
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

const tags = (t: string) =>
  t
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** Every organisation, and onboarding a new one. */
export function Organizations() {
  useTitle('Organisations');
  const [kind, setKind] = useState<OrganizationKind | ''>('');
  const [result, refetch] = useQuery({ query: OrganizationsQuery, variables: { kind: kind || null, first: 100 }, requestPolicy: 'cache-and-network' });
  const [form, setForm] = useState({
    name: '',
    kind: 'VENDOR' as OrganizationKind,
    vendorType: 'OUTSOURCER' as VendorType,
    parentBrandId: '',
    skills: '',
    certifications: '',
  });
  const [error, setError] = useState<UserErrorLike | null>(null);
  const [creating, create] = useMutation(CreateOrganization);
  const brands = (result.data?.organizations.nodes ?? []).filter((o) => o.kind === 'BRAND');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const vendor = form.kind === 'VENDOR';
    const r = await create({
      input: {
        name: form.name,
        kind: form.kind,
        ...(vendor ? { vendorType: form.vendorType, skills: tags(form.skills), certifications: tags(form.certifications) } : {}),
        ...(vendor && form.vendorType === 'IN_HOUSE' ? { parentBrandId: form.parentBrandId || null } : {}),
      },
    });
    const answer = r.data?.createOrganization;
    if (!answer) return setError(firstError(r.error));
    if (answer.__typename !== 'Organization') return setError(answer as UserErrorLike);
    setForm((f) => ({ ...f, name: '', skills: '', certifications: '' }));
    refetch({ requestPolicy: 'network-only' });
  };

  return (
    <section>
      <PageHeader title="Organisations" sub="Brands, vendors and auditors in the marketplace. Open one to manage its API keys." />
      <div className="filters">
        <SelectField
          label="Kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as OrganizationKind | '')}
          options={[['', 'All kinds'], 'BRAND', 'VENDOR', 'AUDITOR', 'OPERATOR']}
        />
      </div>
      <QueryState
        result={result}
        retry={() => refetch({ requestPolicy: 'network-only' })}
        isEmpty={(d) => d.organizations.nodes.length === 0}
        empty="No organisations of this kind."
      >
        {(d) => (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Status</th>
                  <th scope="col">Skills and certifications</th>
                </tr>
              </thead>
              <tbody>
                {d.organizations.nodes.map((o) => (
                  <tr key={o.id}>
                    <th scope="row">
                      <Link to={`/organizations/${o.id}`}>{o.name}</Link>
                    </th>
                    <td>
                      {o.kind.toLowerCase()}
                      {o.vendorType ? ` (${o.vendorType.replace('_', '-').toLowerCase()})` : ''}
                    </td>
                    <td>
                      <Status value={o.status} />
                    </td>
                    <td>{[...o.skills, ...o.certifications].join(', ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      <form onSubmit={submit} noValidate className="panel">
        <h2>Onboard an organisation</h2>
        <div className="row">
          <TextField label="Name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} error={errorFor(error, 'input.name')} />
          <SelectField
            label="Kind"
            value={form.kind}
            onChange={(e) => setForm({ ...form, kind: e.target.value as OrganizationKind })}
            options={['BRAND', 'VENDOR', 'AUDITOR']}
            error={errorFor(error, 'input.kind')}
          />
        </div>
        {form.kind === 'VENDOR' && (
          <>
            <div className="row">
              <SelectField
                label="Vendor type"
                value={form.vendorType}
                onChange={(e) => setForm({ ...form, vendorType: e.target.value as VendorType })}
                options={['OUTSOURCER', 'IN_HOUSE']}
                error={errorFor(error, 'input.vendorType')}
              />
              {form.vendorType === 'IN_HOUSE' && (
                <SelectField
                  label="Brand it belongs to"
                  value={form.parentBrandId}
                  onChange={(e) => setForm({ ...form, parentBrandId: e.target.value })}
                  options={[['', 'Choose a brand'], ...brands.map((b) => [b.id, b.name] as [string, string])]}
                  error={errorFor(error, 'input.parentBrandId')}
                />
              )}
            </div>
            <div className="row">
              <TextField
                label="Skills"
                hint="Comma separated tags"
                value={form.skills}
                onChange={(e) => setForm({ ...form, skills: e.target.value })}
                error={errorFor(error, 'input.skills')}
              />
              <TextField
                label="Certifications"
                hint="e.g. PCI_DSS"
                value={form.certifications}
                onChange={(e) => setForm({ ...form, certifications: e.target.value })}
                error={errorFor(error, 'input.certifications')}
              />
            </div>
          </>
        )}
        <FormError error={error && !error.field?.startsWith('input.') ? error.message : null} />
        <button type="submit" disabled={creating.fetching}>
          Create organisation
        </button>
      </form>
    </section>
  );
}
