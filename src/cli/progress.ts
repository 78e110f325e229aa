// Progress of a training run on the terminal: a live bar on a TTY, plain periodic lines otherwise.

import cliProgress from 'cli-progress';
import type { ControlEvent } from '../train/events.js';

/** What a progress reporter is told after every step. */
export interface ProgressUpdate {
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly samplesPerSecond: number;
  readonly stepsPerSecond: number;
}

/** A progress display; `stop()` restores the terminal. */
export interface ProgressReporter {
  update(p: ProgressUpdate): void;
  /** Prints a line above the bar. */
  log(line: string): void;
  stop(): void;
}

/**
 * The time left with its units: `12 s`, `1m 05s`, `2h 03m`; `?` before the rate is known.
 */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
}

/** The line for a pause, a resume or a learning-rate change (from the dashboard or the library). */
export function controlLine(e: ControlEvent): string {
  if (e.type === 'paused') return `step ${e.step}: paused`;
  if (e.type === 'resumed') return `step ${e.step}: resumed`;
  return e.lr === undefined
    ? `step ${e.step}: learning rate back to the schedule`
    : `step ${e.step}: learning rate set to ${e.lr}`;
}

// `left`, not `eta`: cli-progress fills its own `{eta}` (bare seconds) over a payload's.
function fields(p: ProgressUpdate): { loss: string; rate: string; left: string } {
  return {
    loss: p.loss.toFixed(4),
    rate: Math.round(p.samplesPerSecond).toLocaleString('en-US'),
    left: formatEta((p.totalSteps - p.step) / p.stepsPerSecond),
  };
}

/**
 * A bar (cli-progress) when `stream` is a TTY, else one plain line every `intervalMs` and at the end.
 * Both show step, epoch, loss, samples/s and the ETA.
 */
export function createProgress(
  stream: NodeJS.WriteStream = process.stderr,
  intervalMs = 2000,
): ProgressReporter {
  if (stream.isTTY) return barProgress(stream);
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < intervalMs && p.step !== p.totalSteps) return;
      last = now;
      const f = fields(p);
      stream.write(
        `step ${p.step}/${p.totalSteps} · epoch ${p.epoch + 1}/${p.epochs} · loss ${f.loss} · ${f.rate} samples/s · ETA ${f.left}\n`,
      );
    },
    log: (line) => stream.write(`${line}\n`),
    stop() {},
  };
}

function barProgress(stream: NodeJS.WriteStream): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'epoch {epochs} [{bar}] {value}/{total} · loss {loss} · {rate} samples/s · ETA {left}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    update(p) {
      const payload = { epochs: `${p.epoch + 1}/${p.epochs}`, ...fields(p) };
      if (running) bar.update(p.step, payload);
      else {
        bar.start(p.totalSteps, p.step, payload);
        running = true;
      }
    },
    log(line) {
      // cli-progress redraws on the current line; stop, print, and let the next update restart it.
      if (running) bar.stop();
      running = false;
      stream.write(`${line}\n`);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
