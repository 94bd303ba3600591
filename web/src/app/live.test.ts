// @vitest-environment jsdom
import { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectLive, RECONNECT_MS } from './live';

/** Enough of EventSource to open, drop and refuse a stream by hand. */
class FakeEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static made: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  constructor(readonly url: string) {
    super();
    FakeEventSource.made.push(this);
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.dispatchEvent(new Event('open'));
  }
  /** The connection dropped: the browser retries by itself (CONNECTING), or gave up (CLOSED). */
  fail(gaveUp: boolean) {
    this.readyState = gaveUp ? FakeEventSource.CLOSED : FakeEventSource.CONNECTING;
    this.dispatchEvent(new Event('error'));
  }
  send(type: string, data: unknown) {
    this.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
}

let client: QueryClient;
let refreshed: unknown[][];

beforeEach(() => {
  FakeEventSource.made = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  client = new QueryClient();
  refreshed = [];
  vi.spyOn(client, 'invalidateQueries').mockImplementation((filters) => {
    refreshed.push([...(filters?.queryKey ?? [])]);
    return Promise.resolve();
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const stream = (i: number) => {
  const s = FakeEventSource.made[i];
  if (!s) throw new Error(`no stream #${i}`);
  return s;
};

describe('connectLive', () => {
  it('refreshes what an event touches', () => {
    const stop = connectLive(client);
    stream(0).open();
    stream(0).send('approval.created', { id: 'req-1' });
    // a decided request may have moved a client (access, limits, address) or a trade (cancel, amend)
    expect(refreshed).toEqual([
      ['approvals'],
      ['approval', 'req-1'],
      ['flags'],
      ['flag'],
      ['clients'],
      ['client'],
      ['trade'],
    ]);
    refreshed.length = 0;
    // a settlement moved: its lists, its trade and client pages and the overview's charts follow
    stream(0).send('settlement.changed', { id: 'st-1' });
    expect(refreshed).toEqual([
      ['settlements'],
      ['settlement', 'st-1'],
      ['wallets'],
      ['ledger'],
      ['trades'],
      ['trade'],
      ['client'],
    ]);
    stop();
  });

  it('refreshes every live query when the stream comes back, not when it first opens', () => {
    const stop = connectLive(client);
    stream(0).open();
    expect(refreshed).toEqual([]); // the page loaded its own data
    stream(0).fail(false);
    stream(0).open(); // EventSource reconnected by itself: events may have been missed meanwhile
    expect(refreshed).toEqual([
      ['approvals'],
      ['approval'],
      ['flags'],
      ['flag'],
      ['settlements'],
      ['settlement'],
      ['wallets'],
      ['ledger'],
      ['alerts'],
      ['clients'],
      ['client'],
      ['trades'],
      ['trade'],
    ]);
    expect(FakeEventSource.made).toHaveLength(1);
    stop();
  });

  it('opens a new stream when the browser gave up on the old one, and catches up once it opens', () => {
    vi.useFakeTimers();
    const stop = connectLive(client);
    stream(0).open();
    stream(0).fail(true); // refused (a 502 from a proxy): EventSource will not retry
    expect(refreshed).toEqual([['me']]); // is the session still there? (if not, the console signs out)
    expect(FakeEventSource.made).toHaveLength(1);
    vi.advanceTimersByTime(RECONNECT_MS);
    expect(FakeEventSource.made).toHaveLength(2);
    stream(1).open();
    expect(refreshed).toContainEqual(['approvals']);
    expect(refreshed).toContainEqual(['flags']);
    stop();
  });

  it('waits longer after each refusal in a row, and starts over once a stream opens', () => {
    vi.useFakeTimers();
    const stop = connectLive(client);
    stream(0).fail(true);
    vi.advanceTimersByTime(RECONNECT_MS);
    stream(1).fail(true);
    vi.advanceTimersByTime(RECONNECT_MS * 2 - 1);
    expect(FakeEventSource.made).toHaveLength(2); // not yet: twice as long this time
    vi.advanceTimersByTime(1);
    expect(FakeEventSource.made).toHaveLength(3);
    stream(2).open();
    stream(2).fail(true);
    vi.advanceTimersByTime(RECONNECT_MS);
    expect(FakeEventSource.made).toHaveLength(4);
    stop();
  });

  it('stops for good when closed', () => {
    vi.useFakeTimers();
    const stop = connectLive(client);
    stream(0).fail(true);
    stop();
    vi.advanceTimersByTime(RECONNECT_MS * 2);
    expect(FakeEventSource.made).toHaveLength(1);
    expect(stream(0).readyState).toBe(FakeEventSource.CLOSED);
  });
});
