// Binds the wasm module's fused optimizer steps (assembly/optim.ts) to `OptimizerKernels`: each view
// becomes its byteOffset in the module's memory, and views outside that memory are refused, never copied.

import type { OptimizerKernels } from '../optimizer-kernels.js';
import { viewPointer } from './bind.js';

/** The raw optimizer exports of assembly/index.ts: pointers are byte offsets, n counts floats. */
export interface OptimizerKernelExports {
  sgdStep(p: number, g: number, n: number, nlr: number, wd: number, gs: number): void;
  momentumStep(
    p: number,
    g: number,
    v: number,
    n: number,
    nlr: number,
    mu: number,
    wd: number,
    gs: number,
    nesterov: number,
  ): void;
  adagradStep(p: number, g: number, h: number, n: number, nlr: number, eps: number, gs: number): void;
  rmspropStep(
    p: number,
    g: number,
    nu: number,
    n: number,
    nlr: number,
    alpha: number,
    rest: number,
    eps: number,
    gs: number,
  ): void;
  adamStep(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    step: number,
    epsHat: number,
    nlrwd: number,
    gs: number,
  ): void;
}

/**
 * `OptimizerKernels` over `exports`, whose module runs on `memory`. Every call checks, in O(1),
 * that each view lies in the memory and is as long as `p`: a short slot would make the module
 * overrun into its neighbours in the arena. Scalars are computed here in double, once per call.
 */
export function bindOptimizerKernels(
  exports: OptimizerKernelExports,
  memory: WebAssembly.Memory,
  name: string,
): OptimizerKernels {
  const ptr = viewPointer(memory);
  // Call sites name themselves in errors; the names are built here, once, not per call.
  const [sgd, momentum, nesterov, adagrad, rmsprop, adam] = [
    'sgdStep',
    'momentumStep',
    'nesterovStep',
    'adagradStep',
    'rmspropStep',
    'adamStep',
  ].map((op) => `${name}.${op}`);
  const momentumOf = (where: string, flag: number): OptimizerKernels['momentumStep'] => {
    return (p, g, v, lr, mu, wd, gs) => {
      const n = p.length;
      const at = ptr(where, 'p', p, n);
      exports.momentumStep(at, ptr(where, 'g', g, n), ptr(where, 'v', v, n), n, -lr, mu, wd, gs, flag);
    };
  };
  return {
    name,
    sgdStep(p, g, lr, wd, gs) {
      const n = p.length;
      exports.sgdStep(ptr(sgd, 'p', p, n), ptr(sgd, 'g', g, n), n, -lr, wd, gs);
    },
    momentumStep: momentumOf(momentum, 0),
    nesterovStep: momentumOf(nesterov, 1),
    adagradStep(p, g, h, lr, eps, gs) {
      const n = p.length;
      exports.adagradStep(
        ptr(adagrad, 'p', p, n),
        ptr(adagrad, 'g', g, n),
        ptr(adagrad, 'h', h, n),
        n,
        -lr,
        eps,
        gs,
      );
    },
    rmspropStep(p, g, nu, lr, alpha, eps, gs) {
      const n = p.length;
      const at = ptr(rmsprop, 'p', p, n);
      exports.rmspropStep(
        at,
        ptr(rmsprop, 'g', g, n),
        ptr(rmsprop, 'nu', nu, n),
        n,
        -lr,
        alpha,
        1 - alpha,
        eps,
        gs,
      );
    },
    adamStep(p, g, m, v, lr, b1, b2, eps, t, wd, gs) {
      const n = p.length;
      const pp = ptr(adam, 'p', p, n);
      const gp = ptr(adam, 'g', g, n);
      const mp = ptr(adam, 'm', m, n);
      const vp = ptr(adam, 'v', v, n);
      // The bias corrections fold into two scalars (assembly/optim-adaptive.ts): no division per element.
      const root = Math.sqrt(1 - b2 ** t);
      const step = (-lr * root) / (1 - b1 ** t);
      exports.adamStep(pp, gp, mp, vp, n, b1, 1 - b1, b2, 1 - b2, step, eps * root, -lr * wd, gs);
    },
  };
}
