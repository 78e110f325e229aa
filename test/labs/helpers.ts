// Shared pieces of the labs' tests: a temporary output folder, one MNIST load per test file, and a
// fake dashboard that records what a lab attaches and the events it streams.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { afterAll } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import type { LabDashboard, MnistSets } from '../../src/labs/lab.js';
import type { PathPoint, PathSurface } from '../../src/protocol/run-data.js';
import type { TrainEvent } from '../../src/train/events.js';

const created: string[] = [];

/** A fresh folder under the OS temp dir, removed after the test file. */
export function tempDir(prefix = 'gradstream-lab-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let mnist: MnistSets | undefined;

/** MNIST, loaded once per test file. */
export function sharedMnist(): MnistSets {
  mnist ??= loadMnist();
  return mnist;
}

/** What a fake dashboard saw. */
export interface DashboardLog {
  readonly events: Map<string, TrainEvent[]>;
  readonly paths: Map<string, { surface: PathSurface; points: PathPoint[] }>;
}

/** A dashboard stand-in that subscribes like the real one and keeps everything it receives. */
export function fakeDashboard(): LabDashboard & DashboardLog {
  const events = new Map<string, TrainEvent[]>();
  const paths = new Map<string, { surface: PathSurface; points: PathPoint[] }>();
  return {
    events,
    paths,
    attachRun(runId: string, events$: Observable<TrainEvent>) {
      if (events.has(runId)) throw new Error(`attached twice: ${runId}`);
      const list: TrainEvent[] = [];
      events.set(runId, list);
      events$.subscribe((e) => list.push(e));
    },
    attachPath(runId: string, surface: PathSurface, points$: Observable<PathPoint>) {
      const entry = { surface, points: [] as PathPoint[] };
      paths.set(runId, entry);
      points$.subscribe((p) => entry.points.push(p));
    },
  };
}

/** Common options of a quick lab run in tests: headless unless given a dashboard, into a temp folder. */
export function quickOptions(extra: { storeDir?: string } = {}) {
  return {
    quick: true,
    out: tempDir(),
    storeDir: extra.storeDir ?? tempDir('gradstream-labs-store-'),
    mnist: sharedMnist(),
    concurrency: 2,
  };
}
