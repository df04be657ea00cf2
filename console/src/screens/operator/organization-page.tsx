import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import type { Role } from '../../gql/graphql';
import { firstError } from '../../lib/errors';
import { formatDateTime, localZone } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { errorFor, FormError, SelectField, TextField, type UserErrorLike } from '../../components/form';
import { QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';

const OrganizationKeys = graphql(`
  query OrganizationKeys($id: UUID!) {
    organization(id: $id) {
      id
      name
      kind
      vendorType
      status
      skills
      certifications
    }
    apiKeys(organizationId: $id, first: 100) {
      pageInfo {
        hasNextPage
      }
      nodes {
        id
        prefix
        label
        role
        createdAt
        revokedAt
      }
    }
  }
`);

const IssueKey = graphql(`
  mutation IssueKey($input: IssueApiKeyInput!) {
    issueApiKey(input: $input) {
      __typename
      ... on IssuedApiKey {
        secret
        apiKey {
          id
          prefix
        }
      }
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

const RevokeKey = graphql(`
  mutation RevokeKey($id: UUID!) {
    revokeApiKey(apiKeyId: $id) {
      id
      revokedAt
    }
  }
`);

const ROLES_BY_KIND: Record<string, Role[]> = {
  OPERATOR: ['OPERATOR', 'FINANCE'],
  BRAND: ['BRAND', 'FINANCE'],
  VENDOR: ['VENDOR', 'FINANCE'],
  AUDITOR: ['AUDITOR'],
};

/** One organisation's profile and API keys: issue one (its secret shown once) and revoke. */
export function OrganizationPage({ id }: { id: string }) {
  const [result, refetch] = useQuery({ query: OrganizationKeys, variables: { id }, requestPolicy: 'cache-and-network' });
  const [issuing, issue] = useMutation(IssueKey);
  const [, revoke] = useMutation(RevokeKey);
  const [role, setRole] = useState<Role | ''>('');
  const [label, setLabel] = useState('');
  const [secret, setSecret] = useState<{ secret: string; prefix: string } | null>(null);
  const [error, setError] = useState<UserErrorLike | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  useTitle(result.data?.organization.name ?? 'Organisation');
  const zone = localZone();

  return (
    <QueryState result={result} retry={() => refetch({ requestPolicy: 'network-only' })} what="Loading the organisation">
      {(d) => {
        const o = d.organization;
        const roles = ROLES_BY_KIND[o.kind] ?? [];
        const submit = async (e: FormEvent) => {
          e.preventDefault();
          setError(null);
          setSecret(null);
          setCopied(false);
          const r = await issue({ input: { organizationId: o.id, role: (role || roles[0]) as Role, label } });
          const answer = r.data?.issueApiKey;
          if (!answer) return setError(firstError(r.error));
          if (answer.__typename !== 'IssuedApiKey') return setError(answer as UserErrorLike);
          setSecret({ secret: answer.secret, prefix: answer.apiKey.prefix });
          setLabel('');
          refetch({ requestPolicy: 'network-only' });
        };
        return (
          <section>
            <PageHeader
              title={o.name}
              sub={
                <>
                  {o.kind.toLowerCase()} · <Status value={o.status} />
                </>
              }
            />
            {secret && (
              <div className="secret" role="alert">
                <h2>New key {secret.prefix}: copy it now</h2>
                <p>This is the only time the key is shown. Store it in the client’s secret store; the marketplace keeps only its hash.</p>
                <p>
                  <code className="secret-value" aria-label="The new API key">
                    {secret.secret}
                  </code>
                </p>
                <button
                  type="button"
                  className="secondary"
                  onClick={() =>
                    void navigator.clipboard
                      ?.writeText(secret.secret)
                      .then(() => setCopied(true))
                      .catch(() => setCopied(false))
                  }
                >
                  {copied ? 'Copied' : 'Copy key'}
                </button>{' '}
                <button type="button" className="secondary" onClick={() => setSecret(null)}>
                  I have stored it
                </button>
              </div>
            )}
            <h2>API keys</h2>
            {d.apiKeys.nodes.length === 0 ? (
              <p className="state empty">No keys yet.</p>
            ) : (
              <div className="table-wrap" tabIndex={0}>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Prefix</th>
                      <th scope="col">Label</th>
                      <th scope="col">Role</th>
                      <th scope="col">Created ({zone})</th>
                      <th scope="col">State</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.apiKeys.nodes.map((k) => (
                      <tr key={k.id} data-key={k.prefix}>
                        <th scope="row">
                          <code>{k.prefix}</code>
                        </th>
                        <td>{k.label}</td>
                        <td>{k.role.toLowerCase()}</td>
                        <td>{formatDateTime(k.createdAt, zone, { zone: false })}</td>
                        <td>
                          {k.revokedAt ? (
                            `revoked ${formatDateTime(k.revokedAt, zone, { zone: false })}`
                          ) : confirm === k.id ? (
                            <>
                              <button
                                type="button"
                                className="danger"
                                autoFocus
                                onClick={async () => {
                                  setConfirm(null);
                                  const r = await revoke({ id: k.id });
                                  if (r.error) setError(firstError(r.error));
                                  refetch({ requestPolicy: 'network-only' });
                                }}
                              >
                                Yes, revoke {k.prefix}
                              </button>{' '}
                              <button type="button" className="secondary" onClick={() => setConfirm(null)}>
                                Keep
                              </button>
                            </>
                          ) : (
                            <button type="button" className="secondary" onClick={() => setConfirm(k.id)} aria-label={`Revoke key ${k.prefix}`}>
                              Revoke
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <form onSubmit={submit} noValidate className="panel">
              <h2>Issue a key</h2>
              <div className="row">
                <SelectField
                  label="Role"
                  value={role || roles[0] || ''}
                  onChange={(e) => setRole(e.target.value as Role)}
                  options={roles}
                  error={errorFor(error, 'role', 'input.role')}
                />
                <TextField
                  label="Label"
                  hint="Who or what uses it, e.g. WFM system"
                  value={label}
                  onChange={(e) => setLabel(e.target.value)}
                  error={errorFor(error, 'input.label', 'label')}
                />
              </div>
              <FormError error={error && !errorFor(error, 'role', 'input.role', 'input.label', 'label') ? error.message : null} />
              <button type="submit" disabled={issuing.fetching}>
                Issue key
              </button>
            </form>
          </section>
        );
      }}
    </QueryState>
  );
}
