import type { ReactNode } from 'react';
import { Link, useLocation } from './lib/router';
import { useViewer, type Viewer } from './viewer';
import { SandboxBanner } from './screens/sandbox/banner';

interface NavItem {
  to: string;
  label: string;
  external?: boolean;
}

/** What each persona's navigation shows (docs/console.md): its screens, then its sandboxes or, in a sandbox, its test clock. */
export function navFor(viewer: Viewer): NavItem[] {
  const items = roleNav(viewer);
  if (viewer.organization.sandboxId) return [...items, { to: '/test-clock', label: 'Test clock' }];
  return viewer.role === 'FINANCE' || viewer.role === 'AUDITOR' ? items : [...items, { to: '/sandboxes', label: 'Sandboxes' }];
}

function roleNav(viewer: Viewer): NavItem[] {
  switch (viewer.role) {
    case 'BRAND':
      return [
        { to: '/spikes', label: 'Spikes' },
        { to: '/spikes/new', label: 'New spike' },
        { to: '/clearing-failures', label: 'Clearing failures' },
      ];
    case 'VENDOR':
      return [
        { to: '/open', label: 'Open spikes' },
        { to: '/bids', label: 'My bids' },
        { to: '/deliveries', label: 'Delivery' },
        { to: '/scorecard', label: 'Scorecard' },
      ];
    case 'FINANCE':
      return [
        { to: '/invoices', label: 'Invoices' },
        { to: '/ledger', label: 'Ledger' },
        { to: '/statements', label: 'Statements' },
        { to: '/accruals', label: 'Accruals' },
        ...(viewer.organization.kind === 'OPERATOR' ? [{ to: '/reconciliation', label: 'Reconciliation' }] : []),
      ];
    case 'OPERATOR':
      return [
        { to: '/organizations', label: 'Organisations' },
        { to: '/spikes', label: 'Spikes' },
        { to: '/clearing-failures', label: 'Clearing failures' },
        { to: '/scoring', label: 'Scoring policy' },
        { to: '/reconciliation', label: 'Reconciliation' },
        { to: '/admin/queues', label: 'Queue dashboard', external: true },
      ];
    default:
      return [];
  }
}

export function Layout({ children, onSignOut }: { children: ReactNode; onSignOut: () => void }) {
  const viewer = useViewer();
  const path = useLocation().split('?')[0]!;
  const items = navFor(viewer);
  const active = items.filter((i) => !i.external && (path === i.to || path.startsWith(`${i.to}/`))).sort((a, b) => b.to.length - a.to.length)[0];
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand-mark">
          Burst Exchange
        </Link>
        <p className="who">
          <span className="org">{viewer.organization.name}</span> <span className="role">{viewer.role.toLowerCase()}</span>
        </p>
        <button type="button" className="secondary sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {viewer.organization.sandboxId && <SandboxBanner sandboxId={viewer.organization.sandboxId} />}
      <nav className="nav" aria-label="Main">
        <ul>
          {items.map((item) => (
            <li key={item.to}>
              {item.external ? (
                <a href={item.to} target="_blank" rel="noopener">
                  {item.label}
                  <span className="visually-hidden"> (opens in a new tab)</span>
                </a>
              ) : (
                <Link to={item.to} {...(item === active ? { 'aria-current': 'page' as const } : {})}>
                  {item.label}
                </Link>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
