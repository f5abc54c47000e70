/**
 * `npm run eval`: how well Veil finds edited copies of registered photos, and whether it ever
 * matches a photo that was not registered. Uses the real photographs in ../shared/corpus
 * (read in place, never copied) and the edit generator in ./edits.ts.
 *
 * Half the originals are registered (alternating within each person/scene group, so different
 * photos of one person sit on both sides: the hard negatives). Every edit of every photo is
 * queried with the default match policy: a registered photo's edit must find its own original;
 * anything else that matches is a false match. Distances of edited copies to their originals
 * and of every query to every other original are kept to choose thresholds from measurements.
 *
 * Then images no one registered are queried too, so any match is false: smooth synthetic scenes
 * (scenes.ts: the skies, vignettes and ramps whose hashes unrelated images share most easily) and
 * web graphics with no photo in them (graphics.ts: banners, app screens, logos).
 *
 * Options: --limit N (first N photos, for a quick look; leaves the scenes out), --edits a,b,c (only these edits).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { hashImage } from '../../node/hashFile';
import { Matcher } from '../../shared/match/matcher';
import { DEFAULT_MATCH_POLICY, MAX_THRESHOLD, withPolicy } from '../../shared/match/policy';
import { hammingDistance } from '../../shared/match/hamming';
import { computeHashesFromRgba, createHashScratch } from '../../shared/hash/compute';
import type { ImageHashes } from '../../shared/hash/types';
import { checkHashUsable } from '../../shared/hash/gates';
import { photoEntries, photoOfEntry } from '../../shared/match/register';
import { hasCorpus, loadCorpusManifest, type CorpusPhoto } from '../support/paths';
import { EDITS, seededRandom, type Edit } from './edits';
import { GRAPHICS, graphic } from './graphics';
import { SCENES, scene } from './scenes';

interface Photo extends CorpusPhoto {
  index: number;
  registered: boolean;
  bytes: Buffer;
  hashes: ImageHashes;
}

interface QueryOutcome {
  photo: Photo;
  edit: Edit;
  /** null when the edit itself could not be made or hashed. */
  hashes: ImageHashes | null;
  matchedIndex: number | null;
  /** The match without blockhash (NO_BLOCKHASH_POLICY). */
  matchedIndexNoBlockhash: number | null;
  matchKind: string | null;
  matchDistance: number | null;
  /** The closest entry of another registered photo, per kind, at any distance up to MAX_THRESHOLD (every view and variant). */
  nearestOther: Partial<Record<string, number>>;
}

/**
 * Blockhash off: what a client matching a published list gets today. Blockhash counts only when
 * the same photo's PDQ corroborates it, and list files do not say which entries are one photo's,
 * so the extension, the bot and /v1/match never count a blockhash hit (photoEntries does link them).
 */
const NO_BLOCKHASH_POLICY = withPolicy({ blockhash: { enabled: false } });

/** Every threshold at its maximum: to see how close the nearest wrong entry came. */
const WIDE_POLICY = withPolicy({ pdq: { threshold: MAX_THRESHOLD }, pdqCrop: { threshold: MAX_THRESHOLD }, blockhash: { threshold: MAX_THRESHOLD } });

/** The closest of the query's 8 DCT variants to any PDQ listed for the original (as is, and mirrored). */
function pdqMinDistance(query: ImageHashes, original: ImageHashes): number {
  let best = 256;
  for (const listed of [original.pdq, ...(original.pdqFlips ?? [])]) {
    for (const variant of query.pdqDihedral) best = Math.min(best, hammingDistance(variant, listed));
  }
  return best;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Registration split: alternate within each group and among ungrouped photos, in file order. */
function chooseRegistered(photos: CorpusPhoto[]): Set<string> {
  const registered = new Set<string>();
  const seen = new Map<string, number>();
  for (const p of [...photos].sort((a, b) => a.file.localeCompare(b.file))) {
    const key = p.group ?? '(none)';
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n % 2 === 0) registered.add(p.file);
  }
  return registered;
}

async function mapPool<T, R>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { limit: { type: 'string' }, edits: { type: 'string' } } });
  if (!hasCorpus) {
    console.error('npm run eval needs the corpus at ../shared/corpus (beside the checkout); it is not there.');
    process.exit(2);
  }
  const started = Date.now();
  let manifest = loadCorpusManifest();
  if (values.limit) manifest = manifest.slice(0, Number(values.limit));
  const edits = values.edits ? EDITS.filter((e) => values.edits!.split(',').includes(e.name)) : EDITS;
  const registeredFiles = chooseRegistered(manifest);

  process.stderr.write(`hashing ${manifest.length} originals...\n`);
  const photos: Photo[] = await mapPool(manifest, 2, async (p, index) => {
    const bytes = await readFile(p.path);
    return { ...p, index, registered: registeredFiles.has(p.file), bytes, hashes: await hashImage(bytes, { registration: true }) };
  });

  const matcher = new Matcher();
  let refusedOriginals = 0;
  for (const p of photos.filter((x) => x.registered)) {
    for (const e of photoEntries(p.index, p.hashes, 'confirmed')) {
      if (checkHashUsable(e.kind, e.hash, e.quality).usable) matcher.add(e);
      else refusedOriginals++;
    }
  }
  const entriesPerPhoto = matcher.size / Math.max(1, photos.filter((x) => x.registered).length);

  process.stderr.write(`querying ${photos.length} photos x ${edits.length} edits...\n`);
  const outcomes: QueryOutcome[] = [];
  let done = 0;
  await mapPool(photos, 2, async (photo) => {
    const others = photos.filter((o) => o !== photo && (o.group === null || o.group !== photo.group) && !o.registered);
    const rnd = seededRandom(photo.index * 7919 + 17);
    const pick = [0, 1, 2].map(() => others[Math.floor(rnd() * others.length)].bytes);
    for (const edit of edits) {
      // Seeded by the edit's place in EDITS, so a run of a few edits (--edits) makes the same copies as a full run.
      const random = seededRandom(photo.index * 1000 + EDITS.indexOf(edit));
      let hashes: ImageHashes | null = null;
      try {
        hashes = await hashImage(await edit.apply({ bytes: photo.bytes, width: photo.width, height: photo.height, others: pick, random }));
      } catch (err) {
        process.stderr.write(`  ${photo.file} ${edit.name}: ${(err as Error).message}\n`);
      }
      const match = hashes ? matcher.match(hashes) : null;
      const nearestOther: Partial<Record<string, number>> = {};
      for (const m of hashes ? matcher.matchAll(hashes, WIDE_POLICY) : []) {
        if (photoOfEntry(m.entry.id) === photo.index) continue;
        nearestOther[m.kind] = Math.min(nearestOther[m.kind] ?? 256, m.distance);
      }
      outcomes.push({
        nearestOther,
        photo,
        edit,
        hashes,
        matchedIndex: match ? photoOfEntry(match.entry.id) : null,
        matchedIndexNoBlockhash: (() => {
          const m = hashes ? matcher.match(hashes, NO_BLOCKHASH_POLICY) : null;
          return m ? photoOfEntry(m.entry.id) : null;
        })(),
        matchKind: match ? match.kind : null,
        matchDistance: match ? match.distance : null,
      });
    }
    done++;
    if (done % 10 === 0) process.stderr.write(`  ${done}/${photos.length} photos\n`);
  });

  const negatives = values.limit ? null : await queryNegatives(matcher);
  printReport(photos, edits, outcomes, refusedOriginals, entriesPerPhoto, Date.now() - started);
  if (negatives) printNegatives(negatives);
}

/** What one family of never-registered images met among the registered photos' entries. */
interface NegativeOutcome {
  family: string;
  queries: number;
  /** Images whose PDQ passes the quality gate (the others are matched through their views and crop hashes only, if at all). */
  pdqUsable: number;
  matched: string[];
  /** Closest entry of each kind at any distance up to MAX_THRESHOLD, over every image, view and variant. */
  nearest: Partial<Record<string, number>>;
}

/**
 * Queries images no one registered against the registered photos, so each match is a false one:
 * the smooth synthetic scenes (scenes.ts: skies over a horizon, vignettes, colour ramps) and web
 * graphics with no photo in them (graphics.ts: banners, app screens, logos).
 */
async function queryNegatives(matcher: Matcher): Promise<NegativeOutcome[]> {
  const families: { family: string; images: { name: string; hash: () => Promise<ImageHashes> }[] }[] = [];
  const scratch = createHashScratch();
  for (const [kind, count] of SCENES) {
    families.push({ family: `${kind} scenes`, images: Array.from({ length: count }, (_, s) => ({ name: `scene-${kind}-${s}`, hash: async () => computeHashesFromRgba(scene(kind, 1000 * (kind.length + 7) + s), scratch) })) });
  }
  for (const [kind, count] of GRAPHICS) {
    families.push({ family: `${kind}s`, images: Array.from({ length: count }, (_, s) => ({ name: `${kind}-${s}`, hash: async () => hashImage(await graphic(kind, 5000 + 100 * kind.length + s)) })) });
  }
  process.stderr.write(`querying ${families.reduce((n, f) => n + f.images.length, 0)} images no one registered (scenes, web graphics)...\n`);
  const out: NegativeOutcome[] = [];
  for (const { family, images } of families) {
    const o: NegativeOutcome = { family, queries: 0, pdqUsable: 0, matched: [], nearest: {} };
    for (const image of images) {
      const hashes = await image.hash();
      o.queries++;
      if (checkHashUsable('pdq', hashes.pdq, hashes.quality).usable) o.pdqUsable++;
      // The default policy: a match without blockhash is one with it too.
      const m = matcher.match(hashes);
      if (m) o.matched.push(`${image.name} matched photo ${photoOfEntry(m.entry.id)} by ${m.kind} at ${m.distance}`);
      for (const w of matcher.matchAll(hashes, WIDE_POLICY)) o.nearest[w.kind] = Math.min(o.nearest[w.kind] ?? 256, w.distance);
    }
    out.push(o);
  }
  return out;
}

function printNegatives(outcomes: NegativeOutcome[]): void {
  const within = (o: NegativeOutcome, kind: string) => (o.nearest[kind] === undefined ? `over ${MAX_THRESHOLD}` : String(o.nearest[kind]));
  console.log('## Images no one registered: smooth scenes and web graphics');
  console.log('');
  console.log('Every view and variant of each image against every listed entry; any match is a false match.');
  console.log('');
  console.log('| family | images | PDQ passes the gate | false matches | nearest pdq | nearest pdq-crop | nearest blockhash |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const o of outcomes) console.log(`| ${o.family} | ${o.queries} | ${o.pdqUsable} | ${o.matched.length} | ${within(o, 'pdq')} | ${within(o, 'pdq-crop')} | ${within(o, 'blockhash')} |`);
  for (const line of outcomes.flatMap((o) => o.matched).slice(0, 30)) console.log(`- ${line}`);
  console.log('');
}

function printReport(photos: Photo[], edits: Edit[], outcomes: QueryOutcome[], refusedOriginals: number, entriesPerPhoto: number, ms: number): void {
  const registered = photos.filter((p) => p.registered).length;
  const lines: string[] = [];
  const { pdq, blockhash } = DEFAULT_MATCH_POLICY;
  lines.push(`## Recall and false matches (default policy: PDQ <= ${pdq.threshold} with dihedral variants; blockhash <= ${blockhash.threshold} with the photo's PDQ <= ${blockhash.corroboratingPdqThreshold})`);
  lines.push('');
  lines.push(`${photos.length} photos, ${registered} registered, ${photos.length - registered} not; ${outcomes.length} queries; ${refusedOriginals} original hashes refused by the quality gates; ${entriesPerPhoto.toFixed(2)} listed hashes per registered photo (PDQ, its 3 mirrored images, blockhash); ${(ms / 1000).toFixed(0)} s.`);
  lines.push('');
  lines.push('| edit | category | recall (registered) | without blockhash (clients of lists) | matched by pdq / crop / blockhash (the closer for its threshold) | false matches (of all queries) | what it is |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  let totalFalse = 0;
  let hardFalse = 0;
  const falseList: string[] = [];
  for (const edit of edits) {
    const rows = outcomes.filter((o) => o.edit === edit);
    const pos = rows.filter((o) => o.photo.registered);
    const found = pos.filter((o) => o.matchedIndex === o.photo.index);
    const foundNoBlockhash = pos.filter((o) => o.matchedIndexNoBlockhash === o.photo.index).length;
    const byPdq = found.filter((o) => o.matchKind === 'pdq').length;
    const byCrop = found.filter((o) => o.matchKind === 'pdq-crop').length;
    const falses = rows.filter(
      (o) => (o.matchedIndex !== null && o.matchedIndex !== o.photo.index) || (o.matchedIndexNoBlockhash !== null && o.matchedIndexNoBlockhash !== o.photo.index),
    );
    totalFalse += falses.length;
    for (const f of falses) {
      const other = photos[f.matchedIndex!];
      const hard = other.group !== null && other.group === f.photo.group;
      if (hard) hardFalse++;
      falseList.push(`${f.photo.file} (${edit.name}) matched ${other.file} by ${f.matchKind} at ${f.matchDistance}${hard ? ' (same group)' : ''}`);
    }
    const pct = pos.length ? ((100 * found.length) / pos.length).toFixed(1) : '-';
    lines.push(`| ${edit.name} | ${edit.category} | ${pct}% (${found.length}/${pos.length}) | ${pos.length ? ((100 * foundNoBlockhash) / pos.length).toFixed(1) : '-'}% | ${byPdq} / ${byCrop} / ${found.length - byPdq - byCrop} | ${falses.length} / ${rows.length} | ${edit.description} |`);
  }
  lines.push('');
  lines.push(`False matches in total: ${totalFalse} (${hardFalse} between different photos of the same person or scene).`);
  for (const f of falseList.slice(0, 30)) lines.push(`- ${f}`);
  lines.push('');

  printNearestWrong(lines, photos, outcomes);

  // Distance distributions for choosing thresholds.
  const negPdq: number[] = [];
  const negBlock: number[] = [];
  const hardPdq: number[] = [];
  const hardBlock: number[] = [];
  const posByEdit = new Map<string, { pdq: number[]; block: number[] }>();
  // (PDQ, blockhash) distance pairs for the rule analysis; PDQ 256 where either side is unusable.
  const jointPos: Array<[number, number]> = [];
  const jointNeg: Array<[number, number]> = [];
  for (const o of outcomes) {
    if (!o.hashes) continue;
    const q = o.hashes;
    const usableQuery = checkHashUsable('pdq', q.pdq, q.quality).usable;
    const own = o.photo.hashes;
    const pos = posByEdit.get(o.edit.name) ?? { pdq: [], block: [] };
    posByEdit.set(o.edit.name, pos);
    if (usableQuery) pos.pdq.push(pdqMinDistance(q, own));
    pos.block.push(hammingDistance(q.blockhash, own.blockhash));
    if (o.edit.category === 'mild') jointPos.push([usableQuery ? pdqMinDistance(q, own) : 256, hammingDistance(q.blockhash, own.blockhash)]);
    if (o.edit.category === 'composite') continue; // a collage legitimately contains other photos
    for (const other of photos) {
      if (other === o.photo) continue;
      const hard = other.group !== null && other.group === o.photo.group;
      if (usableQuery && checkHashUsable('pdq', other.hashes.pdq, other.hashes.quality).usable) {
        const d = pdqMinDistance(q, other.hashes);
        negPdq.push(d);
        if (hard) hardPdq.push(d);
      }
      const b = hammingDistance(q.blockhash, other.hashes.blockhash);
      negBlock.push(b);
      const otherUsable = checkHashUsable('pdq', other.hashes.pdq, other.hashes.quality).usable;
      jointNeg.push([usableQuery && otherUsable ? pdqMinDistance(q, other.hashes) : 256, b]);
      if (hard) hardBlock.push(b);
    }
  }
  for (const a of [negPdq, negBlock, hardPdq, hardBlock]) a.sort((x, y) => x - y);
  lines.push('## Distances of unrelated pairs (every query against every other original; collages left out)');
  lines.push('');
  lines.push('| hash | pairs | min | 0.01% | 0.1% | 1% | median |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  const negRow = (name: string, a: number[]) =>
    lines.push(`| ${name} | ${a.length} | ${a[0] ?? '-'} | ${percentile(a, 0.01)} | ${percentile(a, 0.1)} | ${percentile(a, 1)} | ${percentile(a, 50)} |`);
  negRow('PDQ (closest of 8 dihedral variants)', negPdq);
  negRow('PDQ, same person or scene only', hardPdq);
  negRow('blockhash', negBlock);
  negRow('blockhash, same person or scene only', hardBlock);
  lines.push('');
  lines.push('## Distances of edited copies to their own original');
  lines.push('');
  lines.push('| edit | PDQ median | PDQ p95 | PDQ max | blockhash median | blockhash p95 | blockhash max |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const edit of edits) {
    const pos = posByEdit.get(edit.name);
    if (!pos) continue;
    pos.pdq.sort((x, y) => x - y);
    pos.block.sort((x, y) => x - y);
    lines.push(
      `| ${edit.name} | ${percentile(pos.pdq, 50)} | ${percentile(pos.pdq, 95)} | ${pos.pdq.at(-1) ?? '-'} | ${percentile(pos.block, 50)} | ${percentile(pos.block, 95)} | ${pos.block.at(-1) ?? '-'} |`,
    );
  }
  lines.push('');
  printRuleAnalysis(lines, jointPos, jointNeg);
  console.log(lines.join('\n'));
}

/**
 * How close the nearest entry of another registered photo came to each query, through every view,
 * variant and listed crop the matcher searches (collages left out: they hold other photos).
 */
function printNearestWrong(lines: string[], photos: Photo[], outcomes: QueryOutcome[]): void {
  lines.push('## Nearest wrong entry (every query, all its views, against the other registered photos; collages left out)');
  lines.push('');
  lines.push('| kind | threshold | queries with one within 64 | min | 1% | 5% | same person or scene: min |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const kind of ['pdq', 'pdq-crop', 'blockhash']) {
    const all: number[] = [];
    const hard: number[] = [];
    for (const o of outcomes) {
      if (o.edit.category === 'composite') continue;
      const d = o.nearestOther[kind];
      if (d === undefined) continue;
      all.push(d);
      const other = photos.find((p) => p.group !== null && p.group === o.photo.group && p !== o.photo && p.registered);
      if (other) hard.push(d);
    }
    all.sort((x, y) => x - y);
    hard.sort((x, y) => x - y);
    const policy = DEFAULT_MATCH_POLICY;
    const t = kind === 'pdq' ? policy.pdq.threshold : kind === 'pdq-crop' ? policy.pdqCrop.threshold : policy.blockhash.threshold;
    lines.push(`| ${kind} | ${t} | ${all.length} | ${all[0] ?? '-'} | ${percentile(all, 1)} | ${percentile(all, 5)} | ${hard[0] ?? '-'} |`);
  }
  lines.push('');
}

/**
 * Candidate match rules, scored on the pooled mild edits (recall) and on every unrelated pair
 * (how many pairs the rule would call a match, and the closest unrelated pair's margin).
 */
function printRuleAnalysis(lines: string[], pos: Array<[number, number]>, neg: Array<[number, number]>): void {
  interface Rule { name: string; test: (pdq: number, bh: number) => boolean }
  const rules: Rule[] = [{ name: 'PDQ <= 31 alone', test: (p) => p <= 31 }];
  for (const b of [12, 16, 20, 24]) rules.push({ name: `PDQ <= 31 or blockhash <= ${b}`, test: (p, h) => p <= 31 || h <= b });
  for (const b of [16, 20, 24, 28, 32]) {
    for (const c of [48, 56, 64]) rules.push({ name: `PDQ <= 31 or (blockhash <= ${b} and PDQ <= ${c})`, test: (p, h) => p <= 31 || (h <= b && p <= c) });
  }
  lines.push('## Candidate match rules (mild edits pooled; unrelated pairs as above)');
  lines.push('');
  lines.push('| rule | recall on mild edits | unrelated pairs matched |');
  lines.push('| --- | --- | --- |');
  for (const r of rules) {
    const found = pos.filter(([p, h]) => r.test(p, h)).length;
    const falses = neg.filter(([p, h]) => r.test(p, h)).length;
    lines.push(`| ${r.name} | ${((100 * found) / pos.length).toFixed(2)}% (${found}/${pos.length}) | ${falses} of ${neg.length} |`);
  }
  const closest = (f: (p: number, h: number) => number) => neg.reduce((m, [p, h]) => Math.min(m, f(p, h)), 256);
  lines.push('');
  lines.push(`Closest unrelated pair by PDQ: ${closest((p) => p)}; by blockhash: ${closest((_p, h) => h)}; by blockhash among pairs with PDQ <= 64: ${closest((p, h) => (p <= 64 ? h : 256))}.`);
}

await main();
