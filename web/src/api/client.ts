/**
 * The console's one way to talk to the desk: the public JSON API, cookie session + CSRF header,
 * problem+json errors turned into ApiError, and a step-up hook so a decision that needs a fresh TOTP
 * code asks for it and is retried without losing what the operator typed.
 */

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  requestId?: string;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
    this.name = 'ApiError';
  }
  get code() {
    return this.problem.code;
  }
  get status() {
    return this.problem.status;
  }
  /** The message for a field, matching `reason` to `reason` or `body.reason`. */
  fieldError(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.path === field || e.path.endsWith(`.${field}`))?.message;
  }
}

type StepUpHandler = () => Promise<boolean>;
type UnauthenticatedHandler = () => void;

let stepUpHandler: StepUpHandler | undefined;
let unauthenticatedHandler: UnauthenticatedHandler | undefined;
/**
 * The one step-up being asked for. Calls that need a step-up while the dialog is open (parallel
 * posts) wait for the same code rather than each asking, so every one of them retries (or gives up)
 * when that dialog closes.
 */
let stepUpInFlight: Promise<boolean> | undefined;

function stepUp(handler: StepUpHandler): Promise<boolean> {
  stepUpInFlight ??= handler().finally(() => {
    stepUpInFlight = undefined;
  });
  return stepUpInFlight;
}

/** The step-up dialog registers itself here; it resolves true once a code was accepted. */
export function onStepUpRequired(handler: StepUpHandler | undefined) {
  stepUpHandler = handler;
}

export function onUnauthenticated(handler: UnauthenticatedHandler | undefined) {
  unauthenticatedHandler = handler;
}

function csrfToken(): string | undefined {
  return document.cookie
    .split('; ')
    .find((c) => c.startsWith('desk_csrf='))
    ?.slice('desk_csrf='.length);
}

/**
 * The one refresh under way. The access token lives 15 minutes, the session 12 hours: when a call
 * answers 401, the console buys a new access token with its refresh cookie (POST /api/auth/refresh)
 * and repeats the call once, so an operator back from a long break carries on signed in. Calls that
 * fail together share one refresh.
 */
let refreshInFlight: Promise<boolean> | undefined;

export function refreshSession(): Promise<boolean> {
  refreshInFlight ??= (async () => {
    const csrf = csrfToken();
    try {
      const res = await fetch('/api/auth/refresh', {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          ...(csrf ? { 'x-csrf-token': csrf } : {}),
        },
        body: '{}',
      });
      return res.ok;
    } catch {
      return false;
    }
  })().finally(() => {
    refreshInFlight = undefined;
  });
  return refreshInFlight;
}

const NO_REFRESH = ['/api/auth/login', '/api/auth/refresh', '/api/auth/logout', '/api/setup'];

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Do not open the step-up dialog (the step-up call itself). */
  noStepUp?: boolean;
  /** Set on the repeat after a refresh, so a 401 is not refreshed twice. */
  refreshed?: boolean;
}

async function toProblem(res: Response): Promise<Problem> {
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      return (await res.json()) as Problem;
    } catch {
      /* fall through */
    }
  }
  return {
    type: 'about:blank',
    title: res.statusText,
    status: res.status,
    detail: `The desk answered ${res.status} ${res.statusText}.`,
    code: res.status >= 500 ? 'INTERNAL' : 'UNKNOWN',
  };
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = csrfToken();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch {
    throw new ApiError({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      detail: 'The desk cannot be reached. Check your connection and try again.',
      code: 'NETWORK',
    });
  }
  if (res.ok) {
    if (res.status === 204) return undefined as T;
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') ? await res.json() : await res.text()) as T;
  }
  const problem = await toProblem(res);
  if (res.status === 401 && !opts.refreshed && !NO_REFRESH.some((p) => path.startsWith(p))) {
    if (await refreshSession()) return request<T>(method, path, { ...opts, refreshed: true });
  }
  if (problem.code === 'STEP_UP_REQUIRED' && !opts.noStepUp && stepUpHandler) {
    if (await stepUp(stepUpHandler)) return request<T>(method, path, { ...opts, noStepUp: true });
  }
  if (res.status === 401 && unauthenticatedHandler && !path.startsWith('/api/auth/login'))
    unauthenticatedHandler();
  throw new ApiError(problem);
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown, headers?: Record<string, string>) =>
    request<T>('POST', path, { body: body ?? {}, headers }),
};

/** Turns a query object into `?a=1&b=2`, skipping empty values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
}
