import { StorageError } from '../util/errors.js';
import type { RangeReader } from './range-reader.js';

/**
 * Read-ahead over objects that will be read one after the other (the data files of one run of a
 * backup layer, in key order). On object storage every request costs a round trip (tens of ms), so
 * reading a file's blocks one request at a time leaves the decoder waiting most of the time. Here
 * the next objects (whole, or in `chunkBytes` pieces when larger) are fetched in parallel, up to
 * `maxInFlight` requests, while earlier ones are consumed. Memory is bounded: bytes fetched and not
 * yet consumed never exceed the window, which starts small (a short scan, e.g. finding one row,
 * fetches little) and doubles each time the consumer reaches a new piece, up to `budgetBytes`.
 */
export interface ReadAheadOptions {
  /** Most bytes held (in flight or fetched and not yet consumed): the memory bound. */
  readonly budgetBytes: number;
  /** Objects larger than this are fetched in ranged pieces of this size. */
  readonly chunkBytes: number;
  /** Most requests in flight at once (the storage's own limiter also applies). */
  readonly maxInFlight: number;
  /** The window the read-ahead starts with (default 64 KiB). */
  readonly initialBytes?: number;
}

/** One object to read, in read order. */
export interface PlannedObject {
  readonly reader: RangeReader;
  /** Exact size when known (the backup manifest's `backing_file_size`); else asked from the reader. */
  readonly size?: number;
}

/** Counters for tests and the benchmark. */
export interface ReadAheadStats {
  /** Ranged reads issued by the read-ahead. */
  requests: number;
  /** Reads served from fetched pieces. */
  servedReads: number;
  /** Reads that went to the storage directly (outside the fetched pieces). */
  directReads: number;
  /** Most bytes held at once. */
  maxHeldBytes: number;
  /** Most requests in flight at once. */
  maxInFlight: number;
}

interface Piece {
  readonly start: number;
  readonly end: number;
  /** Set when the piece is requested. */
  bytes?: Promise<Uint8Array>;
  served: boolean;
  released: boolean;
}

interface Slot {
  readonly obj: PlannedObject;
  size?: Promise<number>;
  knownSize?: number;
  /** Pieces in the order they are fetched (an SST is opened at its end, then scanned from the start). */
  pieces?: Piece[];
  /** Index in `pieces` of the next piece to request. */
  next: number;
  closed: boolean;
}

const DEFAULT_INITIAL = 64 * 1024;

/** An object of `size` bytes in the pieces a read-ahead fetches, in fetch order: the last one first (an SST's footer), then from the start. */
function piecesOf(size: number, chunkBytes: number): Array<readonly [number, number]> {
  const pieces: Array<readonly [number, number]> = [];
  for (let a = 0; a < size; a += chunkBytes) pieces.push([a, Math.min(size, a + chunkBytes)]);
  if (pieces.length > 1) pieces.unshift(pieces.pop()!);
  return pieces;
}

/**
 * What a scan over objects of these sizes (one run of an SST chain, in read order) asks for first,
 * as ranges to fetch before it starts: the first object's last piece (an SST is opened at its
 * footer), then the objects from their start up to the read-ahead's starting window. Ranges end at
 * multiples of `chunkBytes` or at object ends, so the read-ahead's own pieces fall inside them
 * however its window has grown by then.
 */
export function openingRanges(
  sizes: readonly number[],
  opts: ReadAheadOptions,
): Array<{ readonly object: number; readonly start: number; readonly end: number }> {
  const window = Math.min(opts.budgetBytes, opts.initialBytes ?? DEFAULT_INITIAL);
  const c = opts.chunkBytes;
  const out: Array<{ object: number; start: number; end: number }> = [];
  let taken = 0;
  for (const [object, size] of sizes.entries()) {
    if (taken >= window) break;
    if (size <= 0) continue;
    let headEnd = size;
    const tailStart = Math.floor((size - 1) / c) * c; // where the object's last piece starts
    if (out.length === 0 && tailStart > 0) {
      out.push({ object, start: tailStart, end: size });
      taken += size - tailStart;
      headEnd = tailStart;
    }
    // At least the first data piece, even when the footer piece took the whole window.
    headEnd = Math.min(headEnd, Math.max(c, Math.ceil((window - taken) / c) * c));
    out.push({ object, start: 0, end: headEnd });
    taken += headEnd;
  }
  return out;
}

export class ReadAhead {
  readonly stats: ReadAheadStats = { requests: 0, servedReads: 0, directReads: 0, maxHeldBytes: 0, maxInFlight: 0 };
  private readonly slots: Slot[];
  private window: number;
  private held = 0;
  private inFlight = 0;
  /** First slot whose pieces are not all requested. */
  private frontier = 0;
  private closed = false;

  constructor(
    objects: readonly PlannedObject[],
    private readonly opts: ReadAheadOptions,
  ) {
    if (!(opts.budgetBytes > 0 && opts.chunkBytes > 0 && opts.maxInFlight > 0)) {
      throw new RangeError(`read-ahead needs positive sizes, got ${JSON.stringify(opts)}`);
    }
    this.slots = objects.map((obj) => ({ obj, next: 0, closed: false, ...(obj.size !== undefined ? { knownSize: obj.size } : {}) }));
    this.window = Math.min(opts.budgetBytes, opts.initialBytes ?? DEFAULT_INITIAL);
  }

  /** The reader of object `i`: reads inside fetched pieces are served from memory, the rest go to the storage. */
  reader(i: number): RangeReader {
    const slot = this.slots[i];
    if (!slot) throw new RangeError(`no planned object ${i}`);
    const under = slot.obj.reader;
    this.pump();
    return {
      name: under.name,
      size: () => this.sizeOf(slot),
      read: (start, end) => this.read(slot, start, end),
      close: async () => {
        this.closeSlot(slot);
        await under.close?.();
      },
    };
  }

  /** Drops everything fetched; requests in flight finish unobserved. */
  close(): void {
    this.closed = true;
    for (const s of this.slots) this.closeSlot(s);
  }

  private sizeOf(slot: Slot): Promise<number> {
    if (slot.knownSize !== undefined) return Promise.resolve(slot.knownSize);
    if (!slot.size) {
      slot.size = slot.obj.reader.size();
      slot.size.then(
        (n) => {
          slot.knownSize = n;
          this.pump();
        },
        () => {
          slot.size = undefined; // asked again (and the error reported) by the consumer's own call
        },
      );
    }
    return slot.size;
  }

  private async read(slot: Slot, start: number, end: number): Promise<Uint8Array> {
    if (slot.closed) throw new StorageError(`${slot.obj.reader.name}: read after close`);
    const size = await this.sizeOf(slot);
    if (start < 0 || end > size || start > end) {
      throw new StorageError(`read [${start}, ${end}) is outside ${slot.obj.reader.name} (${size} bytes); the file is truncated`);
    }
    this.plan(slot);
    const pieces = slot.pieces!;
    // The consumer moved on: pieces of this object that it read past are not needed again.
    for (const p of pieces) if (p.served && p.end <= start) this.release(p);
    // Pieces partition the object, so the overlapping ones cover [start, end) unless one was dropped.
    const covering = pieces.filter((p) => p.start < end && p.end > start).sort((a, b) => a.start - b.start);
    if (start === end || covering.some((p) => p.released)) {
      this.stats.directReads++;
      return slot.obj.reader.read(start, end);
    }
    for (const p of covering) {
      if (!p.bytes) this.request(slot, p); // asked for before the read-ahead got there
      if (!p.served) {
        p.served = true;
        // The consumer keeps up: allow twice as much ahead (at least two pieces of this size).
        this.window = Math.min(this.opts.budgetBytes, Math.max(this.window, p.end - p.start) * 2);
      }
    }
    this.pump();
    const parts = await Promise.all(covering.map((p) => p.bytes!));
    this.stats.servedReads++;
    if (parts.length === 1) return parts[0]!.subarray(start - covering[0]!.start, end - covering[0]!.start);
    const out = new Uint8Array(end - start);
    covering.forEach((p, k) => {
      const a = Math.max(start, p.start);
      const b = Math.min(end, p.end);
      out.set(parts[k]!.subarray(a - p.start, b - p.start), a - start);
    });
    return out;
  }

  private request(slot: Slot, p: Piece): void {
    const len = p.end - p.start;
    this.held += len;
    this.inFlight++;
    this.stats.requests++;
    this.stats.maxHeldBytes = Math.max(this.stats.maxHeldBytes, this.held);
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.inFlight);
    const bytes = slot.obj.reader.read(p.start, p.end);
    p.bytes = bytes;
    // A failure is reported to the consumer that reads the piece; one that is never read is dropped.
    bytes
      .catch(() => undefined)
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }

  private plan(slot: Slot): void {
    if (slot.pieces || slot.knownSize === undefined) return;
    slot.pieces = piecesOf(slot.knownSize, this.opts.chunkBytes).map(([start, end]) => ({ start, end, served: false, released: false }));
  }

  private release(p: Piece): void {
    if (p.released) return;
    p.released = true;
    if (p.bytes) {
      this.held -= p.end - p.start;
      p.bytes = undefined;
    }
  }

  private closeSlot(slot: Slot): void {
    slot.closed = true;
    for (const p of slot.pieces ?? []) this.release(p);
    this.pump();
  }

  /** Requests pieces in object order while the window, the budget and the in-flight limit allow. */
  private pump(): void {
    if (this.closed) return;
    // Sizes of the next objects are asked ahead too, so that objects without a known size do not
    // cost one round trip each before their bytes can be requested.
    let asked = 0;
    while (this.frontier < this.slots.length && this.inFlight < this.opts.maxInFlight) {
      const slot = this.slots[this.frontier]!;
      if (slot.closed) {
        this.frontier++;
        continue;
      }
      if (slot.knownSize === undefined) {
        if (!slot.size) this.sizeOf(slot);
        for (let j = this.frontier + 1; j < this.slots.length && asked < this.opts.maxInFlight; j++, asked++) {
          const s = this.slots[j]!;
          if (s.knownSize === undefined && !s.size) this.sizeOf(s);
        }
        return; // pumped again when the size arrives
      }
      this.plan(slot);
      const p = slot.pieces![slot.next];
      if (!p) {
        this.frontier++;
        continue;
      }
      const len = p.end - p.start;
      // At least one piece is always allowed, so that a piece larger than the window still streams.
      if (this.held > 0 && this.held + len > this.window) return;
      slot.next++;
      if (p.released || p.bytes) continue;
      this.request(slot, p);
    }
  }
}
