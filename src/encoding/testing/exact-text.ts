/**
 * Test helpers for exact text: a seeded random UTF-8 string generator (no property-testing
 * library is installed) and `checkedRaw`, which asserts every string datum's `raw` bytes are the
 * UTF-8 of its value and strips them, so expected datums can be written without them.
 */
import assert from 'node:assert/strict';
import type { Datum } from '../datum.js';

/** mulberry32: a small deterministic PRNG; the same seed gives the same cases on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Code points that tend to be normalised or mishandled, mixed with random ones. */
const TRICKY = [
  0xfeff, 0xfffd, 0x0301, 0x0308, 0x00e9, 0x0065, 0x1f600, 0x10ffff, 0x10000, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x20, 0x09, 0x0a, 0x0d,
  0x5c, 0x22, 0x2c, 0x7b, 0x7d, 0x28, 0x29, 0x27, 0x200b, 0x00a0, 0x1e9e,
];

/**
 * A random NUL-free string of `len` code points: BOMs (often leading), astral-plane characters,
 * combining marks, COPY/array/record metacharacters, whitespace, and any other scalar value
 * (no lone surrogates: they have no UTF-8 form).
 */
export function randomText(rand: () => number, len: number): string {
  let s = rand() < 0.3 ? '\ufeff' : '';
  for (let i = s.length; i < len; i++) {
    const r = rand();
    let cp: number;
    if (r < 0.35) cp = TRICKY[Math.floor(rand() * TRICKY.length)]!;
    else if (r < 0.6) cp = 0x21 + Math.floor(rand() * 0x5e);
    else if (r < 0.8) cp = 1 + Math.floor(rand() * 0xd7ff);
    else if (r < 0.9) cp = 0xe000 + Math.floor(rand() * 0x2000);
    else cp = 0x10000 + Math.floor(rand() * 0x100000);
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** `d` with every string datum's `raw` checked (UTF-8 of the value) and removed. */
export function checkedRaw(d: Datum): Datum {
  if (d === null) return d;
  if (d.kind === 'string') {
    const { raw, ...rest } = d;
    assert.ok(raw instanceof Uint8Array, 'string datum keeps its stored bytes');
    if (!d.invalidUtf8) assert.deepEqual(Buffer.from(raw), Buffer.from(d.value, 'utf8'), 'raw bytes are the UTF-8 of the value');
    return rest;
  }
  if (d.kind === 'array' || d.kind === 'tuple') return { ...d, elements: d.elements.map(checkedRaw) };
  return d;
}
