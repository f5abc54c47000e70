import { browser } from 'wxt/browser';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { browserTranslator } from '../i18n';
import { parseContentRequest } from '../messages';
import { sendToBackground } from '../messaging';
import { DEFAULT_FAILSAFE_MS, failsafeMsItem, isPaused, pausedSitesItem } from '../settings';
import { createPageChecker } from './client';
import { PageGuard } from './guard';
import { topSiteOf } from './sources';

/**
 * Wires the page guard into one frame. Called synchronously from the content script's `main` at
 * document start: the guard starts watching before the settings are read (images stay hidden
 * meanwhile), and stops again if this site turns out to be paused.
 */
export function runContentScript(ctx: ContentScriptContext, win: Window = window): void {
  const t = browserTranslator();
  const site = topSiteOf(win);
  const check = createPageChecker(
    (msg) => sendToBackground(msg),
    async (url) => (await fetch(url)).blob(),
  );
  let guard: PageGuard | null = null;
  let failsafeMs = DEFAULT_FAILSAFE_MS;

  const start = () => {
    setOff(win.document, false);
    guard = new PageGuard({
      win,
      host: ctx,
      t,
      check,
      failsafeMs: () => failsafeMs,
      onCounts: (hidden, checked) => void sendToBackground({ type: 'page-count', hidden, checked }).catch(() => undefined),
    });
    guard.start();
  };
  const stop = () => {
    guard?.stop();
    guard = null;
    setOff(win.document, true);
  };

  start();
  void Promise.all([pausedSitesItem.getValue(), failsafeMsItem.getValue()]).then(([paused, ms]) => {
    failsafeMs = ms;
    if (isPaused(site, paused)) stop();
  });
  const unwatchPaused = pausedSitesItem.watch((paused) => {
    const now = isPaused(site, paused);
    if (now && guard) stop();
    else if (!now && !guard) start();
  });

  const onMessage = (raw: unknown, sender: { id?: string }) => {
    if (sender.id !== browser.runtime.id) return;
    const msg = parseContentRequest(raw);
    if (!msg || !guard) return;
    if (msg.type === 'reveal-url') guard.revealUrl(msg.url);
    else if (msg.type === 'notice' && win === win.top) guard.overlay.notice(t(msg.key));
  };
  browser.runtime.onMessage.addListener(onMessage);

  ctx.onInvalidated(() => {
    // The extension was updated or removed: never leave the page's images hidden behind us.
    unwatchPaused();
    browser.runtime.onMessage.removeListener(onMessage);
    stop();
  });
}

/** `data-veil-off` on <html> lifts all of hide.css; <html> may not exist yet at document start. */
function setOff(doc: Document, off: boolean): void {
  const apply = () => {
    if (off) doc.documentElement?.setAttribute('data-veil-off', '');
    else doc.documentElement?.removeAttribute('data-veil-off');
  };
  if (doc.documentElement) {
    apply();
    return;
  }
  const mo = new MutationObserver(() => {
    if (!doc.documentElement) return;
    mo.disconnect();
    apply();
  });
  mo.observe(doc, { childList: true });
}
