// Plain-JS matrix products, blocked so the inner loop streams contiguous rows (i-k-j order)
// and four rows of the output share each loaded row of b.

/** c[m×n] = a[m×k] · b[k×n]. */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  c.fill(0, 0, m * n);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = i * n;
    const c1 = c0 + n;
    const c2 = c1 + n;
    const c3 = c2 + n;
    for (let p = 0; p < k; p++) {
      const a0 = a[i * k + p];
      const a1 = a[(i + 1) * k + p];
      const a2 = a[(i + 2) * k + p];
      const a3 = a[(i + 3) * k + p];
      const bRow = p * n;
      for (let j = 0; j < n; j++) {
        const bv = b[bRow + j];
        c[c0 + j] += a0 * bv;
        c[c1 + j] += a1 * bv;
        c[c2 + j] += a2 * bv;
        c[c3 + j] += a3 * bv;
      }
    }
  }
  for (; i < m; i++) {
    const cRow = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      const bRow = p * n;
      for (let j = 0; j < n; j++) c[cRow + j] += av * b[bRow + j];
    }
  }
}

/** c[m×n] = aᵀ · b, with a stored k×m: a sum of k outer products of a's and b's rows. */
export function matmulTransA(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  c.fill(0, 0, m * n);
  for (let p = 0; p < k; p++) {
    const aRow = p * m;
    const bRow = p * n;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const a0 = a[aRow + i];
      const a1 = a[aRow + i + 1];
      const a2 = a[aRow + i + 2];
      const a3 = a[aRow + i + 3];
      const c0 = i * n;
      const c1 = c0 + n;
      const c2 = c1 + n;
      const c3 = c2 + n;
      for (let j = 0; j < n; j++) {
        const bv = b[bRow + j];
        c[c0 + j] += a0 * bv;
        c[c1 + j] += a1 * bv;
        c[c2 + j] += a2 * bv;
        c[c3 + j] += a3 * bv;
      }
    }
    for (; i < m; i++) {
      const av = a[aRow + i];
      const cRow = i * n;
      for (let j = 0; j < n; j++) c[cRow + j] += av * b[bRow + j];
    }
  }
}

/** c[m×n] = a · bᵀ, with b stored n×k: dot products of contiguous rows. */
export function matmulTransB(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const aRow = i * k;
    for (let j = 0; j < n; j++) {
      const bRow = j * k;
      // Four partial sums break the dependency chain of one accumulator.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        s0 += a[aRow + p] * b[bRow + p];
        s1 += a[aRow + p + 1] * b[bRow + p + 1];
        s2 += a[aRow + p + 2] * b[bRow + p + 2];
        s3 += a[aRow + p + 3] * b[bRow + p + 3];
      }
      for (; p < k; p++) s0 += a[aRow + p] * b[bRow + p];
      c[i * n + j] = s0 + s1 + (s2 + s3);
    }
  }
}

/** c[m×n] = a[m×k] · b[k×n], skipping a's zeros: c[i, :] = Σ over nonzero a[i, p] of a[i, p]·b[p, :]. */
export function matmulSparseA(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  c.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const cRow = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      if (av === 0) continue;
      const bRow = p * n;
      for (let j = 0; j < n; j++) c[cRow + j] += av * b[bRow + j];
    }
  }
}

/** c[m×n] = aᵀ · b with a stored k×m, skipping a's zeros: row i of a adds a[i, p]·b[i, :] to c[p, :]. */
export function matmulTransASparseA(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  c.fill(0, 0, m * n);
  for (let i = 0; i < k; i++) {
    const bRow = i * n;
    for (let p = 0; p < m; p++) {
      const av = a[i * m + p];
      if (av === 0) continue;
      const cRow = p * n;
      for (let j = 0; j < n; j++) c[cRow + j] += av * b[bRow + j];
    }
  }
}
