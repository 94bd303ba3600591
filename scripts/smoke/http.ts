/** The smoke run's HTTP client: every call is kept as evidence (method, path, status, request id, time). */
export interface Evidence {
  method: string;
  path: string;
  status: number | null;
  requestId: string | null;
  ms: number;
}

export interface Answer<T> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export class SmokeHttp {
  readonly calls: Evidence[] = [];
  constructor(readonly base: string) {}

  /** Evidence recorded since `mark` (an index into `calls`). */
  since(mark: number): Evidence[] {
    return this.calls.slice(mark);
  }

  async call<T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const started = performance.now();
    const headers: Record<string, string> = { 'user-agent': 'usdt-desk-smoke', ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const evidence: Evidence = { method, path, status: null, requestId: null, ms: 0 };
    this.calls.push(evidence);
    try {
      const res = await fetch(new URL(path, this.base), {
        method,
        headers,
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      evidence.status = res.status;
      evidence.requestId = res.headers.get('x-request-id');
      evidence.ms = Math.round(performance.now() - started);
      let body: unknown = text;
      if (/^application\/(problem\+)?json\s*(;|$)/.test(res.headers.get('content-type') ?? ''))
        body = JSON.parse(text);
      return { status: res.status, body: body as T, text, headers: res.headers };
    } catch (err) {
      evidence.ms = Math.round(performance.now() - started);
      throw new Error(`${method} ${path}: no answer (${(err as Error).message})`);
    }
  }

  /** Like `call`, but anything other than `want` is a failure naming the problem's code and detail. */
  async expect<T = Record<string, unknown>>(
    want: number,
    method: 'GET' | 'POST',
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const res = await this.call<T>(method, path, opts);
    if (res.status !== want) {
      const problem = res.body as { code?: string; detail?: string };
      const why = problem?.code ? `${problem.code}: ${problem.detail ?? ''}` : res.text.slice(0, 300);
      throw new Error(`${method} ${path} answered ${res.status}, expected ${want} (${why})`);
    }
    return res;
  }
}
