import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { formatDateTime, localZone } from '../../lib/format';
import { Link, useTitle } from '../../lib/router';
import { QueryState } from '../../components/states';
import { PageHeader } from '../../components/status';

const Failures = graphql(`
  query ClearingFailures {
    clearingFailures(first: 100) {
      nodes {
        spikeId
        code
        message
        attempts
        firstFailedAt
        lastFailedAt
      }
    }
  }
`);

/** Spikes whose clearing failed and is being retried: every brand's for the operator, its own for a brand. */
export function ClearingFailures() {
  useTitle('Clearing failures');
  const [result, refetch] = useQuery({ query: Failures, requestPolicy: 'cache-and-network' });
  const zone = localZone();
  return (
    <section>
      <PageHeader title="Clearing failures" sub={`Clearings that failed and are retried automatically. Times in ${zone}.`}>
        <button type="button" className="secondary" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Refresh
        </button>
      </PageHeader>
      <QueryState
        result={result}
        retry={() => refetch({ requestPolicy: 'network-only' })}
        isEmpty={(d) => d.clearingFailures.nodes.length === 0}
        empty="No failed clearings: every closed spike has cleared."
      >
        {(d) => (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Spike</th>
                  <th scope="col">Code</th>
                  <th scope="col">Message</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col">Last failed</th>
                </tr>
              </thead>
              <tbody>
                {d.clearingFailures.nodes.map((f) => (
                  <tr key={f.spikeId}>
                    <th scope="row">
                      <Link to={`/spikes/${f.spikeId}`}>{f.spikeId.slice(0, 8)}</Link>
                    </th>
                    <td>{f.code}</td>
                    <td>{f.message}</td>
                    <td className="num">{f.attempts}</td>
                    <td>{formatDateTime(f.lastFailedAt, zone)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </section>
  );
}
