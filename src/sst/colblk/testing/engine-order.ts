/** Test-only engine-key ordering (docs/formats.md §4.7), independent of `sst/comparer.ts`. @internal */

/** Splits an engine key into roach key and version; throws if the sentinel is missing. */
export function splitEngineKey(k: Uint8Array): { roach: Uint8Array; version: Uint8Array } {
  const last = k[k.length - 1]!;
  const sentinel = last === 0 ? k.length - 1 : k.length - 1 - last;
  if (!(sentinel >= 0 && k[sentinel] === 0)) throw new Error(`key ${Buffer.from(k).toString('hex')} lacks the 0x00 sentinel`);
  return { roach: k.subarray(0, sentinel), version: last === 0 ? k.subarray(0, 0) : k.subarray(sentinel + 1, k.length - 1) };
}

/** Roach key ascending; unversioned first; then versions newest (bytewise largest) first. */
export function compareEngine(a: Uint8Array, b: Uint8Array): number {
  const x = splitEngineKey(a);
  const y = splitEngineKey(b);
  const c = Buffer.compare(x.roach, y.roach);
  if (c !== 0) return c;
  if (x.version.length === 0 || y.version.length === 0) return x.version.length - y.version.length;
  return -Buffer.compare(x.version, y.version);
}
