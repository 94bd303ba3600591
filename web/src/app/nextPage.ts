/**
 * Where the console goes after sign-in: the page that was asked for (a deep link from a Telegram
 * alert, kept as `?next=` on /login and /mfa), else the landing page. Only same-origin paths are
 * followed, so a crafted link cannot send a fresh session elsewhere.
 */
export const HOME = '/approvals';

export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return HOME;
  if (next.startsWith('/login') || next.startsWith('/mfa')) return HOME;
  return next;
}

/** `/login?next=…` for the page being left (nothing added for the landing page). */
export function withNext(target: '/login' | '/mfa', next: string): string {
  const safe = safeNext(next);
  return safe === HOME ? target : `${target}?next=${encodeURIComponent(safe)}`;
}
