import type { InternalKV, KeyBounds } from '../sst/types.js';
import type { UserKeyCompare } from '../sst/comparer.js';

/**
 * WAL entries replayed into a sorted in-memory table (pebble `memTable`): WALs are bounded by the
 * memtable size, so holding them is fine. Order: user key ascending, sequence number descending.
 */
export class Memtable {
  private readonly kvs: InternalKV[] = [];
  private sorted = true;

  constructor(private readonly cmp: UserKeyCompare) {}

  get size(): number {
    return this.kvs.length;
  }

  add(kv: InternalKV): void {
    this.kvs.push(kv);
    this.sorted = false;
  }

  private ensureSorted(): void {
    if (this.sorted) return;
    const cmp = this.cmp;
    this.kvs.sort((a, b) => cmp(a.userKey, b.userKey) || (a.seqNum > b.seqNum ? -1 : a.seqNum < b.seqNum ? 1 : 0));
    this.sorted = true;
  }

  private lowerBound(key: Uint8Array): number {
    let lo = 0;
    let hi = this.kvs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cmp(this.kvs[mid]!.userKey, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** `entries` in arrays of up to `size` (never empty). */
  async *entryBatches(bounds: KeyBounds = {}, size = 1024): AsyncGenerator<InternalKV[]> {
    this.ensureSorted();
    let i = bounds.start ? this.lowerBound(bounds.start) : 0;
    let n = this.kvs.length;
    if (bounds.end) {
      const end = bounds.end;
      let j = i;
      while (j < n && this.cmp(this.kvs[j]!.userKey, end) < 0) j++;
      n = j;
    }
    while (i < n) {
      const j = Math.min(n, i + size);
      yield this.kvs.slice(i, j);
      i = j;
    }
  }

  /**
   * The entries inside bounds as pieces of about `chunkBytes` (key + value lengths), each named by
   * its last user key: size estimates and split points without a scan. Deterministic.
   */
  pieces(bounds: KeyBounds = {}, chunkBytes = 32 << 10): Array<{ key: Uint8Array; bytes: number }> {
    this.ensureSorted();
    const out: Array<{ key: Uint8Array; bytes: number }> = [];
    let bytes = 0;
    let last: Uint8Array | undefined;
    for (let i = bounds.start ? this.lowerBound(bounds.start) : 0; i < this.kvs.length; i++) {
      const kv = this.kvs[i]!;
      if (bounds.end && this.cmp(kv.userKey, bounds.end) >= 0) break;
      bytes += kv.userKey.length + kv.value.length;
      last = kv.userKey;
      if (bytes >= chunkBytes) {
        out.push({ key: last, bytes });
        bytes = 0;
      }
    }
    if (bytes > 0 && last !== undefined) out.push({ key: last, bytes });
    return out;
  }

  async *entries(bounds: KeyBounds = {}): AsyncGenerator<InternalKV> {
    this.ensureSorted();
    const startAt = bounds.start ? this.lowerBound(bounds.start) : 0;
    for (let i = startAt; i < this.kvs.length; i++) {
      const kv = this.kvs[i]!;
      if (bounds.end && this.cmp(kv.userKey, bounds.end) >= 0) return;
      yield kv;
    }
  }
}
