import type { UseQueryState } from 'urql';
import type { PreviewStaffingQuery } from '../../gql/graphql';
import type { ForecastRow, Parsed } from '../../lib/csv';
import { ErrorState, Loading } from '../../components/states';
import { StaffingTable } from './staffing-table';

/** The new spike's preview: seats and service level per interval, once the forecast can be read. */
export function PreviewSection({
  parsed,
  preview,
  timeZone,
}: {
  parsed: Parsed<ForecastRow> | null;
  preview: UseQueryState<PreviewStaffingQuery>;
  timeZone: string;
}) {
  const result = preview.data?.previewStaffing;
  return (
    <section aria-labelledby="preview-heading" className="preview">
      <h2 id="preview-heading">Preview: seats and service level per interval</h2>
      {!parsed ? (
        <p className="state empty">The preview appears as soon as the forecast can be read.</p>
      ) : !parsed.ok ? (
        <p className="state empty">Fix the forecast to see the preview.</p>
      ) : preview.error ? (
        <ErrorState error={preview.error} />
      ) : !result ? (
        <Loading what="Deriving seats" />
      ) : result.__typename === 'StaffingPreview' ? (
        <StaffingTable intervals={result.intervals} timeZone={timeZone} total={result.totalRequiredSeats} />
      ) : (
        <p className="state error" role="alert">
          {result.message}
        </p>
      )}
    </section>
  );
}
