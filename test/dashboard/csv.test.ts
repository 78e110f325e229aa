// A run's metrics as CSV.

import { describe, expect, it } from 'vitest';
import { fetchRunCsv, runCsv, storeCsvUrl } from '../../dashboard/src/csv.js';
import { DashboardStore } from '../../dashboard/src/store.js';

describe('runCsv', () => {
  it('writes one row per step with evaluations on their steps', () => {
    const s = new DashboardStore();
    s.setSmoothing(0);
    s.accept({
      v: 1,
      type: 'hello',
      session: 's',
      seq: 0,
      control: false,
      tokenRequired: false,
      runs: [
        {
          runId: 'r',
          steps: {
            step: [1, 2],
            epoch: [0, 0],
            loss: [0.5, null],
            lr: [0.1, 0.1],
            samplesPerSecond: [10, 20],
            elapsedMs: [5, 9],
          },
          evals: [{ step: 2, epoch: 0, split: 'test', loss: 0.4, accuracy: 0.9, n: 100 }],
        },
      ],
    });
    const lines = runCsv(s.runs.get('r')!).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'step,epoch,loss,smoothed_loss,lr,samples_per_second,elapsed_ms,train_accuracy,train_loss,validation_accuracy,validation_loss,test_accuracy,test_loss',
    );
    expect(lines[1]).toBe('1,0,0.5,0.5,0.1,10,5,,,,,,');
    expect(lines[2]).toBe('2,0,,,0.1,20,9,,,,,0.9,0.4');
  });
});

describe('fetchRunCsv', () => {
  const store = () => {
    const s = new DashboardStore();
    s.accept({
      v: 1,
      type: 'hello',
      session: 's',
      seq: 0,
      control: false,
      tokenRequired: false,
      runs: [
        {
          runId: 'lab/trial 1',
          steps: { step: [1], epoch: [0], loss: [0.5], lr: [0.1], samplesPerSecond: [10], elapsedMs: [5] },
        },
      ],
    });
    return s.runs.get('lab/trial 1')!;
  };

  it('asks the server for the stored CSV, with the page token, and takes its answer', async () => {
    const asked: string[] = [];
    const got = await fetchRunCsv(store(), 'a b', async (url) => {
      asked.push(url);
      return new Response('step,loss\n1,0.5\n2,0.4\n', { headers: { 'content-type': 'text/csv' } });
    });
    expect(asked).toEqual(['/runs/lab%2Ftrial%201/metrics.csv?token=a%20b']);
    expect(got).toEqual({ text: 'step,loss\n1,0.5\n2,0.4\n', source: 'store' });
    expect(storeCsvUrl('r', undefined)).toBe('/runs/r/metrics.csv');
  });

  it('falls back to the page buffer on a 404, an HTML answer, or no server', async () => {
    const run = store();
    const page = runCsv(run);
    const answers = [
      async () => new Response('not found', { status: 404 }),
      async () => new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } }),
      async () => {
        throw new TypeError('Failed to fetch');
      },
    ];
    for (const answer of answers) {
      expect(await fetchRunCsv(run, undefined, answer)).toEqual({ text: page, source: 'page' });
    }
  });
});
