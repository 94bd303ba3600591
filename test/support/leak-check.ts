import { afterAll } from 'vitest';
import { assertNothingLeftOpen } from './open-handles.js';

// A setup file (vitest.config.ts setupFiles): registered before the test file's own hooks, so with
// vitest's stacked hook order it runs after all of them, once the file has closed what it meant to.
afterAll(() => {
  assertNothingLeftOpen();
});
