/** A binary min-heap ordered by `less`: the heads of sorted streams being merged live here. */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  /** The smallest item (undefined when empty). */
  peek(): T | undefined {
    return this.items[0];
  }

  /** The second smallest item (undefined with fewer than two): a child of the top. */
  peekSecond(): T | undefined {
    const h = this.items;
    if (h.length < 3) return h[1];
    return this.less(h[2]!, h[1]!) ? h[2] : h[1];
  }

  push(x: T): void {
    const h = this.items;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** Restores the order after the top item grew (its stream moved on). */
  topChanged(): void {
    const h = this.items;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }

  /** Removes the top item (its stream ended). */
  pop(): void {
    const last = this.items.pop();
    if (last !== undefined && this.items.length > 0) {
      this.items[0] = last;
      this.topChanged();
    }
  }
}
