import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { tuningPreset, workerTuning } from './worker.js';

describe('worker tuning', () => {
  it('is off by default: no preset, graphile-worker fetches and completes one job at a time', () => {
    expect(tuningPreset(workerTuning(loadConfig({ NODE_ENV: 'test' })))).toBeUndefined();
  });

  it('maps WORKER_LOCAL_QUEUE_SIZE and WORKER_COMPLETE_BATCH_MS onto graphile-worker 0.17 preset options', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      WORKER_LOCAL_QUEUE_SIZE: '32',
      WORKER_COMPLETE_BATCH_MS: '50',
    });
    expect(tuningPreset(workerTuning(config))).toEqual({
      worker: { localQueue: { size: 32 }, completeJobBatchDelay: 50, failJobBatchDelay: 50 },
    });
    expect(tuningPreset({ localQueueSize: 8 })).toEqual({ worker: { localQueue: { size: 8 } } });
  });

  it('refuses negative values', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', WORKER_LOCAL_QUEUE_SIZE: '-1' })).toThrow(
      /WORKER_LOCAL_QUEUE_SIZE/,
    );
  });
});
