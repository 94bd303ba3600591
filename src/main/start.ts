import { runDesk } from './run.js';
import { runUntilSignal } from './process.js';

/** `npm start`: everything in one process — HTTP API, worker, Telegram bot (and later the alert evaluator). */
runUntilSignal(
  (signal) => runDesk({ http: true, worker: true, signal }),
  (msg) => process.stdout.write(`${msg}\n`),
);
