import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import type { CreateSandboxMutation } from '../../gql/graphql';
import { firstError } from '../../lib/errors';
import { formatDateTime, localZone } from '../../lib/format';
import { useTitle } from '../../lib/router';
import { errorFor, FormError, TextField, type UserErrorLike } from '../../components/form';
import { QueryState } from '../../components/states';
import { PageHeader } from '../../components/status';
import { useViewer } from '../../viewer';
import { ClockReading } from './clock';
import { CreatedSandboxKeys } from './created-sandbox';
import { CreateSandbox, DeleteSandbox, Sandboxes as SandboxesQuery } from './documents';

type Created = Extract<CreateSandboxMutation['createSandbox'], { __typename: 'CreatedSandbox' }>;

/**
 * The live organisation's sandboxes (PRODUCT.md section 13): each with its test clock and status,
 * read again while it advances; create one (its keys shown once); delete one (confirmed first).
 * The clock moves only with the sandbox's own keys, so it is advanced from a sandbox persona's
 * console (Test clock), which "Open console as" starts.
 */
export function SandboxesScreen() {
  useTitle('Sandboxes');
  const viewer = useViewer();
  const [result, refetch] = useQuery({ query: SandboxesQuery, requestPolicy: 'cache-and-network' });
  const [creating, create] = useMutation(CreateSandbox);
  const [, remove] = useMutation(DeleteSandbox);
  const [name, setName] = useState('');
  const [error, setError] = useState<UserErrorLike | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const zone = localZone();
  const reload = () => refetch({ requestPolicy: 'network-only' });

  if (viewer.organization.sandboxId) {
    return (
      <section>
        <PageHeader title="Sandboxes" />
        <p className="state empty">A sandbox organisation cannot create sandboxes. Its clock is on the Test clock page.</p>
      </section>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setCreated(null);
    const r = await create({ input: name.trim() ? { name: name.trim() } : null });
    const answer = r.data?.createSandbox;
    if (!answer) return setError(firstError(r.error));
    if (answer.__typename !== 'CreatedSandbox') return setError(answer as UserErrorLike);
    setCreated(answer);
    setName('');
    reload();
  };

  return (
    <section>
      <PageHeader title="Sandboxes" sub="Test mode: a brand, its in-house team, three outsourcers and an operator view, on a test clock" />
      {created && <CreatedSandboxKeys created={created} onDone={() => setCreated(null)} />}
      <QueryState
        result={result}
        retry={reload}
        what="Loading your sandboxes"
        isEmpty={(d) => d.sandboxes.nodes.length === 0}
        empty="No sandboxes yet. Create one below to try the whole life of a spike in minutes."
      >
        {(d) => (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Test clock ({zone})</th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {d.sandboxes.nodes.map((s) => (
                  <tr key={s.id} data-sandbox={s.name}>
                    <th scope="row">{s.name}</th>
                    <td>
                      <ClockReading sandboxId={s.id} />
                    </td>
                    <td>{formatDateTime(s.createdAt, zone, { zone: false })}</td>
                    <td>
                      {viewer.role === 'FINANCE' ? null : confirm === s.id ? (
                        <>
                          <button
                            type="button"
                            className="danger"
                            autoFocus
                            onClick={async () => {
                              setConfirm(null);
                              const r = await remove({ id: s.id });
                              if (r.error) setError(firstError(r.error));
                              reload();
                            }}
                          >
                            Yes, delete {s.name}
                          </button>{' '}
                          <button type="button" className="secondary" onClick={() => setConfirm(null)}>
                            Keep
                          </button>
                        </>
                      ) : (
                        <button type="button" className="secondary" onClick={() => setConfirm(s.id)} aria-label={`Delete sandbox ${s.name}`}>
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      <p className="hint">Deleting a sandbox revokes all its keys at once; its data is never reachable again. An organisation holds at most 5.</p>
      <form onSubmit={submit} noValidate className="panel">
        <h2>Create a sandbox</h2>
        <TextField
          label="Name"
          hint="To tell your sandboxes apart, e.g. Bot CI (default: Sandbox)"
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
          error={errorFor(error, 'input.name', 'name')}
        />
        <FormError error={error && !errorFor(error, 'input.name', 'name') ? error.message : null} />
        <button type="submit" disabled={creating.fetching}>
          {creating.fetching ? 'Creating…' : 'Create sandbox'}
        </button>
      </form>
    </section>
  );
}
