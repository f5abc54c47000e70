import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { decodeImage } from '../../node/decode';
import { hashImage } from '../../node/hashFile';
import { lumaFromRgba } from '../../shared/image/canonical';
import { CHROMIUM_PATH, hasChromium } from '../support/chromium';
import { itIfAvailable } from '../support/env';
import { NON_IMAGES, concat, encodeAnimated, encodeWithOrientation, photoLike, rawSharp } from '../support/images';
import { CORPUS_DIR, hasCorpus, loadCorpusManifest } from '../support/paths';
import { startBrowserHarness, type BrowserHarness } from './harness';
import { anyDifference, beyondBound, compareHashSets, hashSetHex, maxBits, type HashSetComparison } from './hashSets';

/**
 * Chromium versus Node on the same files: the page fetches the bytes and runs
 * decodeInBrowser + computeHashesFromRgba (the extension's path), Node runs hashImage (the bot's
 * and the CLI's path), each for a query and for registration. Every hash of the set is compared
 * (hashSets.ts): PDQ and its variants, blockhash, the crop hash, every view's hashes, the mirrored
 * PDQs and the listed crops. Identical decoded pixels must give identical hash sets, bit for bit;
 * otherwise issue 2's bar holds for every PDQ-kind hash: at most 4 bits apart where quality is
 * 80 or more, and the same views and listed crops. The decoded pixels are compared too, since
 * most formats turn out to agree to the bit.
 */

const withChromium = itIfAvailable(hasChromium, `Debian chromium (${CHROMIUM_PATH})`);
const withChromiumAndCorpus = hasChromium ? itIfAvailable(hasCorpus, `the photo corpus (${CORPUS_DIR})`) : withChromium;

const MAX_PDQ_BITS = 4;
const MIN_QUALITY = 80;

let harness: BrowserHarness;
beforeAll(async () => {
  if (hasChromium) harness = await startBrowserHarness();
});
afterAll(async () => {
  await harness?.close();
});

interface Agreement {
  pdqBits: number;
  blockhashBits: number;
  minQuality: number;
  /** Every hash of the query and registration sets, Chromium against Node. */
  hashes: HashSetComparison;
  /** Node's count of query views and listed crops, for the log. */
  views: number;
  listedCrops: number;
  sameSize: boolean;
  /** Fraction of RGBA bytes that are equal, and the largest difference in a colour channel. */
  rgbaEqual: number;
  rgbaMax: number;
  /** Largest difference in canonical luma (the hash input: alpha composited onto white). */
  lumaMax: number;
}

let uploadSeq = 0;

/**
 * Hashes `bytes` on both platforms and compares. Pixels are compared by SHA-256 first (cheap);
 * only when they differ does the page send its RGBA and luma back for the statistics.
 */
async function agreement(name: string, bytes: Uint8Array): Promise<Agreement> {
  const url = harness.addImage(name, bytes);
  const inBrowser = await harness.hash({ url, digest: true, registration: true });
  if (!inBrowser.ok) throw new Error(`${name}: Chromium refused it: ${inBrowser.code}`);
  const inNode = await hashImage(bytes);
  const registeredInNode = await hashImage(bytes, { registration: true });
  const nodeImg = await decodeImage(bytes);
  const sameSize = inBrowser.width === inNode.width && inBrowser.height === inNode.height;
  const hashes = compareHashSets(inBrowser, hashSetHex(inNode));
  if (!inBrowser.registration) throw new Error(`${name}: Chromium sent no registration hashes`);
  compareHashSets(inBrowser.registration, hashSetHex(registeredInNode), 'registration: ', hashes);
  const bitsOf = (what: string) => hashes.pairs.find((p) => p.what === what)?.bits ?? 256;
  const common = {
    pdqBits: bitsOf('pdq original'),
    blockhashBits: bitsOf('blockhash'),
    minQuality: Math.min(inBrowser.quality, inNode.quality),
    hashes,
    views: inNode.views?.length ?? 0,
    listedCrops: registeredInNode.crops?.length ?? 0,
    sameSize,
  };
  if (inBrowser.rgbaSha256 === createHash('sha256').update(nodeImg.data).digest('hex')) {
    // Identical RGBA gives identical canonical luma: it is the same shared code on the same bytes.
    return { ...common, rgbaEqual: 1, rgbaMax: 0, lumaMax: 0 };
  }
  if (!sameSize) return { ...common, rgbaEqual: 0, rgbaMax: 255, lumaMax: 255 };

  const id = String(uploadSeq++);
  await harness.hash({ url, uploadTo: `${harness.origin}/upload/${id}` });
  const uploaded = harness.takeUpload(id);
  if (!uploaded) throw new Error(`${name}: the page sent no pixels back`);
  const nodeLuma = lumaFromRgba(nodeImg).luma;
  let equal = 0;
  let rgbaMax = 0;
  let lumaMax = 0;
  for (let i = 0; i < nodeImg.data.length; i++) {
    const d = Math.abs(nodeImg.data[i] - uploaded.rgba[i]);
    if (d === 0) equal++;
    else if ((i & 3) !== 3 && d > rgbaMax) rgbaMax = d;
  }
  for (let i = 0; i < nodeLuma.length; i++) lumaMax = Math.max(lumaMax, Math.abs(nodeLuma[i] - uploaded.luma[i]));
  return { ...common, rgbaEqual: equal / nodeImg.data.length, rgbaMax, lumaMax };
}

/** The log's summary of the other hashes: the largest distances, over pairs of quality >= 80. */
function otherHashes(a: Agreement): string {
  const bits = (kind: 'pdq' | 'pdq-crop') => maxBits(a.hashes, kind, MIN_QUALITY);
  return `${a.views} views, ${a.listedCrops} listed crops, every PDQ at most ${bits('pdq')} bits, every crop hash at most ${bits('pdq-crop')} bits apart`;
}

// A seed whose picture scores PDQ quality 96-97 at this size in every encoding, so the 4-bit bar applies.
const W = 512;
const H = 384;
const picture = photoLike(W, H, 61);
const pictureAlpha = photoLike(W, H, 62, { alpha: true });

/** Three stray bytes after the first JPEG segment: tolerated with a warning by libjpeg. */
function withStrayBytes(jpeg: Uint8Array): Uint8Array {
  const at = 4 + ((jpeg[4] << 8) | jpeg[5]);
  return concat([jpeg.subarray(0, at), new Uint8Array([0, 0, 0]), jpeg.subarray(at)]);
}

type Expect = 'identical pixels' | 'identical hash input' | 'within a level';
const SYNTHETIC: [string, Expect, () => Promise<Uint8Array>][] = [
  ['JPEG q90 4:2:0', 'identical pixels', () => rawSharp(picture).jpeg({ quality: 90 }).toBuffer()],
  ['JPEG q80 progressive', 'identical pixels', () => rawSharp(picture).jpeg({ quality: 80, progressive: true }).toBuffer()],
  ['JPEG q95 4:4:4', 'identical pixels', () => rawSharp(picture).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer()],
  ['JPEG greyscale', 'identical pixels', () => rawSharp(picture).toColourspace('b-w').jpeg({ quality: 90 }).toBuffer()],
  ['CMYK JPEG without profile', 'identical pixels', () => rawSharp(picture).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer()],
  ['JPEG with stray bytes before a marker (a libjpeg warning)', 'identical pixels', async () => withStrayBytes(await rawSharp(picture).jpeg({ quality: 90 }).toBuffer())],
  ['JPEG with data after its end marker', 'identical pixels', async () => concat([await rawSharp(picture).jpeg({ quality: 90 }).toBuffer(), NON_IMAGES.random])],
  ['PNG', 'identical pixels', () => rawSharp(picture).png().toBuffer()],
  ['PNG 16-bit', 'identical pixels', () => rawSharp(picture).toColourspace('rgb16').png().toBuffer()],
  ['PNG palette', 'identical pixels', () => rawSharp(picture).png({ palette: true }).toBuffer()],
  ['PNG with alpha', 'identical hash input', () => rawSharp(pictureAlpha).png().toBuffer()],
  ['WebP lossy', 'identical pixels', () => rawSharp(picture).webp({ quality: 85 }).toBuffer()],
  ['WebP lossless with alpha', 'identical hash input', () => rawSharp(pictureAlpha).webp({ lossless: true }).toBuffer()],
  ['GIF', 'identical pixels', () => rawSharp(picture).gif().toBuffer()],
  ['animated GIF (first frame)', 'identical pixels', () => encodeAnimated(W, H, 61, 3, 'gif')],
  ['AVIF', 'within a level', () => rawSharp(picture).avif({ quality: 80 }).toBuffer()],
  ['PNG with a Display P3 profile', 'within a level', () => rawSharp(picture).withIccProfile('p3').png().toBuffer()],
  ['JPEG with a Display P3 profile', 'within a level', () => rawSharp(picture).withIccProfile('p3').jpeg({ quality: 90 }).toBuffer()],
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((o): [string, Expect, () => Promise<Uint8Array>] => [`JPEG with EXIF orientation ${o}`, 'identical pixels', () => encodeWithOrientation(picture, o, 'jpeg')]),
  ['PNG with EXIF orientation 6 (eXIf chunk)', 'identical pixels', () => encodeWithOrientation(picture, 6, 'png')],
  ['WebP with EXIF orientation 6 (ignored by both)', 'identical pixels', () => encodeWithOrientation(picture, 6, 'webp')],
];

describe('Chromium and Node agree on synthetic images', () => {
  for (const [name, expected, encode] of SYNTHETIC) {
    withChromium(`${name}: ${expected}, PDQ within ${MAX_PDQ_BITS} bits`, async () => {
      const a = await agreement(name, await encode());
      console.log(
        `agreement ${name}: pdq ${a.pdqBits} bits, blockhash ${a.blockhashBits} bits, quality ${a.minQuality}, rgba ${(a.rgbaEqual * 100).toFixed(2)}% equal (max ${a.rgbaMax}), luma max ${a.lumaMax.toFixed(2)}; ${otherHashes(a)}`,
      );
      expect(a.sameSize).toBe(true);
      expect(a.minQuality).toBeGreaterThanOrEqual(MIN_QUALITY);
      expect(a.pdqBits).toBeLessThanOrEqual(MAX_PDQ_BITS);
      expect(beyondBound(a.hashes, MAX_PDQ_BITS, MIN_QUALITY)).toEqual([]);
      if (expected === 'identical pixels') {
        expect(a.rgbaEqual).toBe(1);
        // The same shared code on the same pixels: every hash of both sets, bit for bit.
        expect(anyDifference(a.hashes)).toEqual([]);
      } else if (expected === 'identical hash input') {
        // Straight-alpha colour under near-transparent pixels is rounded by the canvas's
        // premultiplied storage; compositing onto white (each channel rounded to 8 bits, for PDQ
        // and the crop hash alike) weights it by alpha, so every hash agrees.
        expect(a.lumaMax).toBeLessThanOrEqual(0.5);
        expect(a.pdqBits).toBe(0);
        expect(anyDifference(a.hashes)).toEqual([]);
      } else {
        expect(a.rgbaMax).toBeLessThanOrEqual(1);
      }
    });
  }

  // Both platforms apply the profile, with different engines and intents (lcms in libvips,
  // skcms in Chromium), and the colours differ by tens of levels: a known disagreement, printed
  // here, not hidden. CMYK JPEGs are print files and rare on the web; see node/decode.ts.
  withChromium('CMYK JPEG with an ICC profile: both decode it at the same size (colours differ, reported)', async () => {
    const a = await agreement('cmyk-icc', await rawSharp(picture).withIccProfile('cmyk').jpeg({ quality: 90 }).toBuffer());
    console.log(`agreement CMYK JPEG with profile (known difference): pdq ${a.pdqBits} bits, quality ${a.minQuality}, largest channel difference ${a.rgbaMax}; ${otherHashes(a)}`);
    expect(a.sameSize).toBe(true);
  });
});

describe('Chromium and Node agree on the corpus photos', () => {
  withChromiumAndCorpus(`every photo with quality >= ${MIN_QUALITY} hashes within ${MAX_PDQ_BITS} bits`, async () => {
    const { readFile } = await import('node:fs/promises');
    const photos = loadCorpusManifest();
    const rows: (Agreement & { file: string })[] = [];
    for (const photo of photos) rows.push({ file: photo.file, ...(await agreement(photo.file, await readFile(photo.path))) });

    const gated = rows.filter((r) => r.minQuality >= MIN_QUALITY);
    const identical = rows.filter((r) => r.rgbaEqual === 1);
    const others = rows.filter((r) => r.rgbaEqual !== 1);
    const histogram = new Map<number, number>();
    for (const r of rows) histogram.set(r.pdqBits, (histogram.get(r.pdqBits) ?? 0) + 1);
    console.log(
      `agreement corpus: ${rows.length} photos, ${gated.length} of quality >= ${MIN_QUALITY}; ` +
        `identical pixels ${rows.filter((r) => r.rgbaEqual === 1).length}, largest channel difference ${Math.max(...rows.map((r) => r.rgbaMax))}; ` +
        `PDQ bits apart (count): ${[...histogram.entries()].sort((x, y) => x[0] - y[0]).map(([k, v]) => `${k}:${v}`).join(' ')}; ` +
        `blockhash max ${Math.max(...rows.map((r) => r.blockhashBits))} bits`,
    );
    for (const r of others) console.log(`agreement corpus ${r.file} (pixels differ, largest channel difference ${r.rgbaMax}): ${otherHashes(r)}`);
    expect(rows.every((r) => r.sameSize)).toBe(true);
    expect(gated.length).toBeGreaterThan(rows.length / 2);
    expect(gated.filter((r) => r.pdqBits > MAX_PDQ_BITS).map((r) => `${r.file}: ${r.pdqBits} bits`)).toEqual([]);
    expect(identical.flatMap((r) => anyDifference(r.hashes).map((d) => `${r.file}: ${d}`))).toEqual([]);
    expect(rows.flatMap((r) => beyondBound(r.hashes, MAX_PDQ_BITS, MIN_QUALITY).map((d) => `${r.file}: ${d}`))).toEqual([]);
  }, 600_000);
});
