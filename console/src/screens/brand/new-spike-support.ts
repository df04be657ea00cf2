import { useEffect, useState } from 'react';
import { graphql } from '../../gql';
import type { CsvProblem } from '../../lib/csv';

/** The new-spike screen's documents and helpers. */
export const Preview = graphql(`
  query PreviewStaffing($input: PreviewStaffingInput!) {
    previewStaffing(input: $input) {
      __typename
      ... on StaffingPreview {
        totalRequiredSeats
        intervals {
          index
          startsAt
          endsAt
          forecastContacts
          ahtSeconds
          trafficErlangs
          agents
          requiredSeats
          serviceLevelAtRequired
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

export const Post = graphql(`
  mutation PostSpike($input: PostDemandSpikeInput!, $key: String) {
    postDemandSpike(input: $input, idempotencyKey: $key) {
      __typename
      ... on DemandSpike {
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

export const Publish = graphql(`
  mutation PublishSpike($id: UUID!) {
    publishDemandSpike(spikeId: $id) {
      __typename
      ... on DemandSpike {
        id
        status
      }
      ... on UserError {
        code
        message
        field
      }
    }
  }
`);

export const ZONES = [
  'Europe/London',
  'Europe/Madrid',
  'Europe/Berlin',
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Asia/Manila',
  'UTC',
];
export const EXAMPLE = `interval_start,contacts,aht_seconds
2026-11-28 09:00,100,180
2026-11-28 09:30,240,420`;

export const fraction = (percent: string) => (percent.trim() === '' ? null : Number(percent) / 100);
export const tags = (text: string) =>
  text
    .split(/[,\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function describeProblems(problems: readonly CsvProblem[]): string {
  const shown = problems.slice(0, 3).map((p) => `Line ${p.line}${p.column ? ` (${p.column})` : ''}: ${p.message}`);
  return shown.join('. ') + (problems.length > 3 ? `. And ${problems.length - 3} more.` : '');
}
