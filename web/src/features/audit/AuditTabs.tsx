import { NavLink } from 'react-router';
import { useSession } from '../../app/session';

/** Events and the approvals report are two views of the same trail. */
export function AuditTabs() {
  const { can } = useSession();
  return (
    <nav className="subnav" aria-label="Audit views">
      <NavLink to="/audit" end>
        Events
      </NavLink>
      {can('approvals:report') && <NavLink to="/audit/report">Approvals report</NavLink>}
    </nav>
  );
}
