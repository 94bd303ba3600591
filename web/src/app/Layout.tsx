import { useQuery } from '@tanstack/react-query';
import { NavLink, Outlet } from 'react-router';
import { api } from '../api/client';
import { ROLE_LABELS, type Flag } from '../api/types';
import { useAlerts } from '../features/alerts/queries';
import { useLiveEvents } from './live';
import { useSession } from './session';

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

/** The frame of every signed-in screen: who you are, the settlement switch, the sections. */
export function Layout() {
  const { me, can, signOut } = useSession();
  useLiveEvents();
  if (!me) return null;
  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">usdt-desk</div>
        <nav aria-label="Sections">
          <NavLink to="/overview">Overview</NavLink>
          <NavLink to="/approvals">Approvals</NavLink>
          {can('clients:read') && <NavLink to="/clients">Clients</NavLink>}
          {can('trades:read') && <NavLink to="/trades">Trades</NavLink>}
          {can('pricing:read') && <NavLink to="/pricing">Pricing</NavLink>}
          {can('settlements:read') && <NavLink to="/settlements">Settlements</NavLink>}
          {can('wallets:read') && <NavLink to="/wallets">Wallets</NavLink>}
          {can('flags:read') && <NavLink to="/flags">Flags</NavLink>}
          {can('alerts:read') && <NavLink to="/alerts">Alerts</NavLink>}
          {can('approvals:read') && <NavLink to="/policies">Policies</NavLink>}
          {can('audit:read') && <NavLink to="/audit">Audit</NavLink>}
          {can('operators:read') && <NavLink to="/operators">Operators</NavLink>}
        </nav>
        <div className="badges">
          <AutoSettlementBadge />
          {can('alerts:read') && <FiringAlertsBadge />}
        </div>
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
      <main id="main">
        <Outlet />
      </main>
    </div>
  );
}
