import { useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { graphql } from '../../gql';
import { formatDateTime, formatMoney } from '../../lib/format';
import { Link, useTitle } from '../../lib/router';
import { LiveNotice, QueryState } from '../../components/states';
import { PageHeader, Status } from '../../components/status';

const MyBidsQuery = graphql(`
  query MyBids {
    myBids(first: 100) {
      nodes {
        id
        status
        submittedAt
        rate {
          amountMinor
          currency
        }
        offered {
          index
          seats
        }
        spike {
          id
          title
          timeZone
          status
        }
        outcome {
          status
          reason
          awardedSeatHours
        }
      }
    }
  }
`);

const Outcomes = graphql(`
  subscription BidOutcomes {
    bidOutcome {
      eventId
      outcome {
        bidId
        status
        reason
      }
    }
  }
`);

/** The vendor's bids with their outcomes; an outcome arrives here live when the spike clears. */
export function MyBids() {
  useTitle('My bids');
  const [result, refetch] = useQuery({ query: MyBidsQuery, requestPolicy: 'cache-and-network' });
  const [notice, setNotice] = useState<string | null>(null);
  useSubscription({ query: Outcomes }, (_prev, event) => {
    const o = event.bidOutcome.outcome;
    setNotice(`Outcome received: ${o.status.toLowerCase()} (${o.reason.replace(/_/g, ' ').toLowerCase()})`);
    refetch({ requestPolicy: 'network-only' });
    return event;
  });
  return (
    <section>
      <PageHeader title="My bids" sub="Sealed bids you placed, newest last. Outcomes appear as soon as a spike clears." />
      <LiveNotice message={notice} />
      <QueryState
        result={result}
        retry={() => refetch({ requestPolicy: 'network-only' })}
        isEmpty={(d) => d.myBids.nodes.length === 0}
        empty="You have not bid yet. Find work under Open spikes."
      >
        {(d) => (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Spike</th>
                  <th scope="col">Bid</th>
                  <th scope="col" className="num">
                    Rate
                  </th>
                  <th scope="col" className="num">
                    Seat-intervals
                  </th>
                  <th scope="col">Outcome</th>
                  <th scope="col" className="num">
                    Seat-hours won
                  </th>
                  <th scope="col">Submitted</th>
                </tr>
              </thead>
              <tbody>
                {d.myBids.nodes.map((b) => (
                  <tr key={b.id} data-bid={b.id}>
                    <th scope="row">
                      <Link to={`/bids/${b.id}`}>{b.spike.title}</Link>
                    </th>
                    <td>
                      <Status value={b.status} />
                    </td>
                    <td className="num">{formatMoney(b.rate)}</td>
                    <td className="num">{b.offered.reduce((s, o) => s + o.seats, 0)}</td>
                    <td>{b.outcome ? b.outcome.reason.replace(/_/g, ' ').toLowerCase() : b.status === 'ACTIVE' ? 'awaiting clearing' : '—'}</td>
                    <td className="num">{b.outcome ? Number(b.outcome.awardedSeatHours).toLocaleString('en-GB') : '—'}</td>
                    <td>{formatDateTime(b.submittedAt, b.spike.timeZone)}</td>
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
