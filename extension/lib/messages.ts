import type { ListName } from '../../shared/match/types';
import type { MessageKey } from './i18n';
import type { ListStatus } from './settings';

/**
 * Every message between the extension's parts, as one union keyed on `type` (style: messages one
 * union here). Receivers validate with `parseBackgroundRequest` / `parseContentRequest` before
 * acting: a message is untrusted input even from our own content script, which runs inside a
 * page that may have been tampered with.
 */

/** The background's answer for one image. */
export type Verdict =
  | { verdict: 'clear' }
  | { verdict: 'listed'; list: ListName }
  /** Not decided (fetch failed, too large, not an image, too small or flat to hash): shown. */
  | { verdict: 'unchecked'; reason: string };

export interface BackgroundStatus {
  version: string;
  lists: ListStatus[];
}

/** Sent to the background (runtime.sendMessage). */
export type BackgroundRequest =
  /** Check the image at this absolute http(s) or data: URL. */
  | { type: 'check'; url: string }
  /** Check bytes the content script read itself (blob: URLs), as a data: URL. */
  | { type: 'check-data'; dataUrl: string }
  /** The frame's counts, for the toolbar badge. */
  | { type: 'page-count'; hidden: number; checked: number }
  /** The summed counts of a tab's frames, for the popup. */
  | { type: 'tab-stats'; tabId: number }
  | { type: 'status' }
  | { type: 'sync-now' };

export interface BackgroundResponses {
  check: Verdict;
  'check-data': Verdict;
  'page-count': null;
  'tab-stats': TabStats;
  status: BackgroundStatus;
  'sync-now': BackgroundStatus;
}

export interface TabStats {
  hidden: number;
  checked: number;
}

/** Sent to a tab's content scripts (tabs.sendMessage). */
export type ContentRequest =
  /** Show images with this URL (after "This is not a leaked photo"). */
  | { type: 'reveal-url'; url: string }
  /** Show a short notice on the page. */
  | { type: 'notice'; key: MessageKey };

export interface ContentResponses {
  'reveal-url': null;
  notice: null;
}

export type BackgroundResponse<T extends BackgroundRequest> = BackgroundResponses[T['type']];
export type ContentResponse<T extends ContentRequest> = ContentResponses[T['type']];

/** URLs longer than this are not checked (they are shown): no real image URL is this long. */
export const MAX_URL_LENGTH = 8192;
/** blob: images read by the content script travel as data: URLs up to this many characters. */
export const MAX_DATA_URL_LENGTH = 8 * 1024 * 1024;
const NOTICE_KEYS = new Set<string>(['noticeReported', 'noticeNotLeaked', 'noticeReportFailed', 'noticeNoImage']);

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < 1e7;
}

export function isCheckableUrl(url: unknown): url is string {
  return typeof url === 'string' && url.length <= MAX_URL_LENGTH && /^(https?:|data:image\/)/i.test(url);
}

/** Returns the request if it is well formed, else null (and the receiver ignores it). */
export function parseBackgroundRequest(x: unknown): BackgroundRequest | null {
  if (!isRecord(x)) return null;
  switch (x.type) {
    case 'check':
      return isCheckableUrl(x.url) ? { type: 'check', url: x.url } : null;
    case 'check-data':
      return typeof x.dataUrl === 'string' && x.dataUrl.length <= MAX_DATA_URL_LENGTH && x.dataUrl.startsWith('data:')
        ? { type: 'check-data', dataUrl: x.dataUrl }
        : null;
    case 'page-count':
      return isCount(x.hidden) && isCount(x.checked) ? { type: 'page-count', hidden: x.hidden, checked: x.checked } : null;
    case 'tab-stats':
      return typeof x.tabId === 'number' && Number.isInteger(x.tabId) && x.tabId >= 0 ? { type: 'tab-stats', tabId: x.tabId } : null;
    case 'status':
      return { type: 'status' };
    case 'sync-now':
      return { type: 'sync-now' };
    default:
      return null;
  }
}

export function parseContentRequest(x: unknown): ContentRequest | null {
  if (!isRecord(x)) return null;
  switch (x.type) {
    case 'reveal-url':
      return typeof x.url === 'string' && x.url.length <= MAX_URL_LENGTH ? { type: 'reveal-url', url: x.url } : null;
    case 'notice':
      return typeof x.key === 'string' && NOTICE_KEYS.has(x.key) ? { type: 'notice', key: x.key as MessageKey } : null;
    default:
      return null;
  }
}

/** Validates a verdict coming back from the background (the content script trusts nothing). */
export function parseVerdict(x: unknown): Verdict | null {
  if (!isRecord(x)) return null;
  if (x.verdict === 'clear') return { verdict: 'clear' };
  if (x.verdict === 'listed' && (x.list === 'reported' || x.list === 'confirmed')) return { verdict: 'listed', list: x.list };
  if (x.verdict === 'unchecked' && typeof x.reason === 'string') return { verdict: 'unchecked', reason: x.reason.slice(0, 64) };
  return null;
}
