// Runs one case of a reference MLP file (mlp-gradients.torch.json: classification, or
// mlp-regression.torch.json: `loss_kind` mse with `targets` and `outputs`) through the project's
// network and reports the largest relative error of the loss, the outputs and every gradient.

import { GradstreamError } from '../errors.js';
import { mlp } from '../nn/mlp.js';
import { Network } from '../nn/network.js';
import { entryViews } from '../tensor/layout.js';
import { OPTIMIZER_TOLERANCE as REFERENCE_TOLERANCE, relativeError } from './optimizer-case.js';

/** One case of the reference format: a small MLP, its inputs, and PyTorch's loss and gradients. */
export interface MlpCase {
  readonly name: string;
  readonly sizes: readonly number[];
  readonly activation: 'relu' | 'sigmoid';
  readonly batchNorm: boolean;
  readonly weightDecay: number;
  readonly bnEps?: number;
  readonly x: readonly (readonly number[])[];
  /** Classification: the class of each row. */
  readonly labels?: readonly number[];
  /** `mse` for a regression case (then `targets` replace `labels`, `outputs` are the network's). */
  readonly loss_kind?: 'mse' | 'cross_entropy';
  readonly targets?: readonly (readonly number[])[];
  readonly outputs?: readonly (readonly number[])[];
  readonly loss: number;
  readonly logits?: readonly (readonly number[])[];
  readonly W: readonly (readonly (readonly number[])[])[];
  readonly b: readonly (readonly number[])[];
  readonly dW: readonly (readonly (readonly number[])[])[];
  readonly db: readonly (readonly number[])[];
  readonly gamma?: readonly (readonly number[])[];
  readonly beta?: readonly (readonly number[])[];
  readonly dgamma?: readonly (readonly number[])[];
  readonly dbeta?: readonly (readonly number[])[];
}

/** The outcome of one reference case. */
export interface CaseResult {
  readonly name: string;
  /** Largest error over all compared numbers, as defined by `relativeError`. */
  readonly maxRelErr: number;
  /** Which quantity had the largest error, e.g. `dW[1]`. */
  readonly worst: string;
  readonly pass: boolean;
}

function flat(values: readonly (readonly number[])[] | readonly number[]): number[] {
  return (values as unknown[]).flat(2) as number[];
}

function fail(where: string, what: string): never {
  throw new GradstreamError('ERR_DATA_FORMAT', `reference case ${where}: ${what}`);
}

/** Checks a case's shape and returns it typed; throws naming the case and the field. */
export function checkMlpCase(value: unknown, index: number): MlpCase {
  const c = value as Partial<MlpCase>;
  const where = typeof c?.name === 'string' ? JSON.stringify(c.name) : `#${index}`;
  if (typeof c !== 'object' || c === null) fail(where, 'is not an object');
  const regression = c.loss_kind === 'mse';
  if (c.loss_kind !== undefined && c.loss_kind !== 'mse' && c.loss_kind !== 'cross_entropy')
    fail(where, `loss_kind must be mse or cross_entropy, got ${JSON.stringify(c.loss_kind)}`);
  for (const field of ['sizes', 'x', regression ? 'targets' : 'labels', 'W', 'b', 'dW', 'db'] as const) {
    if (!Array.isArray(c[field])) fail(where, `field ${field} must be an array`);
  }
  if (typeof c.loss !== 'number') fail(where, 'field loss must be a number');
  if (c.activation !== 'relu' && c.activation !== 'sigmoid')
    fail(where, `activation must be relu or sigmoid`);
  if (c.batchNorm && !(c.gamma && c.beta && c.dgamma && c.dbeta)) {
    fail(where, 'batchNorm cases need gamma, beta, dgamma and dbeta');
  }
  return c as MlpCase;
}

/** Runs one case in float32 and compares with the reference (float64). */
export function runMlpCase(c: MlpCase, tolerance = REFERENCE_TOLERANCE): CaseResult {
  const spec = mlp({
    sizes: c.sizes,
    activation: c.activation,
    init: 'he',
    batchNorm: c.batchNorm ? { momentum: 0.1, eps: c.bnEps ?? 1e-5 } : false,
    weightDecay: c.weightDecay,
    loss: c.loss_kind === 'mse' ? 'mse' : 'cross-entropy',
  });
  const n = c.x.length;
  const net = Network.create(spec, { capacity: n });
  const params = entryViews(net.layout, net.params);
  const hidden = c.sizes.length - 2;
  for (let l = 1; l < c.sizes.length; l++) {
    params[`layer${l}.W`].set(flat(c.W[l - 1]));
    params[`layer${l}.b`].set(c.b[l - 1]);
    if (c.batchNorm && l <= hidden) {
      params[`bn${l}.gamma`].set(c.gamma![l - 1]);
      params[`bn${l}.beta`].set(c.beta![l - 1]);
    }
  }
  net.input.set(flat(c.x));
  if (c.loss_kind === 'mse') net.targets.set(flat(c.targets!));
  else net.labels.set(c.labels!);
  const loss = net.lossAndGradient(n);
  const grads = entryViews(net.layout, net.grads);
  let maxRelErr = relativeError(loss, c.loss);
  let worst = 'loss';
  const compare = (label: string, actual: Float32Array, expected: number[]): void => {
    for (let i = 0; i < expected.length; i++) {
      const err = relativeError(actual[i], expected[i]);
      if (err > maxRelErr || Number.isNaN(err)) {
        maxRelErr = err;
        worst = label;
      }
    }
  };
  const outputs = c.outputs ?? c.logits;
  if (outputs) compare(c.outputs ? 'outputs' : 'logits', net.logits, flat(outputs));
  for (let l = 1; l < c.sizes.length; l++) {
    compare(`dW[${l - 1}]`, grads[`layer${l}.W`], flat(c.dW[l - 1]));
    compare(`db[${l - 1}]`, grads[`layer${l}.b`], flat(c.db[l - 1]));
    if (c.batchNorm && l <= hidden) {
      compare(`dgamma[${l - 1}]`, grads[`bn${l}.gamma`], flat(c.dgamma![l - 1]));
      compare(`dbeta[${l - 1}]`, grads[`bn${l}.beta`], flat(c.dbeta![l - 1]));
    }
  }
  return { name: c.name, maxRelErr, worst, pass: maxRelErr <= tolerance };
}
