import { useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { graphql } from '../../gql';
import { formatDateTime, formatMoney } from '../../lib/format';
import { Link, useTitle } from '../../lib/router';
import { Sparkline } from '../../components/chart';
import { LiveNotice, QueryState } from '../../components/states';
import { PageHeader } from '../../components/status';

const OpenSpikesQuery = graphql(`
  query OpenSpikes {
    openDemandSpikes(first: 100) {
      nodes {
        id
        title
        channel
        timeZone
        biddingClosesAt
        totalRequiredSeats
        requiredSkills
        reserveRate {
          amountMinor
          currency
        }
        intervals {
          index
          startsAt
          requiredSeats
        }
      }
    }
  }
`);

const Posted = graphql(`
  subscription SpikePosted {
    demandSpikePosted {
      eventId
      spike {
        id
        title
      }
    }
  }
`);

/** Open spikes this vendor may bid on, each with its demand curve; a newly published one appears without a reload. */
export function OpenSpikes() {
  useTitle('Open spikes');
  const [result, refetch] = useQuery({ query: OpenSpikesQuery, requestPolicy: 'cache-and-network' });
  const [notice, setNotice] = useState<string | null>(null);
  useSubscription({ query: Posted }, (_prev, event) => {
    setNotice(`New spike: ${event.demandSpikePosted.spike.title}`);
    refetch({ requestPolicy: 'network-only' });
    return event;
  });
  return (
    <section>
      <PageHeader title="Open spikes" sub="Spikes you are eligible to bid on, open now. New ones appear here as they are published." />
      <LiveNotice message={notice} />
      <QueryState
        result={result}
        retry={() => refetch({ requestPolicy: 'network-only' })}
        isEmpty={(d) => d.openDemandSpikes.nodes.length === 0}
        empty="No open spikes match your skills right now. This page updates by itself when one is published."
      >
        {(d) => (
          <ul className="cards">
            {d.openDemandSpikes.nodes.map((s) => (
              <li key={s.id} className="card">
                <h2>
                  <Link to={`/open/${s.id}`}>{s.title}</Link>
                </h2>
                <p className="sub">
                  {s.channel.toLowerCase()} · {s.totalRequiredSeats.toLocaleString('en-GB')} seats over {s.intervals.length} intervals · reserve{' '}
                  {formatMoney(s.reserveRate)}/seat-h
                </p>
                <Sparkline values={s.intervals.map((i) => i.requiredSeats)} label={`Demand curve of ${s.title}: seats per interval`} />
                <p>
                  From {s.intervals[0] ? formatDateTime(s.intervals[0].startsAt, s.timeZone) : '—'}. Bidding closes{' '}
                  <strong>{formatDateTime(s.biddingClosesAt, s.timeZone)}</strong>.
                </p>
                <Link to={`/open/${s.id}`} className="button">
                  Bid on {s.title}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
