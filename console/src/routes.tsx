import { useEffect, type ReactElement } from 'react';
import { match, navigate, useLocation } from './lib/router';
import { navFor } from './layout';
import { Empty } from './components/states';
import { useViewer } from './viewer';
import { SpikesList } from './screens/brand/spikes-list';
import { NewSpike } from './screens/brand/new-spike';
import { SpikePage } from './screens/brand/spike-page';
import { ClearingFailures } from './screens/operator/clearing-failures';
import { OpenSpikes } from './screens/vendor/open-spikes';
import { BidOnSpike } from './screens/vendor/bid-on-spike';
import { MyBids } from './screens/vendor/my-bids';
import { BidDetail } from './screens/vendor/bid-detail';
import { Deliveries } from './screens/vendor/deliveries';
import { DeliveryReport } from './screens/vendor/delivery-report';
import { Scorecard } from './screens/vendor/scorecard';
import { Invoices } from './screens/finance/invoices';
import { InvoiceDetail } from './screens/finance/invoice-detail';
import { Ledger } from './screens/finance/ledger';
import { Statements } from './screens/finance/statements';
import { Accruals } from './screens/finance/accruals';
import { Reconciliation } from './screens/finance/reconciliation';
import { Organizations } from './screens/operator/organizations';
import { OrganizationPage } from './screens/operator/organization-page';
import { ScoringPolicy } from './screens/operator/scoring-policy';
import { SandboxesScreen } from './screens/sandbox/sandboxes';
import { TestClockScreen } from './screens/sandbox/test-clock';

type Role = ReturnType<typeof useViewer>['role'];
type Screen = [pattern: string, roles: readonly Role[], render: (params: Record<string, string>) => ReactElement];

/** Every screen, the roles that may open it (the API decides what they see), most specific first. */
const SCREENS: readonly Screen[] = [
  ['/spikes/new', ['BRAND'], () => <NewSpike />],
  ['/spikes/:id', ['BRAND', 'OPERATOR'], (p) => <SpikePage id={p.id!} />],
  ['/spikes', ['BRAND', 'OPERATOR'], () => <SpikesList />],
  ['/clearing-failures', ['BRAND', 'OPERATOR'], () => <ClearingFailures />],
  ['/open/:id', ['VENDOR'], (p) => <BidOnSpike id={p.id!} />],
  ['/open', ['VENDOR'], () => <OpenSpikes />],
  ['/bids/:id', ['VENDOR'], (p) => <BidDetail id={p.id!} />],
  ['/bids', ['VENDOR'], () => <MyBids />],
  ['/deliveries/:id', ['VENDOR'], (p) => <DeliveryReport id={p.id!} />],
  ['/deliveries', ['VENDOR'], () => <Deliveries />],
  ['/scorecard', ['VENDOR'], () => <Scorecard />],
  ['/invoices/:id', ['FINANCE'], (p) => <InvoiceDetail id={p.id!} />],
  ['/invoices', ['FINANCE'], () => <Invoices />],
  ['/ledger', ['FINANCE'], () => <Ledger />],
  ['/statements', ['FINANCE'], () => <Statements />],
  ['/accruals', ['FINANCE'], () => <Accruals />],
  ['/reconciliation', ['FINANCE', 'OPERATOR'], () => <Reconciliation />],
  ['/organizations/:id', ['OPERATOR'], (p) => <OrganizationPage id={p.id!} />],
  ['/organizations', ['OPERATOR'], () => <Organizations />],
  ['/scoring', ['OPERATOR'], () => <ScoringPolicy />],
  ['/sandboxes', ['BRAND', 'VENDOR', 'OPERATOR'], () => <SandboxesScreen />],
  ['/test-clock', ['BRAND', 'VENDOR', 'OPERATOR', 'FINANCE', 'AUDITOR'], () => <TestClockScreen />],
];

export function Routes() {
  const viewer = useViewer();
  const path = useLocation().split('?')[0]!;
  const home = navFor(viewer)[0]?.to;
  useEffect(() => {
    if ((path === '/' || path === '') && home) navigate(home, { replace: true });
  }, [path, home]);
  for (const [pattern, roles, render] of SCREENS) {
    const params = match(pattern, path);
    if (params && roles.includes(viewer.role)) return render(params);
  }
  if (path === '/' || path === '') return home ? null : <Empty>There is nothing in the console for {viewer.role} keys yet.</Empty>;
  return (
    <section>
      <h1>Not here</h1>
      <Empty>This page does not exist, or your {viewer.role.toLowerCase()} key cannot open it.</Empty>
    </section>
  );
}
