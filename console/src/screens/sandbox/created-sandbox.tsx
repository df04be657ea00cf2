import { useState } from 'react';
import type { CreateSandboxMutation } from '../../gql/graphql';
import { endSession, startSession } from '../../lib/api';
import { FormError } from '../../components/form';

type Created = Extract<CreateSandboxMutation['createSandbox'], { __typename: 'CreatedSandbox' }>;

const PARTS: Record<string, string> = {
  BRAND: 'Brand',
  IN_HOUSE: 'In-house team',
  OUTSOURCER_1: 'Outsourcer 1',
  OUTSOURCER_2: 'Outsourcer 2',
  OUTSOURCER_3: 'Outsourcer 3',
  OPERATOR: 'Operator view',
};

/**
 * A new sandbox's keys, shown this once, each with a copy button and "open the console as" it:
 * this session is signed out and the key exchanged for a new one by the normal sign-in
 * (POST /console/session), then the console starts again as that persona.
 */
export function CreatedSandboxKeys({ created, onDone }: { created: Created; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const copy = (id: string, secret: string) =>
    void navigator.clipboard
      ?.writeText(secret)
      .then(() => setCopied(id))
      .catch(() => setCopied(null));
  const openAs = async (secret: string) => {
    setFailure(null);
    await endSession();
    const error = await startSession({ apiKey: secret });
    if (error) return setFailure(error);
    location.assign('/console/');
  };
  return (
    <div className="secret" role="alert">
      <h2>Sandbox {created.sandbox.name}: copy its keys now</h2>
      <p>
        These <code>bx_test_</code> keys are shown only this once. Opening the console as one of them signs you out of this session: copy the keys you need
        first.
      </p>
      <div className="table-wrap" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">Organisation</th>
              <th scope="col">Role</th>
              <th scope="col">Key</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {created.organizations.flatMap((o) =>
              o.keys.map((k) => (
                <tr key={k.id} data-part={o.part} data-role={k.role}>
                  <th scope="row">
                    {PARTS[o.part] ?? o.part}
                    <span className="muted"> · {o.organization.name}</span>
                  </th>
                  <td>{k.role.toLowerCase()}</td>
                  <td>
                    <code className="secret-value" aria-label={`${PARTS[o.part] ?? o.part} ${k.role.toLowerCase()} key`}>
                      {k.secret}
                    </code>
                  </td>
                  <td className="actions-cell">
                    <button type="button" className="secondary" onClick={() => copy(k.id, k.secret)}>
                      {copied === k.id ? 'Copied' : 'Copy'}
                      <span className="visually-hidden">
                        {' '}
                        the {PARTS[o.part] ?? o.part} {k.role.toLowerCase()} key
                      </span>
                    </button>{' '}
                    <button type="button" className="secondary" onClick={() => void openAs(k.secret)}>
                      Open console as {PARTS[o.part] ?? o.part} ({k.role.toLowerCase()})
                    </button>
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      <FormError error={failure} />
      <button type="button" className="secondary" onClick={onDone}>
        I have stored them
      </button>
    </div>
  );
}
