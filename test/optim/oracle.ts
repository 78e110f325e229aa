// Naive reference optimizers on number[] in double precision, transcribed from torch.optim's
// _single_tensor_* loops (SGD, Adagrad, RMSprop, Adam, AdamW) independently of src/optim.

/** Hyperparameters in the reference-file format (camelCase, torch names). */
export interface OracleConfig {
  readonly name: 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam' | 'adamw';
  readonly momentum?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly alpha?: number;
  readonly weightDecay?: number;
  /** Max global gradient norm (torch.nn.utils.clip_grad_norm_ before the step). */
  readonly clip?: number;
}

/** One optimizer with its own state; `step` mutates `p` given the gradient and this step's lr. */
export interface Oracle {
  step(p: number[], grad: readonly number[], lr: number): void;
}

/** Builds the naive reference optimizer for `c`. */
export function oracle(c: OracleConfig): Oracle {
  let t = 0;
  let buf: number[] | undefined; // momentum buffer, created from the first gradient as torch does
  let a: number[] = []; // first moment / square sums
  let b: number[] = []; // second moment
  return {
    step(p, grad, lr) {
      t += 1;
      let g = [...grad];
      if (c.clip !== undefined) {
        const norm = Math.sqrt(g.reduce((s, x) => s + x * x, 0));
        const coef = Math.min(1, c.clip / (norm + 1e-6));
        g = g.map((x) => x * coef);
      }
      if (t === 1) {
        a = p.map(() => 0);
        b = p.map(() => 0);
      }
      const wd = c.weightDecay ?? 0;
      switch (c.name) {
        case 'sgd':
        case 'momentum':
        case 'nesterov': {
          const d = g.map((x, i) => x + wd * p[i]);
          const mu = c.name === 'sgd' ? 0 : (c.momentum ?? 0.9);
          if (c.name === 'sgd') {
            for (let i = 0; i < p.length; i++) p[i] -= lr * d[i];
            break;
          }
          buf = buf === undefined ? [...d] : buf.map((v, i) => mu * v + d[i]);
          const m = buf;
          const dir = c.name === 'nesterov' ? d.map((x, i) => x + mu * m[i]) : m;
          for (let i = 0; i < p.length; i++) p[i] -= lr * dir[i];
          break;
        }
        case 'adagrad': {
          const eps = c.eps ?? 1e-10;
          for (let i = 0; i < p.length; i++) {
            a[i] += g[i] * g[i];
            p[i] -= (lr * g[i]) / (Math.sqrt(a[i]) + eps);
          }
          break;
        }
        case 'rmsprop': {
          const alpha = c.alpha ?? 0.99;
          const eps = c.eps ?? 1e-8;
          for (let i = 0; i < p.length; i++) {
            a[i] = alpha * a[i] + (1 - alpha) * g[i] * g[i];
            p[i] -= (lr * g[i]) / (Math.sqrt(a[i]) + eps);
          }
          break;
        }
        case 'adam':
        case 'adamw': {
          const b1 = c.beta1 ?? 0.9;
          const b2 = c.beta2 ?? 0.999;
          const eps = c.eps ?? 1e-8;
          if (c.name === 'adamw') {
            const decay = c.weightDecay ?? 0.01;
            for (let i = 0; i < p.length; i++) p[i] *= 1 - lr * decay;
          }
          const stepSize = lr / (1 - b1 ** t);
          const bc2Sqrt = Math.sqrt(1 - b2 ** t);
          for (let i = 0; i < p.length; i++) {
            a[i] = b1 * a[i] + (1 - b1) * g[i];
            b[i] = b2 * b[i] + (1 - b2) * g[i] * g[i];
            p[i] -= (stepSize * a[i]) / (Math.sqrt(b[i]) / bc2Sqrt + eps);
          }
          break;
        }
      }
    },
  };
}
