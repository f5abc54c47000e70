/**
 * Where an element's picture comes from. DOM readers take the element (and its window where
 * styles are needed) as parameters, so they work on any document, including frames.
 *
 * Kinds of source, each with its own state attribute (see hide.css), because one element can
 * carry two: a <video> has a poster, and any element can also have a CSS background.
 */
export type SourceKind = 'img' | 'poster' | 'svg' | 'bg';

/** The attribute that carries an element's state for one kind of source. */
export const STATE_ATTR: Record<SourceKind, string> = {
  img: 'data-veil',
  poster: 'data-veil-poster',
  svg: 'data-veil',
  bg: 'data-veil-bg',
};

/**
 * States, written into STATE_ATTR. Absent or `pending`: hidden by hide.css. `clear`: checked and
 * not listed. `listed`: blurred with a label. `shown`: revealed by the user, or not checkable
 * (failsafe, fetch failed, paused), so shown as the page has it.
 */
export type SourceState = 'pending' | 'clear' | 'listed' | 'shown';

/** Elements hide.css hides until checked, as one selector for querySelectorAll. */
export const HIDDEN_SELECTOR = 'img, input[type="image" i], video[poster], image';

/** The URL an <img> (or <input type=image>) is showing or about to show; '' if none yet. */
export function imgUrl(img: HTMLImageElement | HTMLInputElement): string {
  if (img instanceof HTMLImageElement || img.localName === 'img') {
    const el = img as HTMLImageElement;
    // currentSrc is the candidate the browser picked from srcset / <picture>; it is empty until
    // selection ran. Before that, a plain src (no srcset, not inside <picture>) is what will load.
    if (el.currentSrc) return el.currentSrc;
    if (el.hasAttribute('srcset') || el.parentElement?.localName === 'picture') return '';
    return el.getAttribute('src') ? el.src : '';
  }
  return img.getAttribute('src') ? img.src : '';
}

/** The poster URL of a <video>, resolved; '' if none. */
export function posterUrl(video: HTMLVideoElement): string {
  return video.getAttribute('poster') ? video.poster : '';
}

/** The href of an SVG <image>, resolved against the document; '' if none. */
export function svgImageUrl(image: SVGImageElement): string {
  const raw = image.href?.baseVal || image.getAttribute('href') || image.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || '';
  if (!raw) return '';
  try {
    return new URL(raw, image.ownerDocument.baseURI).href;
  } catch {
    return '';
  }
}

const URL_IN_CSS = /url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)'"\s]+))\s*\)/g;

/**
 * The image URLs in a computed `background-image` value (several layers possible; gradients are
 * not images of anyone and are skipped). Computed values hold absolute URLs already.
 */
export function backgroundUrls(value: string): string[] {
  if (!value || value === 'none' || !value.includes('url(')) return [];
  const urls: string[] = [];
  for (const m of value.matchAll(URL_IN_CSS)) {
    const url = (m[1] ?? m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
    if (url) urls.push(url);
  }
  return urls;
}

/** The element's background image URLs, from its computed style in `win`. */
export function elementBackgroundUrls(el: Element, win: Window): string[] {
  const value = win.getComputedStyle(el).backgroundImage;
  return backgroundUrls(value);
}

/** Which image sources an element can show, by its tag (backgrounds are checked for every element). */
export function sourceKindOf(el: Element): Exclude<SourceKind, 'bg'> | null {
  switch (el.localName) {
    case 'img':
      return 'img';
    case 'input':
      return (el as HTMLInputElement).type === 'image' ? 'img' : null;
    case 'video':
      return 'poster';
    case 'image':
      return el.namespaceURI === 'http://www.w3.org/2000/svg' ? 'svg' : null;
    default:
      return null;
  }
}

/** The URL an element's own (non-background) source shows now; '' if none. */
export function ownSourceUrl(el: Element, kind: Exclude<SourceKind, 'bg'>): string {
  switch (kind) {
    case 'img':
      return imgUrl(el as HTMLImageElement);
    case 'poster':
      return posterUrl(el as HTMLVideoElement);
    case 'svg':
      return svgImageUrl(el as SVGImageElement);
  }
}

/**
 * The top-level site of a frame, for the per-site pause: Chromium tells a frame its ancestors'
 * origins (location.ancestorOrigins); elsewhere a frame falls back to its own host.
 */
export function topSiteOf(win: Window): string {
  const ancestors = win.location.ancestorOrigins;
  if (ancestors && ancestors.length > 0) {
    try {
      return new URL(ancestors[ancestors.length - 1]).hostname;
    } catch {
      // an opaque origin ("null"): use the frame's own host
    }
  }
  return win.location.hostname;
}
