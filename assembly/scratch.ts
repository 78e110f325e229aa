// The memory below the arena: a busy-bit word and 32 scratch panels for packing. Every thread on a shared
// memory claims a free panel for the length of one product, so no instance needs memory of its own.

/** Depth of one cache block of a product (see matmul.ts); a panel holds KC × 8 floats. */
export const KC: i32 = 256;

/** Rows of A per block when A is packed too (see matmul.ts): a packed block holds MC × KC floats. */
export const MC: i32 = 64;
/** Bytes of the B panel at the start of a scratch panel; the packed block of A follows it. */
export const B_PANEL_BYTES: usize = <usize>KC * 8 * 4;

/** Byte address of the busy bits (one i32: bit s set while panel s is in use). */
const BUSY: usize = 0;
/** Panels start on page 1: page 0 holds the busy word and the module's static data (< 8 KiB). */
const PANEL_BASE: usize = 65536;
const PANEL_BYTES: usize = B_PANEL_BYTES + <usize>MC * <usize>KC * 4;
const PANELS: i32 = 32;

/** First byte the arena may use: everything below belongs to the kernels (64 KiB + 32 × 72 KiB). */
export function reservedBytes(): usize {
  return PANEL_BASE + <usize>PANELS * PANEL_BYTES;
}

/**
 * Claims a free panel and returns its address, or 0 when all 32 are busy (more threads than
 * panels, or panels leaked by threads terminated mid-call): callers then take the unpacked path.
 */
export function claimPanel(): usize {
  for (let attempt = 0; attempt < PANELS; attempt++) {
    const busy = atomic.load<i32>(BUSY);
    const s = ctz<i32>(~busy);
    if (s >= PANELS) return 0;
    const bit = 1 << s;
    // `or` returns the previous bits: if ours was clear we now own it; if another thread won
    // the race the bit was already set and our `or` changed nothing.
    if ((atomic.or<i32>(BUSY, bit) & bit) === 0) return PANEL_BASE + <usize>s * PANEL_BYTES;
  }
  return 0;
}

/** Returns a panel claimed by `claimPanel`. */
export function releasePanel(panel: usize): void {
  const s = <i32>((panel - PANEL_BASE) / PANEL_BYTES);
  atomic.and<i32>(BUSY, ~(1 << s));
}
