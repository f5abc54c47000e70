/**
 * The edit generator for `npm run eval`: turns one photo into the kinds of copies that leaked
 * photos become when re-posted. Everything is made in memory with sharp and never written to
 * disk. Deterministic: the same photo, edit and seed give the same bytes.
 */
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { seededRandom } from '../support/images';

export { seededRandom };

export type EditCategory = 'identity' | 'mild' | 'crop' | 'frame' | 'composite';

export interface EditInput {
  /** Encoded original (JPEG from the corpus). */
  bytes: Buffer;
  width: number;
  height: number;
  /** Other photos for collages: encoded bytes, none from the same person/scene group. */
  others: Buffer[];
  /** Deterministic random numbers in [0, 1) for this photo and edit. */
  random: () => number;
}

export interface Edit {
  name: string;
  category: EditCategory;
  /** One line for docs/evaluation.md. */
  description: string;
  apply(input: EditInput): Promise<Buffer>;
}

const jpeg = (s: Sharp, quality = 85) => s.jpeg({ quality }).toBuffer();
const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

function centreCrop(fraction: number): Edit['apply'] {
  return ({ bytes, width, height }) => {
    const dx = Math.round(width * fraction);
    const dy = Math.round(height * fraction);
    return jpeg(sharp(bytes).extract({ left: dx, top: dy, width: width - 2 * dx, height: height - 2 * dy }));
  };
}

function border(fraction: number): Edit['apply'] {
  return ({ bytes, width, height, random }) => {
    const colour = random() < 0.5 ? '#ffffff' : '#000000';
    const x = Math.round(width * fraction);
    const y = Math.round(height * fraction);
    return jpeg(sharp(bytes).extend({ top: y, bottom: y, left: x, right: x, background: colour }));
  };
}

async function addNoise(bytes: Buffer, sigma: number, random: () => number): Promise<Buffer> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let i = 0; i < data.length; i++) {
    // Box-Muller for Gaussian noise.
    const g = Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    data[i] = Math.max(0, Math.min(255, Math.round(data[i] + g * sigma)));
  }
  return jpeg(sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }));
}

function textSvg(width: number, height: number, body: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);
}

async function watermark({ bytes, width, height }: EditInput): Promise<Buffer> {
  const size = Math.round(Math.min(width, height) * 0.07);
  const svg = textSvg(
    width,
    height,
    `<text x="${width - size * 0.6}" y="${height - size * 0.8}" text-anchor="end" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${size}" fill="white" fill-opacity="0.55" stroke="black" stroke-opacity="0.35" stroke-width="1">@leaks_channel</text>`,
  );
  return jpeg(sharp(bytes).composite([{ input: svg }]));
}

async function caption({ bytes, width, height }: EditInput): Promise<Buffer> {
  const band = Math.round(height * 0.18);
  const size = Math.round(band * 0.38);
  const svg = textSvg(
    width,
    band,
    `<rect width="100%" height="100%" fill="white"/><text x="50%" y="${band * 0.62}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${size}" fill="black">${escapeXml('look who it is lol')}</text>`,
  );
  const bandPng = await sharp(svg).png().toBuffer();
  return jpeg(sharp(bytes).extend({ top: band, background: '#ffffff' }).composite([{ input: bandPng, top: 0, left: 0 }]));
}

async function emojiOverlay({ bytes, width, height, random }: EditInput): Promise<Buffer> {
  const d = Math.round(Math.min(width, height) * 0.28);
  const left = Math.round(random() * (width - d));
  const top = Math.round(random() * (height - d));
  const r = d / 2;
  const svg = textSvg(
    d,
    d,
    `<circle cx="${r}" cy="${r}" r="${r * 0.98}" fill="#ffcc33" stroke="#c08000" stroke-width="${d * 0.02}"/>` +
      `<circle cx="${r * 0.65}" cy="${r * 0.75}" r="${r * 0.11}" fill="#402000"/><circle cx="${r * 1.35}" cy="${r * 0.75}" r="${r * 0.11}" fill="#402000"/>` +
      `<path d="M ${r * 0.5} ${r * 1.2} Q ${r} ${r * 1.75} ${r * 1.5} ${r * 1.2}" stroke="#402000" stroke-width="${d * 0.05}" fill="none"/>`,
  );
  return jpeg(sharp(bytes).composite([{ input: svg, left, top }]));
}

/** A phone chat screenshot: status bar, header, bubbles, the photo inside, an input bar (540x1170 PNG). */
async function phoneScreenshot({ bytes, width, height }: EditInput): Promise<Buffer> {
  const W = 540;
  const H = 1170;
  const photoW = 400;
  const photoH = Math.min(Math.round((photoW * height) / width), 620);
  const photo = await sharp(bytes).resize(photoW, photoH, { fit: 'cover' }).png().toBuffer();
  const top = 250;
  const ui = textSvg(
    W,
    H,
    `<rect width="100%" height="100%" fill="#ece5dd"/>` +
      `<rect width="100%" height="44" fill="#075e54"/><text x="20" y="30" font-family="DejaVu Sans" font-size="18" fill="white">9:41</text><text x="${W - 20}" y="30" text-anchor="end" font-family="DejaVu Sans" font-size="18" fill="white">100%</text>` +
      `<rect y="44" width="100%" height="76" fill="#128c7e"/><circle cx="48" cy="82" r="24" fill="#dddddd"/><text x="86" y="90" font-family="DejaVu Sans" font-size="24" fill="white">Group chat</text>` +
      `<rect x="16" y="140" rx="12" width="300" height="60" fill="white"/><text x="32" y="178" font-family="DejaVu Sans" font-size="20" fill="#222">did you see this??</text>` +
      `<rect x="${W - photoW - 36}" y="${top - 12}" rx="12" width="${photoW + 24}" height="${photoH + 56}" fill="#dcf8c6"/>` +
      `<text x="${W - 40}" y="${top + photoH + 32}" text-anchor="end" font-family="DejaVu Sans" font-size="16" fill="#667">10:02</text>` +
      `<rect y="${H - 80}" width="100%" height="80" fill="#f0f0f0"/><rect x="16" y="${H - 64}" rx="24" width="${W - 100}" height="48" fill="white"/><circle cx="${W - 42}" cy="${H - 40}" r="24" fill="#128c7e"/>`,
  );
  return sharp(ui)
    .composite([{ input: photo, left: W - photoW - 24, top }])
    .png()
    .toBuffer();
}

/** 2x2 collage: the photo in a random cell, three other photos in the rest. */
async function collage({ bytes, others, random }: EditInput): Promise<Buffer> {
  const cellW = 480;
  const cellH = 360;
  const gap = 6;
  const cells = [bytes, ...others.slice(0, 3)];
  const slot = Math.floor(random() * 4);
  [cells[0], cells[slot]] = [cells[slot], cells[0]];
  const tiles = await Promise.all(cells.map((c) => sharp(c).resize(cellW, cellH, { fit: 'cover' }).png().toBuffer()));
  return jpeg(
    sharp({ create: { width: cellW * 2 + gap * 3, height: cellH * 2 + gap * 3, channels: 3, background: '#ffffff' } }).composite(
      tiles.map((input, i) => ({ input, left: gap + (i % 2) * (cellW + gap), top: gap + Math.floor(i / 2) * (cellH + gap) })),
    ),
  );
}

export const EDITS: Edit[] = [
  { name: 'original', category: 'identity', description: 'the file itself', apply: async ({ bytes }) => bytes },
  // Mild edits: issue 2 asks for at least 95% recall on these with no false match.
  { name: 'jpeg-q30', category: 'mild', description: 're-encoded as JPEG quality 30', apply: ({ bytes }) => jpeg(sharp(bytes), 30) },
  { name: 'jpeg-q70', category: 'mild', description: 're-encoded as JPEG quality 70', apply: ({ bytes }) => jpeg(sharp(bytes), 70) },
  { name: 'webp-q50', category: 'mild', description: 're-encoded as WebP quality 50', apply: ({ bytes }) => sharp(bytes).webp({ quality: 50 }).toBuffer() },
  { name: 'resize-50', category: 'mild', description: 'scaled to half size', apply: ({ bytes, width }) => jpeg(sharp(bytes).resize(Math.round(width / 2))) },
  { name: 'resize-25', category: 'mild', description: 'scaled to a quarter', apply: ({ bytes, width }) => jpeg(sharp(bytes).resize(Math.round(width / 4))) },
  { name: 'resize-150', category: 'mild', description: 'scaled up 1.5x', apply: ({ bytes, width }) => jpeg(sharp(bytes).resize(Math.round(width * 1.5))) },
  { name: 'aspect-squash', category: 'mild', description: 'width scaled to 80%, height kept', apply: ({ bytes, width, height }) => jpeg(sharp(bytes).resize(Math.round(width * 0.8), height, { fit: 'fill' })) },
  { name: 'brighter', category: 'mild', description: 'brightness +25%', apply: ({ bytes }) => jpeg(sharp(bytes).modulate({ brightness: 1.25 })) },
  { name: 'darker', category: 'mild', description: 'brightness -30%', apply: ({ bytes }) => jpeg(sharp(bytes).modulate({ brightness: 0.7 })) },
  { name: 'contrast', category: 'mild', description: 'contrast x1.4', apply: ({ bytes }) => jpeg(sharp(bytes).linear(1.4, -0.4 * 128)) },
  { name: 'saturation', category: 'mild', description: 'saturation x1.8', apply: ({ bytes }) => jpeg(sharp(bytes).modulate({ saturation: 1.8 })) },
  { name: 'hue-shift', category: 'mild', description: 'hue rotated 40 degrees', apply: ({ bytes }) => jpeg(sharp(bytes).modulate({ hue: 40 })) },
  { name: 'grayscale', category: 'mild', description: 'converted to greyscale', apply: ({ bytes }) => jpeg(sharp(bytes).grayscale()) },
  { name: 'sepia', category: 'mild', description: 'sepia tint filter', apply: ({ bytes }) => jpeg(sharp(bytes).tint({ r: 112, g: 66, b: 20 })) },
  { name: 'blur', category: 'mild', description: 'Gaussian blur, sigma 2', apply: ({ bytes }) => jpeg(sharp(bytes).blur(2)) },
  { name: 'sharpen', category: 'mild', description: 'sharpened, sigma 2', apply: ({ bytes }) => jpeg(sharp(bytes).sharpen({ sigma: 2 })) },
  { name: 'noise', category: 'mild', description: 'Gaussian noise, sigma 12 levels', apply: ({ bytes, random }) => addNoise(bytes, 12, random) },
  { name: 'watermark', category: 'mild', description: 'semi-transparent text watermark in a corner', apply: watermark },
  { name: 'mirror', category: 'mild', description: 'mirrored left-right', apply: ({ bytes }) => jpeg(sharp(bytes).flop()) },
  { name: 'flip', category: 'mild', description: 'flipped upside down', apply: ({ bytes }) => jpeg(sharp(bytes).flip()) },
  { name: 'rotate-90', category: 'mild', description: 'rotated 90 degrees', apply: ({ bytes }) => jpeg(sharp(bytes).rotate(90)) },
  { name: 'rotate-180', category: 'mild', description: 'rotated 180 degrees', apply: ({ bytes }) => jpeg(sharp(bytes).rotate(180)) },
  { name: 'rotate-270', category: 'mild', description: 'rotated 270 degrees', apply: ({ bytes }) => jpeg(sharp(bytes).rotate(270)) },
  // Crops and frames: measured honestly here; making them match is issue 6.
  { name: 'crop-2', category: 'crop', description: 'centre crop, 2% off each side', apply: centreCrop(0.02) },
  { name: 'crop-5', category: 'crop', description: 'centre crop, 5% off each side', apply: centreCrop(0.05) },
  { name: 'crop-10', category: 'crop', description: 'centre crop, 10% off each side', apply: centreCrop(0.1) },
  { name: 'crop-25', category: 'crop', description: 'centre crop, 25% off each side', apply: centreCrop(0.25) },
  {
    name: 'crop-offcentre',
    category: 'crop',
    description: 'top-left 75% x 75% kept',
    apply: ({ bytes, width, height }) => jpeg(sharp(bytes).extract({ left: 0, top: 0, width: Math.round(width * 0.75), height: Math.round(height * 0.75) })),
  },
  {
    name: 'rotate-5',
    category: 'crop',
    description: 'rotated 5 degrees, corners filled white',
    apply: ({ bytes }) => jpeg(sharp(bytes).rotate(5, { background: '#ffffff' })),
  },
  { name: 'border-5', category: 'frame', description: 'uniform border, 5% per side', apply: border(0.05) },
  { name: 'border-15', category: 'frame', description: 'uniform border, 15% per side', apply: border(0.15) },
  { name: 'caption', category: 'frame', description: 'meme caption band added on top (18% of height)', apply: caption },
  { name: 'emoji', category: 'composite', description: 'emoji sticker covering about 6% of the photo', apply: emojiOverlay },
  { name: 'screenshot', category: 'composite', description: 'phone chat screenshot with the photo inside', apply: phoneScreenshot },
  { name: 'collage-2x2', category: 'composite', description: '2x2 collage with three other photos', apply: collage },
];
