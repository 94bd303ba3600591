/**
 * What the test support opened in this test file (databases with their pools, test servers, Telegram
 * runtimes, browsers) and has not closed yet. test/support/leak-check.ts asks after each file and
 * fails the file naming what was left open: a pool left open holds connections for the rest of the
 * run, a polling bot keeps answering itself, and the next file pays for it.
 *
 * Each test file gets its own copy of this module (vitest isolates files), so the list is per file.
 */

interface Handle {
  what: string;
  /** Where the test opened it (the first test-file frame of the stack), for the failure message. */
  openedAt: string;
  isOpen: () => boolean;
}

const handles = new Set<Handle>();

/** The first frame in a test file (not in test/support), e.g. `src/telegram/bot.test.ts:184`. */
function testFileFrame(stack: string | undefined): string {
  const frames = (stack ?? '').split('\n').slice(1);
  const frame =
    frames.find((f) => /\.(test|fixture)\.tsx?:\d+/.test(f)) ??
    frames.find((f) => !/\/test\/(e2e\/)?support\/|\(node:|at node:/.test(f)) ??
    '';
  const m = /(?:file:\/\/)?([^\s()]+):(\d+):\d+\)?\s*$/.exec(frame.trim());
  if (!m?.[1]) return 'an unknown place';
  const root = process.cwd() + '/';
  return `${m[1].startsWith(root) ? m[1].slice(root.length) : m[1]}:${m[2]}`;
}

function add(what: string, isOpen: () => boolean): Handle {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  const handle = { what, openedAt: testFileFrame(stack), isOpen };
  handles.add(handle);
  return handle;
}

/** Records that `what` is open until `closed()` is called. For the helpers that open things, not for tests. */
export function trackOpen(what: string): { closed: () => void } {
  const handle = add(what, () => true);
  return { closed: () => handles.delete(handle) };
}

/** Records something that is open whenever `isOpen()` says so (a bot's polling loop, a browser). */
export function trackWhileOpen(what: string, isOpen: () => boolean): void {
  add(what, isOpen);
}

/** What is still open, one line each. */
export function openHandles(): string[] {
  return [...handles].filter((h) => h.isOpen()).map((h) => `${h.what} (opened at ${h.openedAt})`);
}

/** Throws, naming each, when anything is still open. */
export function assertNothingLeftOpen(): void {
  const open = openHandles();
  if (open.length === 0) return;
  throw new Error(
    `this test file left ${open.length} thing(s) open; close each in an afterAll or a finally:\n  - ${open.join('\n  - ')}`,
  );
}
