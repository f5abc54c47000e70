import sharp from 'sharp';
import { seededRandom } from './edits';

/**
 * Web graphics with no photo in them: banners (a colour ramp, a line or two of text, a button),
 * app screens (bars, bubbles of text, an input field) and flat logos (a few shapes). Pages are
 * full of them, and their hashes come from a few large flat shapes, the kind unrelated images
 * share. Never registered: `npm run eval` queries them as negatives, beside scenes.ts.
 */

export type GraphicKind = 'banner' | 'screen' | 'logo';
export const GRAPHICS: readonly [GraphicKind, number][] = [['banner', 40], ['screen', 40], ['logo', 40]];

const WORDS = ['sale', 'new', 'today', 'free', 'shipping', 'sign up', 'hello', 'see you', 'ok', 'lunch?', 'meeting at 3', 'download', 'the app', 'best', 'offer', 'join us', 'weekend', 'news'];

function svg(width: number, height: number, body: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);
}

/** One graphic, seeded, as a PNG (logos, screens) or JPEG (banners) file. */
export async function graphic(kind: GraphicKind, seed: number): Promise<Buffer> {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const colour = () => `rgb(${[0, 1, 2].map(() => Math.floor(r() * 256)).join(',')})`;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const text = (x: number, y: number, size: number, fill: string, anchor = 'start') =>
    `<text x="${x}" y="${y}" font-family="DejaVu Sans, sans-serif" font-weight="${r() < 0.5 ? 'bold' : 'normal'}" font-size="${size}" fill="${fill}" text-anchor="${anchor}">${words(1 + Math.floor(r() * 3))}</text>`;
  if (kind === 'banner') {
    const [w, h] = pick([[728, 90], [970, 250], [1200, 300], [468, 60], [1000, 200]]);
    const [c0, c1] = [colour(), colour()];
    const size = Math.round(h * (0.25 + r() * 0.15));
    const button = r() < 0.6 ? `<rect x="${w * 0.72}" y="${h * 0.3}" rx="${h * 0.1}" width="${w * 0.2}" height="${h * 0.4}" fill="${colour()}"/>${text(w * 0.82, h * 0.58, Math.round(h * 0.16), '#fff', 'middle')}` : '';
    const body =
      `<defs><linearGradient id="g" x1="0" y1="0" x2="${r().toFixed(2)}" y2="${r().toFixed(2)}"><stop offset="0" stop-color="${c0}"/><stop offset="1" stop-color="${c1}"/></linearGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#g)"/>${text(w * 0.05, h * 0.5, size, pick(['#fff', '#111']))}${r() < 0.5 ? text(w * 0.05, h * 0.85, Math.round(size * 0.5), pick(['#fff', '#333'])) : ''}${button}`;
    return sharp(svg(w, h, body)).jpeg({ quality: 80 }).toBuffer();
  }
  if (kind === 'screen') {
    const [w, h] = [pick([360, 390, 540]), pick([640, 780, 1170])];
    const [bg, bar, bubble, mine] = [colour(), colour(), pick(['#ffffff', '#f1f0f0']), colour()];
    let body = `<rect width="100%" height="100%" fill="${bg}"/><rect width="100%" height="${h * 0.09}" fill="${bar}"/>${text(w * 0.05, h * 0.06, Math.round(h * 0.03), '#fff')}`;
    for (let y = h * 0.13; y < h * 0.82; ) {
      const bh = h * (0.05 + r() * 0.05);
      const bw = w * (0.35 + r() * 0.4);
      const own = r() < 0.5;
      const x = own ? w - bw - w * 0.04 : w * 0.04;
      body += `<rect x="${x}" y="${y}" rx="${bh * 0.25}" width="${bw}" height="${bh}" fill="${own ? mine : bubble}"/>${text(x + w * 0.03, y + bh * 0.62, Math.round(bh * 0.35), '#222')}`;
      y += bh + h * (0.02 + r() * 0.03);
    }
    body += `<rect y="${h * 0.92}" width="100%" height="${h * 0.08}" fill="#f0f0f0"/><rect x="${w * 0.04}" y="${h * 0.935}" rx="${h * 0.02}" width="${w * 0.75}" height="${h * 0.05}" fill="#fff"/>`;
    return sharp(svg(w, h, body)).png().toBuffer();
  }
  const side = pick([256, 400, 512]);
  let body = `<rect width="100%" height="100%" fill="${pick(['#ffffff', colour()])}"/>`;
  const shapes = 1 + Math.floor(r() * 4);
  for (let i = 0; i < shapes; i++) {
    const [x, y, s] = [r() * side * 0.6, r() * side * 0.6, side * (0.2 + r() * 0.4)];
    body += r() < 0.5 ? `<circle cx="${x + s / 2}" cy="${y + s / 2}" r="${s / 2}" fill="${colour()}"/>` : `<rect x="${x}" y="${y}" rx="${s * r() * 0.3}" width="${s}" height="${s * (0.5 + r() * 0.5)}" fill="${colour()}"/>`;
  }
  if (r() < 0.5) body += text(side / 2, side * 0.9, Math.round(side * 0.1), '#222', 'middle');
  return sharp(svg(side, side, body)).png().toBuffer();
}
