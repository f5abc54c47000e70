import { MAX_DATA_URL_LENGTH, MAX_URL_LENGTH, isCheckableUrl, parseVerdict, type Verdict } from '../messages';

/**
 * The content script's view of the background check: one request per URL per page (the same
 * image repeated 50 times is asked about once), and every failure folded into `unchecked` so
 * the guard never waits on a rejected promise.
 */
export type SendCheck = (msg: { type: 'check'; url: string } | { type: 'check-data'; dataUrl: string }) => Promise<unknown>;

const UNCHECKABLE: Verdict = { verdict: 'unchecked', reason: 'scheme' };

export function createPageChecker(send: SendCheck, fetchBlob: (url: string) => Promise<Blob>): (url: string) => Promise<Verdict> {
  const seen = new Map<string, Promise<Verdict>>();
  return (url) => {
    // Long inline images are not kept as map keys (a page may hold thousands of them).
    if (url.length > MAX_URL_LENGTH) return ask(url, send, fetchBlob);
    let p = seen.get(url);
    if (!p) {
      p = ask(url, send, fetchBlob);
      seen.set(url, p);
    }
    return p;
  };
}

async function ask(url: string, send: SendCheck, fetchBlob: (url: string) => Promise<Blob>): Promise<Verdict> {
  try {
    if (url.startsWith('blob:')) {
      // A blob: URL only resolves inside the page's own origin, so the page side reads the bytes.
      const blob = await fetchBlob(url);
      if (blob.size * 1.4 > MAX_DATA_URL_LENGTH) return { verdict: 'unchecked', reason: 'image/too-large-bytes' };
      const dataUrl = await blobToDataUrl(blob);
      return parseVerdict(await send({ type: 'check-data', dataUrl })) ?? { verdict: 'unchecked', reason: 'internal' };
    }
    if (/^data:image\//i.test(url) && url.length > MAX_URL_LENGTH) {
      // A large inline image (base64 thumbnails): its bytes travel as they are.
      if (url.length > MAX_DATA_URL_LENGTH) return { verdict: 'unchecked', reason: 'image/too-large-bytes' };
      return parseVerdict(await send({ type: 'check-data', dataUrl: url })) ?? { verdict: 'unchecked', reason: 'internal' };
    }
    if (!isCheckableUrl(url)) return UNCHECKABLE;
    return parseVerdict(await send({ type: 'check', url })) ?? { verdict: 'unchecked', reason: 'internal' };
  } catch {
    // Extension reloaded, background gone, blob revoked: the failsafe shows it.
    return { verdict: 'unchecked', reason: 'internal' };
  }
}

function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(blob);
  });
}
