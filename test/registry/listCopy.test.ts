import { describe, expect, it } from 'vitest';
import { isVeilError } from '../../shared/errors';
import { ListCopy } from '../../shared/registry/listCopy';
import { hex, randomHash } from './support';

describe('ListCopy', () => {
  it('agrees with a Map through random inserts, updates and removals, and keeps slots stable', () => {
    const copy = new ListCopy('reported', 16);
    const model = new Map<string, { slot: number; quality: number | undefined }>();
    let rnd = 12345;
    const next = (n: number) => {
      rnd = (rnd * 1103515245 + 12345) >>> 0;
      return rnd % n;
    };
    for (let step = 0; step < 20_000; step++) {
      const seed = next(3000);
      const kind = 1 + (seed % 2);
      const h = randomHash(seed);
      const key = `${kind}:${hex(h)}`;
      if (next(3) === 0) {
        const slot = copy.remove(kind, h);
        expect(slot).toBe(model.get(key)?.slot ?? -1);
        model.delete(key);
      } else {
        const q = kind === 1 ? 50 + next(50) : undefined;
        const r = copy.upsert(kind, h, 0, q);
        const prev = model.get(key);
        if (prev) expect(r).toEqual({ slot: prev.slot, isNew: false, changed: prev.quality !== q });
        else expect(r.isNew).toBe(true);
        model.set(key, { slot: r.slot, quality: q });
      }
    }
    expect(copy.size).toBe(model.size);
    for (const [key, v] of model) {
      const [kind, h] = key.split(':');
      const bytes = Uint8Array.from(Buffer.from(h, 'hex'));
      expect(copy.find(Number(kind), bytes)).toBe(v.slot);
      expect(copy.qualityAt(v.slot)).toBe(v.quality);
      expect(hex(copy.hashAt(v.slot))).toBe(h);
    }
  });

  it('replaces its content from a snapshot and reports what left', () => {
    const copy = new ListCopy('confirmed');
    for (let i = 0; i < 10; i++) copy.upsert(1, randomHash(i), 0, 80);
    copy.beginReplace();
    for (let i = 5; i < 15; i++) copy.upsert(1, randomHash(i), 0, 80);
    const removed: number[] = [];
    copy.endReplace((s) => removed.push(s));
    expect(removed.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    expect(copy.size).toBe(10);
    for (let i = 0; i < 15; i++) expect(copy.find(1, randomHash(i)) >= 0).toBe(i >= 5);
  });

  it('round-trips through its stored form', () => {
    const copy = new ListCopy('reported');
    for (let i = 0; i < 100; i++) copy.upsert(1 + (i % 2), randomHash(i), 0, i % 2 ? undefined : i % 101);
    copy.seq = 4242;
    copy.lastUpdate = 1_700_000_000_000;
    const back = ListCopy.fromBytes(copy.toBytes(), 'reported');
    expect(back.size).toBe(100);
    expect(back.seq).toBe(4242);
    expect(back.lastUpdate).toBe(1_700_000_000_000);
    for (let i = 0; i < 100; i++) {
      const slot = back.find(1 + (i % 2), randomHash(i));
      expect(back.qualityAt(slot)).toBe(i % 2 ? undefined : i % 101);
    }
  });

  it('keeps its slots, free ones included, through its stored form', () => {
    const copy = new ListCopy('reported');
    for (let i = 0; i < 50; i++) copy.upsert(1, randomHash(i), 0, 80);
    for (const i of [3, 17, 40]) copy.remove(1, randomHash(i));
    const back = ListCopy.fromBytes(copy.toBytes(), 'reported');
    expect(back.size).toBe(47);
    for (let i = 0; i < 50; i++) expect(back.find(1, randomHash(i))).toBe(copy.find(1, randomHash(i)));
    // A free slot is reused, not a new one appended.
    expect(back.upsert(1, randomHash(1000), 0, 80).slot).toBe(3);
  });

  it('scans a stored copy in place: the same entries at the same slots as fromBytes', () => {
    const copy = new ListCopy('confirmed');
    for (let i = 0; i < 30; i++) copy.upsert(1 + (i % 2), randomHash(i), 0, i % 2 ? undefined : 90);
    copy.remove(2, randomHash(5));
    copy.seq = 77;
    const bytes = copy.toBytes();
    const stored = ListCopy.scan(bytes, 'confirmed');
    expect({ seq: stored.seq, count: stored.count }).toEqual({ seq: 77, count: 29 });
    const seen: string[] = [];
    stored.forEach((slot, kind, quality, at) => {
      expect(copy.kindIdAt(slot)).toBe(kind);
      expect(copy.qualityAt(slot)).toBe(quality);
      expect(hex(bytes.subarray(at, at + 32))).toBe(hex(copy.hashAt(slot)));
      seen.push(String(slot));
    });
    expect(seen).toHaveLength(29);
  });

  it('reads a version 1 copy (live records only), its slots being the record numbers', () => {
    const hashes = [0, 1, 2].map((i) => randomHash(i));
    const v1 = new Uint8Array(32 + 34 * 3);
    const view = new DataView(v1.buffer);
    view.setUint32(0, 0x5043_4c56, true);
    v1[4] = 1;
    v1[5] = 1; // reported
    view.setFloat64(8, 9, true);
    view.setUint32(24, 3, true);
    hashes.forEach((h, i) => {
      v1[32 + i * 34] = 1;
      v1[32 + i * 34 + 1] = 70 + i;
      v1.set(h, 32 + i * 34 + 2);
    });
    let c = 0x811c9dc5;
    for (let i = 32; i < v1.length; i++) c = Math.imul(c ^ v1[i], 0x01000193);
    view.setUint32(28, c >>> 0, true);
    const back = ListCopy.fromBytes(v1, 'reported');
    expect(back.seq).toBe(9);
    hashes.forEach((h, i) => {
      expect(back.find(1, h)).toBe(i);
      expect(back.qualityAt(i)).toBe(70 + i);
    });
  });

  it.each([
    ['a flipped bit', (b: Uint8Array) => Object.assign(b.slice(), { 50: b[50] ^ 1 }), 'list/bad-format'],
    ['a truncated copy', (b: Uint8Array) => b.subarray(0, b.length - 1), 'list/bad-format'],
    ['the other list', (b: Uint8Array) => Object.assign(b.slice(), { 5: 2 }), 'list/wrong-list'],
  ])('refuses %s', (_what, damage, code) => {
    const copy = new ListCopy('reported');
    for (let i = 0; i < 5; i++) copy.upsert(1, randomHash(i), 0, 90);
    let err: unknown = null;
    try {
      ListCopy.fromBytes(damage(copy.toBytes()), 'reported');
    } catch (e) {
      err = e;
    }
    expect(isVeilError(err, code as 'list/bad-format')).toBe(true);
  });
});
