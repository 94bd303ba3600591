import { useQuery } from '@tanstack/react-query';
import { NavLink, Outlet } from 'react-router';
import { api } from '../api/client';
import { ROLE_LABELS, type Flag } from '../api/types';
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
          <NavLink to="/approvals">Approvals</NavLink>
          {can('settlements:read') && <NavLink to="/settlements">Settlements</NavLink>}
          {can('wallets:read') && <NavLink to="/wallets">Wallets</NavLink>}
          {can('flags:read') && <NavLink to="/flags">Flags</NavLink>}
          {can('audit:read') && <NavLink to="/audit">Audit</NavLink>}
          {can('operators:read') && <NavLink to="/operators">Operators</NavLink>}
        </nav>
        <AutoSettlementBadge />
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
