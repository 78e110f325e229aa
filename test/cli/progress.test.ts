// The terminal's progress: the ETA with its units, on the plain lines and on the live bar (where
// cli-progress would put its own bare seconds in an `{eta}` field), and the lines for pause, resume
// and learning-rate changes.

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { controlLine, createProgress, formatEta, type ProgressUpdate } from '../../src/cli/progress.js';

/** A stream that records what is written; a TTY (for the bar) or not. */
function recorder(isTTY: boolean) {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  Object.assign(stream, { isTTY, columns: 160 });
  return {
    stream: stream as unknown as NodeJS.WriteStream,
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the bar's escape sequences
    text: () => text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, ''),
  };
}

/** Step 100 of 1,100 at 10 steps/s: 100 s left. */
const update: ProgressUpdate = {
  step: 100,
  totalSteps: 1100,
  epoch: 0,
  epochs: 2,
  loss: 0.5,
  samplesPerSecond: 1000,
  stepsPerSecond: 10,
};

describe('formatEta', () => {
  it.each([
    [0, '0 s'],
    [12.4, '12 s'],
    [59.4, '59 s'],
    [65, '1m 05s'],
    [3599, '59m 59s'],
    [3600 + 125, '1h 02m'],
    [Number.POSITIVE_INFINITY, '?'],
    [Number.NaN, '?'],
    [-1, '?'],
  ])('%s s → %s', (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });
});

describe('createProgress', () => {
  it('plain lines off a terminal carry the ETA with units', () => {
    const out = recorder(false);
    const progress = createProgress(out.stream, 0);
    progress.update(update);
    progress.stop();
    expect(out.text()).toContain('step 100/1100 · epoch 1/2 · loss 0.5000 · 1,000 samples/s · ETA 1m 40s\n');
  });

  it('the bar on a terminal carries the ETA with units, not cli-progress’s bare seconds', () => {
    const out = recorder(true);
    const progress = createProgress(out.stream);
    progress.update(update);
    progress.stop();
    expect(out.text()).toMatch(/100\/1100 · loss 0\.5000 · 1,000 samples\/s · ETA 1m 40s/);
  });
});

describe('controlLine', () => {
  it('says what changed at which step', () => {
    expect(controlLine({ type: 'paused', step: 120 })).toBe('step 120: paused');
    expect(controlLine({ type: 'resumed', step: 125 })).toBe('step 125: resumed');
    expect(controlLine({ type: 'lr', step: 130, lr: 0.003 })).toBe('step 130: learning rate set to 0.003');
    expect(controlLine({ type: 'lr', step: 140, lr: undefined })).toBe(
      'step 140: learning rate back to the schedule',
    );
  });
});
