// The main job with its dashboard on: the real CLI serves the page and streams the pipeline's
// steps, evaluations and histograms to a WebSocket client.

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLI } from '../helpers/cli.js';

describe('gradstream train with the dashboard', () => {
  it('serves the page and streams the run to a WebSocket client', async () => {
    const store = mkdtempSync(join(tmpdir(), 'gradstream-dash-'));
    const args = [
      ...CLI,
      'train',
      '--port',
      '0',
      '--steps',
      '120',
      '--batch-size',
      '50',
      '--hidden',
      '32',
      '--train-limit',
      '3000',
      '--eval-every',
      '40',
      '--store',
      store,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        const m = /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`exited before serving: ${err}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);

    const ws = new WebSocket(`${url.replace('http', 'ws')}ws`);
    const steps = new Set<number>();
    const kinds = new Set<string>();
    let evals = 0;
    let ended = false;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      for (const run of message.runs ?? []) {
        for (const s of run.steps?.step ?? []) steps.add(s);
        evals += run.evals?.length ?? 0;
        for (const h of run.histograms ?? []) kinds.add(h.kind);
        if (run.state?.status === 'ended') ended = true;
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    ws.close();
    expect(code).toBe(0);
    expect(steps.size).toBeGreaterThan(10);
    expect(Math.max(...steps)).toBe(120);
    expect(evals).toBeGreaterThan(0);
    expect([...kinds].sort()).toEqual(['activations', 'gradients', 'weights']);
    expect(ended).toBe(true);
  });
});
