import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { api } from '../api/client';
import { ROLE_LABELS, type Flag } from '../api/types';
import { useAlerts } from '../features/alerts/queries';
import { useLiveEvents } from './live';
import { useSession } from './session';
import { useBootstrap } from '../components/useBootstrap';
import { useTableLabels } from './tableLabels';

function AutoSettlementBadge() {
  const flags = useQuery({ queryKey: ['flags'], queryFn: () => api.get<{ items: Flag[] }>('/api/flags') });
  const flag = flags.data?.items.find((f) => f.key === 'AUTO_SETTLEMENT');
  if (!flag) return <span className="badge muted">AUTO_SETTLEMENT …</span>;
  return (
    <NavLink
      to="/flags/AUTO_SETTLEMENT"
      className={`badge ${flag.enabled ? 'on' : 'off'}`}
      data-testid="auto-settlement"
      aria-label={`AUTO_SETTLEMENT is ${flag.enabled ? 'on' : 'off'}`}
    >
      AUTO_SETTLEMENT {flag.enabled ? 'ON' : 'OFF'}
    </NavLink>
  );
}

/** How many alerts fire now, beside the AUTO_SETTLEMENT badge; refreshed live by `alert.changed`. */
function FiringAlertsBadge() {
  const alerts = useAlerts();
  const n = alerts.data?.firing;
  if (n === undefined) return <span className="badge muted">ALERTS …</span>;
  return (
    <NavLink
      to="/alerts"
      className={`badge ${n > 0 ? 'alerts-firing' : 'muted'}`}
      data-testid="alerts-firing-count"
      aria-label={n === 1 ? '1 alert firing' : `${n} alerts firing`}
    >
      {n === 0 ? 'NO ALERTS FIRING' : `${n} ${n === 1 ? 'ALERT' : 'ALERTS'} FIRING`}
    </NavLink>
  );
}

/**
 * The sections, in the order shown: one entry per screen (a new screen adds its line here), shown
 * to whoever holds its read permission.
 */
export const NAV_ITEMS: { to: string; label: string; permission?: string; bootstrapOnly?: boolean }[] = [
  { to: '/founding-team', label: 'Founding team', permission: 'operators:write', bootstrapOnly: true },
  { to: '/overview', label: 'Overview' },
  { to: '/approvals', label: 'Approvals' },
  { to: '/clients', label: 'Clients', permission: 'clients:read' },
  { to: '/trades', label: 'Trades', permission: 'trades:read' },
  { to: '/pricing', label: 'Pricing', permission: 'pricing:read' },
  { to: '/settlements', label: 'Settlements', permission: 'settlements:read' },
  { to: '/wallets', label: 'Wallets', permission: 'wallets:read' },
  { to: '/flags', label: 'Flags', permission: 'flags:read' },
  { to: '/alerts', label: 'Alerts', permission: 'alerts:read' },
  { to: '/policies', label: 'Policies', permission: 'approvals:read' },
  { to: '/audit', label: 'Audit', permission: 'audit:read' },
  { to: '/operators', label: 'Operators', permission: 'operators:read' },
];

/**
 * The frame of every signed-in screen: who you are, the settlement switch, the sections. On a phone
 * the badges stay in sight and the sections, who you are and Sign out fold behind a Menu button
 * (closed again on each navigation).
 */
export function Layout() {
  const { me, can, signOut } = useSession();
  // The founding-team step is in the bar only while the desk is in its bootstrap (first run).
  const bootstrap = useBootstrap(can('operators:write'));
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  useLiveEvents();
  useTableLabels(main);
  useEffect(() => setMenuOpen(false), [location.pathname]);
  if (!me) return null;
  return (
    <div className="shell">
      <header className={`topbar${menuOpen ? ' menu-open' : ''}`}>
        <div className="brand">usdt-desk</div>
        <div className="badges">
          <AutoSettlementBadge />
          {can('alerts:read') && <FiringAlertsBadge />}
        </div>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="sections-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          Menu
        </button>
        <nav aria-label="Sections" id="sections-nav">
          {NAV_ITEMS.filter(
            (item) =>
              (!item.permission || can(item.permission)) && (!item.bootstrapOnly || bootstrap.data?.active),
          ).map((item) => (
            <NavLink key={item.to} to={item.to}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="who">
          <NavLink to="/account" data-testid="signed-in-as">
            {me.name}
          </NavLink>
          <span className="roles">{me.roles.map((r) => ROLE_LABELS[r]).join(' · ') || 'no role yet'}</span>
          <button type="button" className="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main}>
        <Outlet />
      </main>
    </div>
  );
}
