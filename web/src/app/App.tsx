import { Navigate, Route, Routes } from 'react-router';
import { LoginPage } from '../features/auth/LoginPage';
import { MfaEnrolPage } from '../features/auth/MfaEnrolPage';
import { SetupPage } from '../features/auth/SetupPage';
import { InvitePage } from '../features/auth/InvitePage';
import { approvalRoutes } from '../features/approvals/routes';
import { flagRoutes } from '../features/flags/routes';
import { auditRoutes } from '../features/audit/routes';
import { operatorRoutes } from '../features/operators/routes';
import { accountRoutes } from '../features/account/routes';
import { settlementRoutes } from '../features/settlements/routes';
import { walletRoutes } from '../features/wallets/routes';
import { alertRoutes } from '../features/alerts/routes';
import type { FeatureRoute } from './FeatureRoute';
import { Layout } from './Layout';
import { useSession } from './session';
import { StepUpDialog } from './StepUpDialog';

const FEATURES: FeatureRoute[] = [
  ...approvalRoutes,
  ...flagRoutes,
  ...auditRoutes,
  ...operatorRoutes,
  ...accountRoutes,
  ...settlementRoutes,
  ...walletRoutes,
  ...alertRoutes,
];

function RequireSession({ children }: { children: React.ReactNode }) {
  const { me, loading } = useSession();
  if (loading)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (!me) return <Navigate to="/login" replace />;
  if (!me.session.mfaVerified) return <Navigate to="/mfa" replace />;
  return children;
}

export function App() {
  const { me } = useSession();
  return (
    <>
      <StepUpDialog />
      <Routes>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/invite/:token" element={<InvitePage />} />
        <Route
          path="/login"
          element={me?.session.mfaVerified ? <Navigate to="/approvals" replace /> : <LoginPage />}
        />
        <Route path="/mfa" element={me ? <MfaEnrolPage /> : <Navigate to="/login" replace />} />
        <Route
          element={
            <RequireSession>
              <Layout />
            </RequireSession>
          }
        >
          <Route index element={<Navigate to="/approvals" replace />} />
          {FEATURES.map((r) => (
            <Route key={r.path} path={r.path} element={r.element} />
          ))}
          <Route path="*" element={<p className="empty">There is no page here.</p>} />
        </Route>
      </Routes>
    </>
  );
}
