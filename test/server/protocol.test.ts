// The protocol's schemas and decoders (src/protocol), as the server and the page use them.

import { describe, expect, it } from 'vitest';
import { connectPath, MAX_CLIENT_MESSAGE_BYTES } from '../../src/protocol/client-messages.js';
import { decodeClientMessage, decodeServerMessage } from '../../src/protocol/parse.js';

const columns = { step: [1], epoch: [0], loss: [0.5], lr: [null], samplesPerSecond: [10], elapsedMs: [1] };
const frame = (runs: unknown[]) => JSON.stringify({ v: 1, type: 'frame', seq: 1, time: 0, runs });

describe('decodeServerMessage', () => {
  it('accepts a frame with columnar steps', () => {
    const decoded = decodeServerMessage(frame([{ runId: 'r', steps: columns }]));
    expect(decoded).toEqual({ ok: true, message: expect.objectContaining({ type: 'frame', seq: 1 }) });
  });

  it.each([
    { name: 'columns of unequal length', runs: [{ runId: 'r', steps: { ...columns, loss: [] } }] },
    {
      name: 'a histogram with too few edges',
      runs: [{ runId: 'r', histograms: [{ step: 1, layer: 'a', kind: 'weights', edges: [0], counts: [1] }] }],
    },
    {
      name: 'a surface whose values are not nx × ny',
      runs: [{ runId: 'r', surface: { name: 'f', x: [0, 1], y: [0, 1], nx: 2, ny: 2, values: [1] } }],
    },
    { name: 'an empty run id', runs: [{ runId: '' }] },
  ])('refuses $name', ({ runs }) => {
    expect(decodeServerMessage(frame(runs)).ok).toBe(false);
  });

  it('refuses another protocol version', () => {
    expect(decodeServerMessage(JSON.stringify({ v: 2, type: 'frame', seq: 1, time: 0, runs: [] })).ok).toBe(
      false,
    );
  });
});

describe('decodeClientMessage', () => {
  it('accepts control and resync messages', () => {
    const control = '{"v":1,"type":"control","runId":"r","action":"setLearningRate","lr":null}';
    expect(decodeClientMessage(control, control.length).ok).toBe(true);
    expect(decodeClientMessage('{"v":1,"type":"resync"}', 23).ok).toBe(true);
  });

  it('refuses a message over the size limit before parsing it', () => {
    expect(decodeClientMessage('{', MAX_CLIENT_MESSAGE_BYTES + 1)).toEqual({
      ok: false,
      error: expect.stringMatching(/exceeds/),
    });
  });

  it('names the offending field', () => {
    const bad = '{"v":1,"type":"control","runId":"r","action":"explode"}';
    expect(decodeClientMessage(bad, bad.length)).toEqual({
      ok: false,
      error: expect.stringMatching(/^action:/),
    });
  });
});

describe('connectPath', () => {
  it('adds the token, and the session with since only together', () => {
    expect(connectPath({})).toBe('/ws');
    expect(connectPath({ token: 'a b', session: 's' })).toBe('/ws?token=a+b');
    expect(connectPath({ session: 's', since: 4 })).toBe('/ws?session=s&since=4');
  });
});
