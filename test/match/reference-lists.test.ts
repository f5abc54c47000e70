import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { hexToBytes } from '../../shared/hex';
import { hashToWords } from '../../shared/match/hamming';
import { HashIndex, linearScan, MatchBuffer } from '../../shared/match/mih';
import { itIfAvailable } from '../support/env';
import { PDQ_DIR } from '../support/paths';

/**
 * The hash lists of the PDQ reference's own matching tests (../shared/pdq/haystack.txt and
 * needles.txt): real PDQs, many of them edited copies of each other, so the index is checked
 * on the distance structure of real photos as well as on random data.
 */
const haystackPath = join(PDQ_DIR, 'haystack.txt');
const needlesPath = join(PDQ_DIR, 'needles.txt');
const available = existsSync(haystackPath) && existsSync(needlesPath);

function readHashes(path: string): Uint8Array[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => hexToBytes(line.split(/[\s,]/)[0]));
}

describe('HashIndex on the PDQ reference matching lists', () => {
  itIfAvailable(available, 'the PDQ reference hash lists (../shared/pdq)')('finds what a linear scan finds, for every needle and haystack entry', () => {
    const haystack = readHashes(haystackPath);
    const needles = readHashes(needlesPath);
    expect(haystack.length).toBeGreaterThan(1000);
    const index = new HashIndex({ tailLimit: 0 });
    const store = new Uint32Array(haystack.length * 8);
    const ids = new Uint32Array(haystack.length);
    haystack.forEach((h, i) => {
      index.add(i, h);
      hashToWords(h, store, i * 8);
      ids[i] = i;
    });
    const got = new MatchBuffer();
    const want = new MatchBuffer();
    let pairs = 0;
    for (const radius of [10, 31, 48]) {
      for (const q of [...needles, ...haystack]) {
        index.query(q, radius, got);
        linearScan(store, ids, haystack.length, q, radius, want);
        expect(got.toArray()).toEqual(want.toArray());
        pairs += want.length;
      }
    }
    // Real near-duplicates: far more pairs within the radii than the queries themselves.
    expect(pairs).toBeGreaterThan(3 * haystack.length);
  });
});
