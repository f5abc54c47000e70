/**
 * Decision 7 of docs/evaluation.md: could hashes below PDQ's quality gate (50) be matched safely?
 * Makes hard negatives from ../shared/corpus (read in place, never copied): every photo fogged,
 * darkened and blurred, the sky of each landscape photo cut out, and smooth synthetic scenes
 * (horizons, vignettes, gradients). Each is hashed as a query (every view, as the matcher searches
 * it) and as a registered photo (photoEntries: PDQ, its mirrored PDQs, and the crop-hash ladder
 * taken WITHOUT the quality gate), and prints as markdown:
 *   (a) plasma-0003 (the photo the gate refuses) and its mild edits against its own listed hashes;
 *   (b) unrelated pairs within 0..31 bits, by the lower quality of the two hashes compared;
 *   (c) rules: the gate; a tighter threshold for quality [Q, 50); a contrast-stretched quality.
 * About 4 minutes on two busy cores. Usage: npx tsx test/eval/lowQuality.ts [--every K]
 * (every K-th photo and synthetic scene, for a quick look; plasma-0003 always).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decodeImage } from '../../node/decode';
import { computeHashesFromRgba, createHashScratch, pdqOfFlips } from '../../shared/hash/compute';
import { cropGridOfRect, cropPdqOfRect, lumaTable, type LumaTable } from '../../shared/hash/cropPdq';
import { cropGradientQuality } from '../../shared/hash/cropDct';
import type { ImageHashes } from '../../shared/hash/types';
import { queryCropViews, registrationCropViews } from '../../shared/image/cropViews';
import { findSmallRotation, unrotate } from '../../shared/image/deskew';
import { findQueryRegions } from '../../shared/image/regions';
import { findContentRect, type ContentRect } from '../../shared/image/trim';
import type { RgbaImage } from '../../shared/image/types';
import { HashIndex, MatchBuffer } from '../../shared/match/mih';
import { photoEntries, photoOfEntry } from '../../shared/match/register';
import { hasCorpus, loadCorpusManifest } from '../support/paths';
import { EDITS, seededRandom } from './edits';
import { SCENES, scene } from './scenes';

const GATE = 50;
const THRESHOLD = 31;
const DISTANCES = [0, 8, 16, 24, THRESHOLD];
/** Contrast stretch: the crop grid's luma range scaled by min(cap, 255 / range) before its quality is taken. */
const CAPS = [2, 6];
const STRETCHED_MIN = [50, 70, 90];
const PLASMA = 'plasma-0003.jpg';

// ---- hard negatives -------------------------------------------------------------------------

type Variant = [name: string, make: (img: RgbaImage) => RgbaImage | Promise<RgbaImage>];

function perChannel(img: RgbaImage, f: (v: number, c: number) => number): RgbaImage {
  const data = new Uint8Array(img.data);
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) data[i + c] = Math.max(0, Math.min(255, Math.round(f(data[i + c], c))));
  return { width: img.width, height: img.height, data };
}
const fog = (colour: number[], a: number) => (img: RgbaImage) => perChannel(img, (v, c) => (1 - a) * v + a * colour[c]);
const dim = (k: number, b: number) => (img: RgbaImage) => perChannel(img, (v) => v * k + b);
const grey = [128, 128, 128];
async function blur(img: RgbaImage, sigma: number): Promise<RgbaImage> {
  const raw = { width: img.width, height: img.height, channels: 4 } as const;
  const { data, info } = await sharp(Buffer.from(img.data), { raw }).blur(Math.max(0.3, sigma)).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}
const top = (frac: number) => (img: RgbaImage) => {
  const height = Math.max(40, Math.round(img.height * frac));
  return { width: img.width, height, data: img.data.slice(0, img.width * height * 4) };
};

const VARIANTS: Variant[] = [
  ['fog-grey-70', fog(grey, 0.7)],
  ['fog-grey-85', fog(grey, 0.85)],
  ['fog-blue-78', fog([150, 165, 185], 0.78)],
  ['fog-white-80', fog([225, 225, 230], 0.8)],
  ['fog-dark-80', fog([30, 34, 40], 0.8)],
  ['dark-15', dim(0.15, 5)],
  ['dark-25', dim(0.25, 10)],
  ['dark-35', dim(0.35, 14)],
  ['blur-1.2%', (i) => blur(i, i.width * 0.012)],
  ['blur-2.5%', (i) => blur(i, i.width * 0.025)],
  ['blur-5%', (i) => blur(i, i.width * 0.05)],
  ['fog60+blur1%', (i) => blur(fog(grey, 0.6)(i), i.width * 0.01)],
  ['dark35+blur1%', (i) => blur(dim(0.35, 14)(i), i.width * 0.01)],
  ['fog50+dark', (i) => dim(0.5, 10)(fog([90, 100, 110], 0.5)(i))],
];
/** Landscape photos only: the sky band alone. */
const SKY_VARIANTS: Variant[] = [
  ['sky-top30', top(0.3)],
  ['sky-top20', top(0.2)],
  ['sky-top30-dark', (i) => dim(0.35, 14)(top(0.3)(i))],
  ['sky-top30-fog', (i) => fog(grey, 0.6)(top(0.3)(i))],
];

// ---- hashing ----------------------------------------------------------------------------------

/** One hash of the query and the variants searched for it (8 dihedral, or 1 for a crop view). */
interface Side {
  variants: Uint8Array[];
  quality: number;
  /** Crop hash only: its quality after the contrast stretch, per CAPS. */
  stretched: number[];
}
interface Item {
  source: string;
  family: string;
  synthetic: boolean;
  pdq: Side[];
  crop: Side[];
  /** Registered side: PDQ and crop-hash entries (photoEntries), the crops' stretched qualities by crop index. */
  entries: ReturnType<typeof photoEntries>;
  entryStretched: number[][];
}

const scratch = createHashScratch();
const GRID = new Float64Array(64 * 64);
const STRETCHED_GRID = new Float64Array(64 * 64);
let qualityMismatches = 0;

/** Quality of the rectangle's grid after stretching its luma range, per CAPS; checks the unstretched one against the hash's. */
function stretchedQualities(table: LumaTable, rect: ContentRect, expected: number): number[] {
  const grid = GRID;
  cropGridOfRect(table, rect, grid);
  if (cropGradientQuality(grid) !== expected) {
    qualityMismatches++;
    return CAPS.map(() => expected);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of grid) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return CAPS.map((cap) => {
    const k = hi > lo ? Math.max(1, Math.min(cap, 255 / (hi - lo))) : 1;
    for (let i = 0; i < grid.length; i++) STRETCHED_GRID[i] = (grid[i] - lo) * k;
    return cropGradientQuality(STRETCHED_GRID);
  });
}

/** The rectangle of each query view in computeHashesFromRgba's order (queryViews); the deskewed view has its own image. */
function viewRects(img: RgbaImage): ContentRect[] {
  const whole = { x: 0, y: 0, width: img.width, height: img.height };
  const frame = findContentRect(img);
  const rects = frame === null ? [] : [frame];
  for (const region of findQueryRegions(img, { trimmed: frame })) rects.push(region.rect);
  for (const area of frame === null ? [whole] : [whole, frame]) {
    for (const view of queryCropViews(area.width, area.height)) rects.push({ ...view.rect, x: view.rect.x + area.x, y: view.rect.y + area.y });
  }
  return rects;
}

function querySides(img: RgbaImage, hashes: ImageHashes): Pick<Item, 'pdq' | 'crop'> {
  const pdq: Side[] = [];
  const crop: Side[] = [];
  const rects = viewRects(img);
  const table = lumaTable(img, scratch.crop);
  const add = (h: ImageHashes, stretched: () => number[]) => {
    if (h.pdq.length > 0) pdq.push({ variants: h.pdqDihedral, quality: h.quality, stretched: [] });
    crop.push({ variants: h.cropHash!.hashes, quality: h.cropHash!.quality, stretched: stretched() });
  };
  add(hashes, () => stretchedQualities(table, { x: 0, y: 0, width: img.width, height: img.height }, hashes.cropHash!.quality));
  (hashes.views ?? []).forEach((view, i) => {
    const q = view.hashes.cropHash!.quality;
    if (view.name !== 'deskewed') return add(view.hashes, () => stretchedQualities(table, rects[i], q));
    const photo = unrotate(img, findSmallRotation(img)!.degrees);
    add(view.hashes, () => stretchedQualities(lumaTable(photo, scratch.crop), { x: 0, y: 0, width: photo.width, height: photo.height }, q));
  });
  return { pdq, crop };
}

/** A query's sides and, with `index`, the entries it would be listed under with no quality gate. */
function describe(img: RgbaImage, source: string, family: string, index: number | null): Item {
  const hashes = computeHashesFromRgba(img, scratch, { views: true });
  const item: Item = { source, family, synthetic: family.startsWith('scene-'), ...querySides(img, hashes), entries: [], entryStretched: [] };
  if (index === null) return item;
  const table = lumaTable(img, scratch.crop);
  const rects = [{ x: 0, y: 0, width: img.width, height: img.height }, ...registrationCropViews(img.width, img.height).map((v) => v.rect)];
  const crops = rects.map((rect) => {
    const { hashes: [hash], quality } = cropPdqOfRect(table, rect, scratch.pdq, false);
    item.entryStretched.push(stretchedQualities(table, rect, quality));
    return { hash, quality };
  });
  item.entries = photoEntries(index, { ...hashes, pdqFlips: pdqOfFlips(img, scratch), crops }, 'confirmed').filter((e) => e.kind !== 'blockhash');
  return item;
}

// ---- pairs ------------------------------------------------------------------------------------

/** Per (query, registered photo): the closest comparison by quality bucket (lower quality / 5; 10 for >= GATE), per kind, then the stretched-rule minima. */
const BUCKETS = 11;
const bucket = (q: number) => (q >= GATE ? 10 : Math.floor(q / 5));
const STRETCH_AT = 2 * BUCKETS;
const RECORD = STRETCH_AT + CAPS.length * STRETCHED_MIN.length;
const NONE = 255;

class Surface {
  private readonly indexes = [new HashIndex({ maxRadius: THRESHOLD }), new HashIndex({ maxRadius: THRESHOLD })];
  private readonly buffer = new MatchBuffer(1024);
  /** Per kind (PDQ, crop hash): each listed entry's quality. */
  private readonly quality = [new Map<number, number>(), new Map<number, number>()];
  private readonly stretched = new Map<number, number[]>();

  constructor(items: Item[]) {
    for (const item of items) {
      let crop = 0; // photoEntries lists the crops in the order they were given
      for (const e of item.entries) {
        const k = e.kind === 'pdq' ? 0 : 1;
        this.indexes[k].add(e.id, e.hash);
        this.quality[k].set(e.id, e.quality!);
        if (k === 1) this.stretched.set(e.id, item.entryStretched[crop++]);
      }
    }
  }

  /** Closest comparisons within THRESHOLD of every registered photo `skip` lets through. */
  search(query: Item, skip: (photo: number) => boolean): Map<number, Uint8Array> {
    const out = new Map<number, Uint8Array>();
    ([query.pdq, query.crop] as const).forEach((sides, k) => {
      for (const side of sides) {
        for (const variant of side.variants) {
          this.indexes[k].query(variant, THRESHOLD, this.buffer);
          for (let i = 0; i < this.buffer.length; i++) {
            const id = this.buffer.ids[i];
            const photo = photoOfEntry(id);
            if (skip(photo)) continue;
            const d = this.buffer.distances[i];
            const lower = Math.min(side.quality, this.quality[k].get(id)!);
            let rec = out.get(photo);
            if (!rec) out.set(photo, (rec = new Uint8Array(RECORD).fill(NONE)));
            const b = k * BUCKETS + bucket(lower);
            rec[b] = Math.min(rec[b], d);
            if (k === 0 || lower >= GATE) continue;
            const listed = this.stretched.get(id)!;
            CAPS.forEach((_, c) => {
              const s = Math.min(side.stretched[c], listed[c]);
              STRETCHED_MIN.forEach((min, m) => {
                const slot = STRETCH_AT + c * STRETCHED_MIN.length + m;
                if (s >= min) rec[slot] = Math.min(rec[slot], d);
              });
            });
          }
        }
      }
    });
    return out;
  }
}

const closest = (rec: Uint8Array, from: number, to: number) => Math.min(NONE, ...rec.subarray(from, to));
/** Either kind within THRESHOLD at quality >= GATE: today's rule. */
const gate = (rec: Uint8Array) => Math.min(rec[10], rec[BUCKETS + 10]) <= THRESHOLD;
/** The nearest comparison whose lower quality is in [q, GATE), either kind. */
const lowBranch = (rec: Uint8Array, q: number) => Math.min(closest(rec, q / 5, 10), closest(rec, BUCKETS + q / 5, BUCKETS + 10));

// ---- main -------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!hasCorpus) {
    console.log('test/eval/lowQuality.ts needs the corpus at ../shared/corpus (beside the checkout); it is not there, so nothing was measured.');
    return;
  }
  const { values } = parseArgs({ options: { every: { type: 'string', default: '1' } } });
  const every = Math.max(1, Number(values.every));
  const started = Date.now();
  const manifest = loadCorpusManifest();
  const items: Item[] = [];
  const push = (img: RgbaImage, source: string, family: string) => items.push(describe(img, source, family, items.length));

  let plasmaPhoto = -1;
  for (const [i, photo] of manifest.entries()) {
    if (i % every !== 0 && photo.file !== PLASMA) continue;
    const img = await decodeImage(await readFile(photo.path));
    if (photo.file === PLASMA) plasmaPhoto = items.length;
    push(img, photo.file, 'original');
    for (const [name, make] of img.width > img.height ? [...VARIANTS, ...SKY_VARIANTS] : VARIANTS) push(await make(img), photo.file, name);
    if (i % 20 === 0) process.stderr.write(`  photo ${i}: ${items.length} images, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
  const photoItems = items.length;
  for (const [kind, count] of SCENES) {
    for (let s = 0; s < count; s += every) push(scene(kind, 1000 * (kind.length + 7) + s), `scene-${kind}-${s}`, `scene-${kind}`);
  }

  // plasma-0003's mild edits, made as test/eval/run.ts makes them.
  const plasmaIndex = manifest.findIndex((p) => p.file === PLASMA);
  const plasma = manifest[plasmaIndex];
  const bytes = await readFile(plasma.path);
  const edits: { name: string; item: Item }[] = [];
  for (const edit of EDITS.filter((e) => e.category === 'mild' || e.category === 'identity')) {
    const random = seededRandom(plasmaIndex * 1000 + EDITS.indexOf(edit));
    const copy = await edit.apply({ bytes, width: plasma.width, height: plasma.height, others: [], random });
    edits.push({ name: edit.name, item: describe(await decodeImage(copy), PLASMA, edit.name, null) });
  }
  const hashedSeconds = (Date.now() - started) / 1000;

  const surface = new Surface(items);
  const editRecords = edits.map((e) => ({ ...e, rec: surface.search(e.item, (p) => p !== plasmaPhoto).get(plasmaPhoto) ?? new Uint8Array(RECORD).fill(NONE) }));
  const mild = editRecords.filter((e) => e.name !== 'original');

  const CLASSES = ['scene x scene', 'scene x photo', 'photo x photo'];
  const classOf = (a: Item, b: Item) => (a.synthetic && b.synthetic ? 0 : a.synthetic || b.synthetic ? 1 : 2);
  const pairs: { cls: number; rec: Uint8Array }[] = [];
  const ordered = [0, 0, 0];
  items.forEach((q, qi) => {
    items.forEach((r, ri) => {
      if (ri !== qi && r.source !== q.source) ordered[classOf(q, r)]++;
    });
    for (const [r, rec] of surface.search(q, (p) => items[p].source === q.source)) pairs.push({ cls: classOf(q, items[r]), rec });
  });
  const byClass = (test: (rec: Uint8Array) => boolean) => CLASSES.map((_, c) => pairs.filter((p) => p.cls === c && test(p.rec)).length).join(' / ');

  const out: string[] = [];
  const scenes = items.length - photoItems;
  out.push('# Low-quality hashes: can they be matched safely? (test/eval/lowQuality.ts, decision 7)', '');
  out.push(
    `${items.length} hard negatives: ${photoItems} from ${new Set(items.slice(0, photoItems).map((i) => i.source)).size} corpus photos (original, fogged, darkened, blurred, sky bands) and ${scenes} synthetic smooth scenes${every > 1 ? ` (every ${every}th photo and scene)` : ''}; ` +
      `${ordered.join(' / ')} ordered unrelated pairs (${CLASSES.join(' / ')}). Query: PDQ (8 variants) and crop hash of the image and every view; registered: PDQ, its 3 mirrored PDQs and the crop ladder without the gate. ` +
      `Hashing ${hashedSeconds.toFixed(0)} s, in all ${((Date.now() - started) / 1000).toFixed(0)} s. Crop qualities recomputed from the grid: ${qualityMismatches} differed from the hash's.`,
    '',
  );

  out.push(`## (a) ${PLASMA}: its mild edits against its own listed hashes`, '');
  const listedPdq = items[plasmaPhoto].pdq[0].quality;
  out.push(`Listed: PDQ quality ${listedPdq}; crop ladder qualities ${items[plasmaPhoto].entries.filter((e) => e.kind === 'pdq-crop').map((e) => e.quality).join(',')}.`, '');
  out.push(`Last column: the highest lower quality (of query and listed hash) among comparisons within ${THRESHOLD} bits; a rule matching quality [Q, ${GATE}) at ${THRESHOLD} bits finds the edit for Q up to there.`, '');
  out.push('| edit | PDQ quality | crop quality | stretched crop quality (cap ' + CAPS.join(' / ') + ') | nearest PDQ (lower quality) | nearest crop (lower quality) | best lower quality within 31 bits |');
  out.push('| --- | --- | --- | --- | --- | --- | --- |');
  const nearest = (rec: Uint8Array, k: number) => {
    const d = closest(rec, k * BUCKETS, (k + 1) * BUCKETS);
    if (d === NONE) return `> ${THRESHOLD}`;
    const b = rec.subarray(k * BUCKETS, (k + 1) * BUCKETS).indexOf(d);
    return `${d} (${b === 10 ? `>= ${GATE}` : `${b * 5}-${b * 5 + 4}`})`;
  };
  for (const { name, item, rec } of editRecords) {
    let best = -1;
    for (let b = 0; b < BUCKETS; b++) if (Math.min(rec[b], rec[BUCKETS + b]) <= THRESHOLD) best = b;
    out.push(`| ${name} | ${item.pdq[0].quality} | ${item.crop[0].quality} | ${item.crop[0].stretched.join(' / ')} | ${nearest(rec, 0)} | ${nearest(rec, 1)} | ${best < 0 ? '-' : best === 10 ? `>= ${GATE}` : `${best * 5}-${best * 5 + 4}`} |`);
  }
  out.push('');

  const BINS = [0, 10, 20, 30, 40, GATE];
  out.push(`## (b) Unrelated pairs within 0/8/16/24/31 bits, by the lower quality of the comparison (${CLASSES.join(' / ')})`, '');
  out.push('A pair (query image, registered image) counts in every row where one of its comparisons (any view, variant or listed hash) falls.', '');
  for (const [k, kind] of ['PDQ', 'crop hash'].entries()) {
    out.push(`### ${kind}`, '', '| lower quality | ' + DISTANCES.map((d) => `<= ${d}`).join(' | ') + ' |', '| --- |' + DISTANCES.map(() => ' --- |').join(''));
    BINS.forEach((lo, i) => {
      const hi = BINS[i + 1];
      const from = k * BUCKETS + bucket(lo);
      const to = hi === undefined ? (k + 1) * BUCKETS : k * BUCKETS + bucket(hi);
      out.push(`| ${hi === undefined ? `>= ${lo}` : `${lo}-${hi - 1}`} | ${DISTANCES.map((d) => byClass((rec) => closest(rec, from, to) <= d)).join(' | ')} |`);
    });
    out.push('');
  }

  const found = (test: (rec: Uint8Array) => boolean) => `${mild.filter((e) => test(e.rec)).length}/${mild.length}`;
  out.push(`## (c) Rules: ${PLASMA}'s mild edits found; unrelated pairs admitted (${CLASSES.join(' / ')})`, '');
  out.push('Cells: edits found; unrelated pairs admitted. The new branch is what the rule adds to the gate.', '');
  out.push(`Today's gate (quality >= ${GATE}, ${THRESHOLD} bits): ${found(gate)} found; ${byClass(gate)} admitted.`, '');
  out.push(`### Also matching quality [Q, ${GATE}) within T bits`, '');
  out.push('| Q | nearest unrelated pair in the new branch | ' + DISTANCES.map((t) => `T = ${t}`).join(' | ') + ' |', '| --- | --- |' + DISTANCES.map(() => ' --- |').join(''));
  for (const q of [0, 10, 15, 20, 25]) {
    const nearestPair = pairs.reduce((best, p) => Math.min(best, lowBranch(p.rec, q)), NONE);
    const cells = DISTANCES.map((t) => {
      const rule = (rec: Uint8Array) => gate(rec) || lowBranch(rec, q) <= t;
      return `${found(rule)}; ${byClass(rule)}`;
    });
    out.push(`| ${q} | ${nearestPair === NONE ? `> ${THRESHOLD}` : nearestPair} | ${cells.join(' | ')} |`);
  }
  out.push('', `### Also matching a crop hash of quality < ${GATE} whose stretched quality (both sides) is >= S, within T bits`, '');
  out.push('| cap, S | nearest unrelated pair in the new branch | ' + DISTANCES.map((t) => `T = ${t}`).join(' | ') + ' |', '| --- | --- |' + DISTANCES.map(() => ' --- |').join(''));
  CAPS.forEach((cap, c) => {
    STRETCHED_MIN.forEach((min, m) => {
      const slot = STRETCH_AT + c * STRETCHED_MIN.length + m;
      const nearestPair = pairs.reduce((best, p) => Math.min(best, p.rec[slot]), NONE);
      out.push(`| ${cap}, ${min} | ${nearestPair === NONE ? `> ${THRESHOLD}` : nearestPair} | ${DISTANCES.map((t) => `${found((rec) => gate(rec) || rec[slot] <= t)}; ${byClass((rec) => gate(rec) || rec[slot] <= t)}`).join(' | ')} |`);
    });
  });
  out.push('');
  console.log(out.join('\n'));
  process.stderr.write(`done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

await main();
