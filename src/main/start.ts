import { runDesk } from './run.js';
import { exitWithError, onShutdown } from './process.js';

/** `npm start`: everything in one process — HTTP API, worker, Telegram bot (and later the alert evaluator). */
try {
  const { stop, desk } = await runDesk({ http: true, worker: true });
  onShutdown(stop, (msg) => desk.services.audit && process.stdout.write(`${msg}\n`));
} catch (err) {
  exitWithError(err);
}
