// Fuzzes what the dashboard server does with a client's frame. Two levels:
// - the protocol's parser (`decodeClientMessage`): arbitrary text, arbitrary JSON values and
//   mutations of every valid message kind give a decoded message that re-validates, or a typed refusal;
//   it never throws;
// - the server's handler (`handleClientMessage`) on a real `ws` WebSocket whose socket is an in-memory
//   stream, read back by ws's own client-side parser: arbitrary bytes (text or binary frames) and
//   mutated valid messages (with the right token, a wrong one, none) give a 1008 close, a `refused`
//   answer, a snapshot request or the control action, never an exception (one would be uncaught in
//   the server and take the process, and its training run, down); a control action happens only with
//   the right token, and every answer is a valid server message.

import { Duplex, type Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, * as wsModule from 'ws';
import { createController } from '../../src/pipeline/controller.js';
import { CONTROL_ACTIONS, clientMessageSchema } from '../../src/protocol/client-messages.js';
import { decodeClientMessage, decodeServerMessage } from '../../src/protocol/parse.js';
import { type ClientContext, handleClientMessage } from '../../src/server/client-handler.js';
import { LiveRun } from '../../src/server/live-run.js';
import { requestUrl } from '../../src/server/routes.js';
import { fuzzParameters } from './fuzz-runs.js';

const TOKEN = 'k3T9vQ_fuzz-token-0123456789';
const stackTraceLimit = Error.stackTraceLimit;
beforeAll(() => {
  Error.stackTraceLimit = 0;
});
afterAll(() => {
  Error.stackTraceLimit = stackTraceLimit;
});

// --- generators -----------------------------------------------------------------------------------

/** Text of any code points (lone surrogates too), up to 300 of them: keys, values, whole frames. */
const anyText = fc.string({ unit: 'binary', maxLength: 300 });
/** Numbers at the edges: huge, tiny, subnormal, negative, zero, integers past 2^53. */
const edgeNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 1e308, -1e308, 1e-320, 5e-324, 2 ** 53 + 2, -(2 ** 31), 1e3, 1001, 2 ** -126),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const tokenValue = fc.oneof(
  { arbitrary: fc.constant(TOKEN), weight: 6 },
  fc.constant(undefined),
  fc.constant(`${TOKEN}x`),
  fc.constant(TOKEN.slice(1)),
  anyText,
);

/** Every valid message kind, with a token that is right, wrong or missing. */
const validMessage = fc.oneof(
  fc.record({ v: fc.constant(1), type: fc.constant('resync') }),
  fc
    .record({
      action: fc.constantFrom(...CONTROL_ACTIONS),
      runId: fc.constantFrom('r', 'other'),
      lr: fc.oneof(fc.constant(null), fc.constant(0.01), edgeNumber),
      token: tokenValue,
    })
    .map(({ action, runId, lr, token }) => ({
      v: 1,
      type: 'control',
      runId,
      action,
      ...(action === 'setLearningRate' ? { lr } : {}),
      ...(token === undefined ? {} : { token }),
    })),
);

/** A value-level mutation of a message: a field dropped, replaced (edge numbers, any JSON) or added. */
const mutatedValue = fc
  .tuple(
    validMessage,
    fc.oneof(
      fc.record({ op: fc.constant('drop' as const), key: fc.nat() }),
      fc.record({
        op: fc.constant('replace' as const),
        key: fc.nat(),
        value: fc.oneof(edgeNumber, fc.jsonValue(), anyText),
      }),
      fc.record({ op: fc.constant('add' as const), name: anyText, value: fc.jsonValue({ maxDepth: 3 }) }),
    ),
  )
  .map(([message, m]) => {
    const out: Record<string, unknown> = { ...message };
    const keys = Object.keys(out);
    if (m.op === 'drop') delete out[keys[m.key % keys.length]];
    else if (m.op === 'replace') out[keys[m.key % keys.length]] = m.value;
    else out[m.name] = m.value;
    return JSON.stringify(out);
  });

/** A byte-level mutation of a message's UTF-8 text: bit flips, a truncation, a splice. */
const mutatedBytes = fc
  .tuple(
    validMessage.map((m) => Buffer.from(JSON.stringify(m))),
    fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
        fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
        fc.record({
          op: fc.constant('splice' as const),
          at: fc.nat(),
          remove: fc.nat({ max: 8 }),
          insert: fc.uint8Array({ maxLength: 40 }),
        }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([bytes, mutations]) => {
    let b = bytes;
    for (const m of mutations) {
      const at = b.length === 0 ? 0 : m.at % b.length;
      if (m.op === 'flip' && b.length > 0) {
        b = Buffer.from(b);
        b[at] ^= 1 << m.bit;
      } else if (m.op === 'truncate') b = b.subarray(0, at);
      else if (m.op === 'splice') b = Buffer.concat([b.subarray(0, at), m.insert, b.subarray(at + m.remove)]);
    }
    return b;
  });

/** Frames as a client may send them: text of any of the kinds above, or arbitrary bytes. */
const frame = fc.oneof(
  { arbitrary: anyText.map((t) => Buffer.from(t)), weight: 1 },
  { arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')), weight: 1 },
  { arbitrary: mutatedValue.map((t) => Buffer.from(t)), weight: 3 },
  { arbitrary: mutatedBytes, weight: 2 },
  { arbitrary: validMessage.map((m) => Buffer.from(JSON.stringify(m))), weight: 3 },
  { arbitrary: fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)), weight: 1 },
  // Long keys of multi-byte characters: error messages that quote them must still fit a close frame.
  {
    arbitrary: fc
      .tuple(fc.string({ unit: 'grapheme', minLength: 40, maxLength: 120 }), fc.nat({ max: 3 }))
      .map(([key, pad]) =>
        Buffer.from(JSON.stringify({ v: 1, type: 'resync', [`${'x'.repeat(pad)}${key}`]: 1 })),
      ),
    weight: 1,
  },
);

// --- the parser -----------------------------------------------------------------------------------

/** A plain assertion: `expect` per case was a third of a case's time. */
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`expected ${what}`);
}

/** The parser's contract for one text: a message that re-validates, or a typed refusal; no throw. */
function parsesOrRefuses(text: string, bytes: number): boolean {
  const decoded = decodeClientMessage(text, bytes);
  if (decoded.ok) {
    const again = clientMessageSchema.safeParse(JSON.parse(JSON.stringify(decoded.message)));
    check(again.success, 'a decoded message re-validates');
  } else {
    check(typeof decoded.error === 'string' && decoded.error.length <= 8192, 'a short refusal');
  }
  return true;
}

describe('decodeClientMessage (fuzz)', () => {
  it('takes arbitrary text, with any byte count, and only decodes or refuses', () => {
    fc.assert(
      fc.property(anyText, fc.oneof(fc.nat({ max: 5000 }), fc.integer()), (text, bytes) =>
        parsesOrRefuses(text, bytes),
      ),
      fuzzParameters(),
    );
  });

  it('takes arbitrary JSON values and only decodes or refuses', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value) ?? 'null';
        return parsesOrRefuses(text, Buffer.byteLength(text));
      }),
      fuzzParameters(),
    );
  });

  it('takes mutations of every valid message kind and only decodes or refuses', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          mutatedValue.map((t) => Buffer.from(t)),
          mutatedBytes,
        ),
        (bytes) => parsesOrRefuses(bytes.toString('utf8'), bytes.length),
      ),
      fuzzParameters(),
    );
  });
});

// --- the server's handler -------------------------------------------------------------------------

/** ws's client-side frame parser (exported at run time, not in @types/ws). */
const Receiver = (wsModule as unknown as { Receiver: new (o: { isServer: boolean }) => Writable }).Receiver;

interface Peer {
  readonly ws: WebSocket;
  /** What the server side sent, as the client would read it. */
  readonly messages: string[];
  close: { code: number; reason: string } | undefined;
  readonly errors: unknown[];
}

/** A real server-side ws WebSocket on an in-memory stream, its output parsed by ws's client parser. */
function peer(): Peer {
  const receiver = new Receiver({ isServer: false });
  // As ws's own server makes its sockets: (null, undefined, options).
  const ServerSide = WebSocket as unknown as new (a: null, p: undefined, o: object) => WebSocket;
  const p: Peer = {
    ws: new ServerSide(null, undefined, { autoPong: true }),
    messages: [],
    close: undefined,
    errors: [],
  };
  receiver.on('message', (data: Buffer) => p.messages.push(data.toString()));
  receiver.on('conclude', (code: number, reason: Buffer) => {
    p.close = { code, reason: reason.toString() };
  });
  receiver.on('error', (e: unknown) => p.errors.push(e));
  const stream = new Duplex({
    read() {},
    write(chunk, _encoding, done) {
      receiver.write(chunk);
      done();
    },
  });
  const setSocket = (p.ws as unknown as { setSocket(s: Duplex, head: Buffer, o: object): void }).setSocket;
  setSocket.call(p.ws, stream, Buffer.alloc(0), { maxPayload: 64 * 1024, allowSynchronousEvents: true });
  return p;
}

/** True in about `p` of the cases (p in tenths; constantFrom draws its values evenly). */
const sometimes = (p: number) =>
  fc.constantFrom(...Array.from({ length: 10 }, (_, i) => i < Math.round(p * 10)));

/** How often each outcome came up, so the run shows it reached every branch. */
const seen = { close: 0, unauthorised: 0, invalid: 0, unavailable: 0, resync: 0, steered: 0 };

/** Runs one frame through the handler; checks what came out. */
function handles(bytes: Buffer, isBinary: boolean, control: boolean): boolean {
  const controller = createController();
  const runs = new Map([['r', new LiveRun('r', controller, control)]]);
  let snapshots = 0;
  const ctx: ClientContext = {
    control,
    token: TOKEN,
    runs,
    requestSnapshot: () => {
      snapshots++;
    },
    budgetBytes: 1 << 20,
  };
  const p = peer();
  try {
    handleClientMessage(p.ws, bytes, isBinary, ctx);
    check(p.errors.length === 0, 'the frames sent parse as WebSocket frames');
    for (const m of p.messages) check(decodeServerMessage(m).ok, `a valid server message: ${m}`);
    const state = controller.state;
    const steered = state.paused || state.stopped || state.lrOverride !== undefined;
    if (steered) {
      // Only a well-formed control message with the right token steers, and only when control is on.
      const sent = JSON.parse(bytes.toString('utf8')) as { token?: unknown; type?: unknown };
      check(
        control && !isBinary && sent.type === 'control' && sent.token === TOKEN,
        'steered with the token',
      );
    }
    if (p.close) check(p.close.code === 1008, `closed with 1008, not ${p.close.code}`);
    // Each frame has exactly one outcome: closed, answered, snapshot queued, or steered.
    const outcomes = [p.close !== undefined, p.messages.length > 0, snapshots > 0, steered];
    check(outcomes.filter(Boolean).length <= 1, `one outcome, not ${outcomes}`);
    if (p.close) seen.close++;
    if (snapshots > 0) seen.resync++;
    if (steered) seen.steered++;
    for (const m of p.messages) {
      const reason = (JSON.parse(m) as { reason?: keyof typeof seen }).reason;
      if (reason) seen[reason]++;
    }
  } finally {
    p.ws.terminate();
  }
  return true;
}

describe('handleClientMessage (fuzz)', () => {
  it('answers any frame with a close, a refusal, a snapshot or the control, never an exception', () => {
    fc.assert(
      fc.property(frame, sometimes(0.1), sometimes(0.8), (bytes, isBinary, control) =>
        handles(bytes, isBinary, control),
      ),
      fuzzParameters(),
    );
    // Every branch was reached (the counts are printed for a look at the mix).
    console.log(`handleClientMessage outcomes: ${JSON.stringify(seen)}`);
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
  });
});

describe('requestUrl (fuzz)', () => {
  // The HTTP parser hands any request target through (`GET //[`); `new URL` threw on such, uncaught.
  const target = fc.oneof(
    anyText,
    anyText.map((t) => `/${t}`),
    anyText.map((t) => `//${t}`),
    fc.constantFrom('//', '//[', '//a b', '//:99999', '/ws?token=%', '*', 'http://', '/ws?since=-1'),
  );
  it('reads any request target as a URL or undefined, never an exception', () => {
    fc.assert(
      fc.property(target, (t) => {
        const url = requestUrl(t);
        check(url === undefined || typeof url.pathname === 'string', 'a URL or undefined');
        return true;
      }),
      fuzzParameters(),
    );
  });
});
