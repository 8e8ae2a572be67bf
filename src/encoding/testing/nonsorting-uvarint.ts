/** Test helper: CockroachDB's `EncodeNonsortingUvarint` (encoding.go), MSB-first 7-bit groups — the twin of `decodeNonsortingUvarint`. */
export function encodeNonsortingUvarint(v: number): Uint8Array {
  const groups: number[] = [];
  do {
    groups.unshift(v % 128);
    v = Math.floor(v / 128);
  } while (v > 0);
  return Uint8Array.from(groups, (g, i) => (i < groups.length - 1 ? g | 0x80 : g));
}
