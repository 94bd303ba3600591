import { Navigate, Route, Routes, useLocation, useSearchParams } from 'react-router';
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
import { clientRoutes } from '../features/clients/routes';
import { tradeRoutes } from '../features/trades/routes';
import { overviewRoutes } from '../features/overview/routes';
import { pricingRoutes } from '../features/pricing/routes';
import { policyRoutes } from '../features/policies/routes';
import type { FeatureRoute } from './FeatureRoute';
import { Layout } from './Layout';
import { useSession } from './session';
import { StepUpDialog } from './StepUpDialog';
import { safeNext, withNext } from './nextPage';

const FEATURES: FeatureRoute[] = [
  ...approvalRoutes,
  ...flagRoutes,
  ...auditRoutes,
  ...operatorRoutes,
  ...accountRoutes,
  ...settlementRoutes,
  ...walletRoutes,
  ...alertRoutes,
  ...clientRoutes,
  ...tradeRoutes,
  ...overviewRoutes,
  ...pricingRoutes,
  ...policyRoutes,
];

function RequireSession({ children }: { children: React.ReactNode }) {
  const { me, loading } = useSession();
  const location = useLocation();
  const asked = `${location.pathname}${location.search}${location.hash}`;
  if (loading)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (!me) return <Navigate to={withNext('/login', asked)} replace />;
  if (!me.session.mfaVerified) return <Navigate to={withNext('/mfa', asked)} replace />;
  return children;
}

/** Sign-in when signed out; once signed in, on to the page that was asked for. */
function LoginRoute() {
  const { me } = useSession();
  const [params] = useSearchParams();
  return me?.session.mfaVerified ? <Navigate to={safeNext(params.get('next'))} replace /> : <LoginPage />;
}

function MfaRoute() {
  const { me } = useSession();
  const [params] = useSearchParams();
  return me ? <MfaEnrolPage /> : <Navigate to={withNext('/login', safeNext(params.get('next')))} replace />;
}

export function App() {
  return (
    <>
      <StepUpDialog />
      <Routes>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/invite/:token" element={<InvitePage />} />
        <Route path="/login" element={<LoginRoute />} />
        <Route path="/mfa" element={<MfaRoute />} />
        <Route
          element={
            <RequireSession>
              <Layout />
            </RequireSession>
          }
        >
          <Route index element={<Navigate to="/overview" replace />} />
          {FEATURES.map((r) => (
            <Route key={r.path} path={r.path} element={r.element} />
          ))}
          <Route path="*" element={<p className="empty">There is no page here.</p>} />
        </Route>
      </Routes>
    </>
  );
}
