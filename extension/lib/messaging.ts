import { browser } from 'wxt/browser';
import type { BackgroundRequest, BackgroundResponse, ContentRequest, ContentResponse } from './messages';

/** Typed sends over the one message union (see messages.ts); receivers validate what arrives. */
export async function sendToBackground<T extends BackgroundRequest>(msg: T): Promise<BackgroundResponse<T>> {
  return (await browser.runtime.sendMessage(msg)) as BackgroundResponse<T>;
}

export async function sendToTab<T extends ContentRequest>(tabId: number, msg: T, frameId?: number): Promise<ContentResponse<T>> {
  const options = frameId === undefined ? undefined : { frameId };
  return (await browser.tabs.sendMessage(tabId, msg, options)) as ContentResponse<T>;
}

/**
 * The URL of one of the extension's own pages. (WXT types getURL against generated path types
 * that this repository's tsconfig does not include, hence the plain signature.)
 */
export function extensionUrl(path: string): string {
  return (browser.runtime as unknown as { getURL(path: string): string }).getURL(path);
}
