import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { fileFlagRequest, person, type Person } from '../../test/support/approvals.js';

/** Reads Server-Sent Events from a real HTTP connection until `until` says stop. */
async function readEvents(
  url: string,
  headers: Record<string, string>,
  until: (events: { event: string; data: Record<string, unknown> }[]) => boolean,
  onOpen: () => Promise<void>,
) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: Record<string, unknown> }[] = [];
  let buffer = '';
  let opened = false;
  // Generous: on a loaded CI box a cross-node round (two LISTENs, two announcements, a filing) is slow.
  const deadline = setTimeout(() => controller.abort(), 25_000);
  try {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let sep: number;
      while ((sep = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
      }
      if (!opened) {
        opened = true;
        await onOpen();
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  return events;
}

describe('GET /api/events (live updates for consoles)', () => {
  let t: TestServer;
  let base: string;
  let risk: Person;
  let watcher: Person;

  beforeAll(async () => {
    t = await buildTestServer();
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    [risk, watcher] = await Promise.all([person(t, ['risk_officer']), person(t, ['ops_approver'])]);
  });
  afterAll(() => t.close());

  it('needs a signed-in operator', async () => {
    const res = await fetch(`${base}/api/events`);
    expect(res.status).toBe(401);
  });

  it('streams a created request once its transaction commits', async () => {
    let filedId = '';
    const events = await readEvents(
      `${base}/api/events`,
      watcher.session.bearer,
      (e) => e.some((x) => x.data.id === filedId && filedId !== ''),
      async () => {
        filedId = (await fileFlagRequest(t, risk)).id;
      },
    );
    expect(events.find((e) => e.data.id === filedId)).toMatchObject({
      event: 'approval.created',
      data: { kind: 'flag.set', status: 'pending' },
    });
  });

  it('a second stream from the same session closes the first', async () => {
    const first = await fetch(`${base}/api/events`, { headers: watcher.session.bearer });
    const reader = (first.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the "connected" comment
    const second = new AbortController();
    await fetch(`${base}/api/events`, { headers: watcher.session.bearer, signal: second.signal });
    let done = false;
    for (let i = 0; i < 10 && !done; i++) done = (await reader.read()).done;
    second.abort();
    expect(done).toBe(true);
  });

  /** Opens a stream, runs `action` once it is connected, and says whether the server then ended it. */
  async function streamEndsAfter(
    headers: Record<string, string>,
    action: () => Promise<void>,
  ): Promise<boolean> {
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), 25_000);
    try {
      const res = await fetch(`${base}/api/events`, { headers, signal: controller.signal });
      expect(res.status).toBe(200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read(); // the "connected" comment
      await action();
      for (;;) if ((await reader.read()).done) return true;
    } catch {
      return false; // still open at the deadline
    } finally {
      clearTimeout(deadline);
      controller.abort();
    }
  }

  it("logout ends that session's stream; other sessions keep theirs and never see the revocation", async () => {
    const leaver = await person(t, ['ops_approver']);
    let filedId = '';
    const events = await readEvents(
      `${base}/api/events`,
      watcher.session.bearer,
      (e) => filedId !== '' && e.some((x) => x.data.id === filedId),
      async () => {
        const ended = await streamEndsAfter(leaver.session.bearer, async () => {
          const out = await t.app.inject({
            method: 'POST',
            url: '/api/auth/logout',
            headers: leaver.session.bearer,
          });
          expect(out.statusCode).toBeLessThan(300);
        });
        expect(ended).toBe(true);
        filedId = (await fileFlagRequest(t, risk)).id;
      },
    );
    expect(events.map((e) => e.event)).not.toContain('session.revoked');
    expect(events.find((e) => e.data.id === filedId)?.event).toBe('approval.created');
  });

  it('a session that expires has its stream ended; other sessions keep theirs', async () => {
    const brief = await person(t, ['ops_approver']);
    // Nothing revokes it: the session simply runs out a moment after its stream opens.
    await t.database.db
      .updateTable('operator_sessions')
      .set({ expires_at: new Date(t.clock.now().getTime() + 2_000) })
      .where('id', '=', brief.session.sessionId)
      .execute();
    let filedId = '';
    const events = await readEvents(
      `${base}/api/events`,
      watcher.session.bearer,
      (e) => filedId !== '' && e.some((x) => x.data.id === filedId),
      async () => {
        expect(await streamEndsAfter(brief.session.bearer, async () => {})).toBe(true);
        filedId = (await fileFlagRequest(t, risk)).id;
      },
    );
    expect(events.find((e) => e.data.id === filedId)?.event).toBe('approval.created');
    expect((await fetch(`${base}/api/events`, { headers: brief.session.bearer })).status).toBe(401);
  });

  it(
    'a second stream from the same session on another node ends the first; other sessions keep theirs and nobody sees the announcement',
    { timeout: 90_000 },
    async () => {
      // Another desk node on the same database (same signing keys), as behind a load balancer.
      const other = await buildTestServer({ database: t.database, secrets: t.secrets });
      try {
        const otherBase = await other.app.listen({ host: '127.0.0.1', port: 0 });
        const roamer = await person(t, ['ops_approver']);
        let filedId = '';
        const untilFiled = (e: { data: Record<string, unknown> }[]) =>
          filedId !== '' && e.some((x) => x.data.id === filedId);
        let roamerEvents: { event: string; data: Record<string, unknown> }[] = [];
        const watcherEvents = await readEvents(
          `${base}/api/events`,
          watcher.session.bearer,
          untilFiled,
          async () => {
            let onB!: Promise<typeof roamerEvents>;
            const ended = await streamEndsAfter(roamer.session.bearer, async () => {
              let opened!: () => void;
              const isOpen = new Promise<void>((resolve) => (opened = resolve));
              onB = readEvents(`${otherBase}/api/events`, roamer.session.bearer, untilFiled, async () =>
                opened(),
              );
              await isOpen;
            });
            expect(ended).toBe(true); // the stream on node A gave way to the one on node B
            filedId = (await fileFlagRequest(t, risk)).id;
            roamerEvents = await onB;
          },
        );
        for (const events of [watcherEvents, roamerEvents]) {
          expect(events.find((e) => e.data.id === filedId)?.event).toBe('approval.created');
          expect(events.map((e) => e.event).filter((type) => type.startsWith('session.'))).toEqual([]);
        }
      } finally {
        await other.close();
      }
    },
  );

  it('deactivating an operator ends their open stream', async () => {
    const fired = await person(t, ['ops_approver']);
    const ended = await streamEndsAfter(fired.session.bearer, () =>
      t.desk.services.operators.deactivate(fired.id, { actorType: 'system', requestId: 'test' }),
    );
    expect(ended).toBe(true);
    expect((await fetch(`${base}/api/events`, { headers: fired.session.bearer })).status).toBe(401);
  });
});
