import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { api, ApiError, onUnauthenticated, refreshSession } from '../api/client';
import type { Me } from '../api/types';

interface Session {
  me: Me | null;
  loading: boolean;
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
  can: (permission: string) => boolean;
}

const SessionContext = createContext<Session | null>(null);

const REFRESH_EVERY_MS = 10 * 60 * 1000; // access tokens live 15 minutes

/** Who is signed in (GET /api/me), kept fresh; a 401 anywhere sends the console back to sign-in. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const me = useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return await api.get<Me>('/api/me');
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 30_000,
    retry: false,
  });

  useEffect(() => {
    onUnauthenticated(() => client.setQueryData(['me'], null));
    return () => onUnauthenticated(undefined);
  }, [client]);

  useEffect(() => {
    if (!me.data) return;
    // Ahead of expiry while the tab is open; a tab that slept past it refreshes on its next call's 401.
    const timer = setInterval(() => void refreshSession(), REFRESH_EVERY_MS);
    return () => clearInterval(timer);
  }, [me.data]);

  const value: Session = {
    me: me.data ?? null,
    loading: me.isLoading,
    refresh: async () => {
      await client.invalidateQueries({ queryKey: ['me'] });
    },
    signOut: async () => {
      await api.post('/api/auth/logout').catch(() => undefined);
      // Keep the `me` query (its observers must see null); drop everything the operator had loaded.
      client.setQueryData(['me'], null);
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
    },
    can: (permission) => me.data?.permissions.includes(permission) ?? false,
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
