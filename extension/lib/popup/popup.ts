import { browser } from 'wxt/browser';
import type { Translate, MessageKey } from '../i18n';
import type { BackgroundStatus, TabStats } from '../messages';
import { extensionUrl, sendToBackground } from '../messaging';
import { isPaused, pausedSitesItem, siteOf, subscriptionsItem, type ListStatus } from '../settings';
import { h, replace } from '../ui/dom';

/**
 * The toolbar popup: this page's count, pause for this site, the lists with their version, last
 * update and any refusal, and links to the settings and the protect page. `?tab=<id>` selects
 * the tab explicitly (the e2e tests open the popup as a page); otherwise the active tab.
 */
export async function renderPopup(root: HTMLElement, t: Translate, search: string): Promise<void> {
  const tab = await targetTab(search);
  const site = tab?.url && /^https?:/.test(tab.url) ? siteOf(new URL(tab.url).hostname) : null;

  const stats = h('div', { class: 'card', 'data-testid': 'stats' });
  const pause = h('button', { type: 'button', 'data-testid': 'pause' });
  const lists = h('ul', { class: 'plain', 'data-testid': 'lists' });
  const version = h('p', { class: 'muted' });
  const update = h('button', { type: 'button', class: 'secondary', 'data-testid': 'update' }, t('popupUpdateNow'));

  replace(
    root,
    h('h1', {}, t('extName')),
    stats,
    site ? pause : null,
    h('h2', {}, t('popupLists')),
    lists,
    h('div', { class: 'row' }, update),
    h(
      'p',
      { class: 'row' },
      h('button', { type: 'button', class: 'secondary', onclick: () => void browser.runtime.openOptionsPage() }, t('popupOptions')),
      h('button', { type: 'button', class: 'secondary', onclick: () => void browser.tabs.create({ url: extensionUrl('/protect.html') }) }, t('popupProtect')),
    ),
    h('p', { class: 'muted' }, t('popupPrivacy')),
    version,
  );

  const renderStats = async () => {
    if (!tab?.id || !site) {
      replace(stats, h('p', {}, t('popupNoPage')));
      return;
    }
    const s: TabStats = await sendToBackground({ type: 'tab-stats', tabId: tab.id });
    const paused = isPaused(site, await pausedSitesItem.getValue());
    replace(
      stats,
      h('p', {}, `${t('popupHiddenOnPage')}: `, h('strong', { 'data-testid': 'hidden-count' }, s.hidden)),
      h('p', { class: 'muted' }, `${t('popupCheckedOnPage')}: ${s.checked}`),
      paused ? h('p', { class: 'error' }, t('popupPaused', site)) : null,
    );
    pause.textContent = paused ? t('popupResumeSite') : t('popupPauseSite');
    pause.setAttribute('aria-pressed', String(paused));
  };

  const renderLists = async (status: BackgroundStatus) => {
    const subs = await subscriptionsItem.getValue();
    version.textContent = t('popupVersion', status.version);
    replace(lists, ...status.lists.map((l) => listRow(l, t, subs.find((s) => s.id === l.subscription)?.url ?? '')));
  };

  pause.addEventListener('click', async () => {
    if (!site) return;
    const paused = await pausedSitesItem.getValue();
    const next = isPaused(site, paused) ? paused.filter((p) => !(site === p || site.endsWith(`.${p}`))) : [...paused, site];
    await pausedSitesItem.setValue(next);
    await renderStats();
  });
  update.addEventListener('click', async () => {
    update.disabled = true;
    await renderLists(await sendToBackground({ type: 'sync-now' }));
    update.disabled = false;
  });

  await Promise.all([renderStats(), sendToBackground({ type: 'status' }).then(renderLists)]);
  // The page may still be loading: keep the count current while the popup is open.
  setInterval(() => void renderStats(), 1000);
}

function listRow(l: ListStatus, t: Translate, url: string): HTMLLIElement {
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // shown as stored
  }
  const name = t(l.list === 'confirmed' ? 'listConfirmed' : 'listReported');
  const errorKey = l.error ? (`error.${l.error}` as MessageKey) : null;
  return h(
    'li',
    { 'data-list': l.list, 'data-error': l.error ?? '' },
    h('strong', {}, name),
    h('span', { class: 'muted' }, ` · ${host}`),
    h('br'),
    l.sequence > 0 ? t('popupListEntries', l.entries, l.sequence) : t('popupListNever'),
    l.updatedAt > 0 ? h('span', { class: 'muted' }, ` · ${t('popupListUpdated', new Date(l.updatedAt).toLocaleString())}`) : null,
    errorKey ? h('p', { class: 'error', role: 'alert', 'data-testid': 'list-error' }, safeT(t, errorKey)) : null,
  );
}

/** An error code this build has no text for gets the generic one. */
function safeT(t: Translate, key: MessageKey): string {
  try {
    const text = t(key);
    return text === undefined ? t('error.internal') : text;
  } catch {
    return t('error.internal');
  }
}

async function targetTab(search: string): Promise<{ id?: number; url?: string } | null> {
  const asked = Number(new URLSearchParams(search).get('tab'));
  if (Number.isInteger(asked) && asked > 0) return browser.tabs.get(asked).catch(() => null);
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab ?? null;
}
