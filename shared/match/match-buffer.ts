/** One hit of an index query. */
export interface IndexMatch {
  id: number;
  distance: number;
}

/**
 * Query results without an object per hit: parallel typed arrays, reused from query to query.
 * Hits [0, length) are sorted by distance, then id, once a query returns. The arrays grow by
 * doubling when a query finds more hits than they hold (a rare allocation, never a steady one).
 */
export class MatchBuffer {
  ids: Uint32Array;
  distances: Uint16Array;
  length = 0;
  /** Sort keys for results too long for insertion sort (distance * 2^32 + id, exact in a double). */
  private keys: Float64Array | null = null;

  constructor(capacity = 64) {
    const c = Math.max(1, capacity | 0);
    this.ids = new Uint32Array(c);
    this.distances = new Uint16Array(c);
  }

  clear(): void {
    this.length = 0;
  }

  push(id: number, distance: number): void {
    if (this.length === this.ids.length) this.grow();
    this.ids[this.length] = id;
    this.distances[this.length] = distance;
    this.length++;
  }

  /** Orders hits by (distance, id): the order both the index and the linear scan promise. */
  sort(): void {
    const n = this.length;
    const ids = this.ids;
    const ds = this.distances;
    if (n <= 48) {
      for (let i = 1; i < n; i++) {
        const id = ids[i];
        const d = ds[i];
        let j = i - 1;
        while (j >= 0 && (ds[j] > d || (ds[j] === d && ids[j] > id))) {
          ids[j + 1] = ids[j];
          ds[j + 1] = ds[j];
          j--;
        }
        ids[j + 1] = id;
        ds[j + 1] = d;
      }
      return;
    }
    if (this.keys === null || this.keys.length < n) this.keys = new Float64Array(this.ids.length);
    const keys = this.keys;
    for (let i = 0; i < n; i++) keys[i] = ds[i] * 4294967296 + ids[i];
    const sorted = keys.subarray(0, n).sort();
    for (let i = 0; i < n; i++) {
      const k = sorted[i];
      const d = Math.floor(k / 4294967296);
      ds[i] = d;
      ids[i] = k - d * 4294967296;
    }
  }

  /** The hits as objects, for callers off the hot path (tests, CLI). */
  toArray(): IndexMatch[] {
    const out: IndexMatch[] = [];
    for (let i = 0; i < this.length; i++) out.push({ id: this.ids[i], distance: this.distances[i] });
    return out;
  }

  private grow(): void {
    const ids = new Uint32Array(this.ids.length * 2);
    ids.set(this.ids);
    const ds = new Uint16Array(this.ids.length * 2);
    ds.set(this.distances);
    this.ids = ids;
    this.distances = ds;
  }
}
