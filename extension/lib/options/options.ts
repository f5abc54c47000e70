import type { ListName } from '../../../shared/match/types';
import type { Translate } from '../i18n';
import {
  DEFAULT_FAILSAFE_MS,
  allowedEntriesItem,
  failsafeMsItem,
  pausedSitesItem,
  siteOf,
  subscriptionsItem,
  type Subscription,
} from '../settings';
import { h, replace } from '../ui/dom';

/**
 * The options page: subscribed registries (URL, pinned key, which lists), paused sites, images
 * the user allowed, and the failsafe. Every change is written to storage; the background and
 * the content scripts watch storage and follow.
 */
export async function renderOptions(root: HTMLElement, t: Translate): Promise<void> {
  const subsList = h('ul', { class: 'plain', 'data-testid': 'subscriptions' });
  const pausedList = h('ul', { class: 'plain', 'data-testid': 'paused' });
  const allowedList = h('ul', { class: 'plain', 'data-testid': 'allowed' });
  const formError = h('p', { class: 'error', role: 'alert' });
  const siteError = h('p', { class: 'error', role: 'alert' });
  const saved = h('span', { class: 'ok', role: 'status' });

  const urlInput = h('input', { type: 'url', id: 'sub-url', placeholder: 'https://', 'data-testid': 'sub-url' });
  const keyInput = h('input', { type: 'text', id: 'sub-key', spellcheck: 'false', size: 66, 'data-testid': 'sub-key' });
  const useReported = h('input', { type: 'checkbox', checked: true, id: 'sub-reported' });
  const useConfirmed = h('input', { type: 'checkbox', checked: true, id: 'sub-confirmed' });
  const siteInput = h('input', { type: 'text', id: 'site', 'data-testid': 'site' });
  const failsafeInput = h('input', { type: 'number', id: 'failsafe', min: 1, max: 120, step: 1 });

  replace(
    root,
    h('h1', {}, t('optionsTitle')),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('optionsListsHeading')),
      h('p', { class: 'muted' }, t('optionsListsHelp')),
      subsList,
      h(
        'form',
        { class: 'stack', 'data-testid': 'add-sub' },
        h('label', { for: 'sub-url' }, t('optionsRegistryUrl')),
        urlInput,
        h('label', { for: 'sub-key' }, t('optionsPublicKey')),
        keyInput,
        h('div', { class: 'row' }, h('label', {}, useReported, t('optionsUseReported')), h('label', {}, useConfirmed, t('optionsUseConfirmed'))),
        h('div', {}, h('button', { type: 'submit' }, t('optionsAddList'))),
        formError,
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('optionsPausedHeading')),
      h('p', { class: 'muted' }, t('optionsPausedHelp')),
      pausedList,
      h(
        'form',
        { class: 'row', 'data-testid': 'add-site' },
        h('label', { for: 'site' }, t('optionsSiteName')),
        siteInput,
        h('button', { type: 'submit' }, t('optionsAddSite')),
      ),
      siteError,
    ),
    h('section', { class: 'card' }, h('h2', {}, t('optionsAllowedHeading')), h('p', { class: 'muted' }, t('optionsAllowedHelp')), allowedList),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('optionsFailsafeHeading')),
      h('p', { class: 'muted' }, t('optionsFailsafeHelp')),
      h('form', { class: 'row', 'data-testid': 'failsafe' }, h('label', { for: 'failsafe' }, t('optionsFailsafeSeconds')), failsafeInput, h('button', { type: 'submit' }, t('optionsSave')), saved),
    ),
  );

  const removeButton = (label: string, onRemove: () => Promise<void>) =>
    h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('optionsRemove')}: ${label}`, onclick: () => void onRemove().then(render) }, t('optionsRemove'));

  const render = async () => {
    const [subs, paused, allowed, failsafe] = await Promise.all([
      subscriptionsItem.getValue(),
      pausedSitesItem.getValue(),
      allowedEntriesItem.getValue(),
      failsafeMsItem.getValue(),
    ]);
    replace(
      subsList,
      ...(subs.length
        ? subs.map((s) =>
            h(
              'li',
              { class: 'row' },
              h('span', {}, s.url),
              h('code', { class: 'muted', title: s.publicKey }, s.publicKey ? `${s.publicKey.slice(0, 16)}…` : t('error.no-key')),
              h('span', { class: 'muted' }, s.lists.map((l) => t(l === 'confirmed' ? 'listConfirmed' : 'listReported')).join(', ')),
              removeButton(s.url, () => subscriptionsItem.setValue(subs.filter((x) => x.id !== s.id))),
            ),
          )
        : [h('li', { class: 'muted' }, t('optionsNone'))]),
    );
    replace(
      pausedList,
      ...(paused.length
        ? paused.map((p) => h('li', { class: 'row' }, h('span', {}, p), removeButton(p, () => pausedSitesItem.setValue(paused.filter((x) => x !== p)))))
        : [h('li', { class: 'muted' }, t('optionsNone'))]),
    );
    replace(
      allowedList,
      ...(allowed.length
        ? allowed.map((a, i) =>
            h(
              'li',
              { class: 'row' },
              h('span', {}, t('optionsAllowedItem', t(a.list === 'confirmed' ? 'listConfirmed' : 'listReported'), a.hash.slice(0, 8))),
              removeButton(a.hash.slice(0, 8), () => allowedEntriesItem.setValue(allowed.filter((_, j) => j !== i))),
            ),
          )
        : [h('li', { class: 'muted' }, t('optionsNone'))]),
    );
    failsafeInput.value = String(Math.round(failsafe / 1000));
  };

  root.querySelector('[data-testid=add-sub]')?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const url = normaliseRegistryUrl(urlInput.value);
    const key = keyInput.value.trim().toLowerCase();
    const lists: ListName[] = [...(useReported.checked ? (['reported'] as const) : []), ...(useConfirmed.checked ? (['confirmed'] as const) : [])];
    if (!url) return void (formError.textContent = t('optionsInvalidUrl'));
    if (!/^[0-9a-f]{64}$/.test(key)) return void (formError.textContent = t('optionsInvalidKey'));
    const subs = await subscriptionsItem.getValue();
    if (subs.some((s) => s.url === url)) return void (formError.textContent = t('optionsDuplicate'));
    formError.textContent = '';
    const sub: Subscription = { id: `sub-${Date.now().toString(36)}`, url, publicKey: key, lists: lists.length ? lists : ['reported', 'confirmed'] };
    await subscriptionsItem.setValue([...subs, sub]);
    urlInput.value = keyInput.value = '';
    await render();
  });

  root.querySelector('[data-testid=add-site]')?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const site = normaliseSite(siteInput.value);
    if (!site) return void (siteError.textContent = t('optionsInvalidSite'));
    siteError.textContent = '';
    const paused = await pausedSitesItem.getValue();
    if (!paused.includes(site)) await pausedSitesItem.setValue([...paused, site]);
    siteInput.value = '';
    await render();
  });

  root.querySelector('[data-testid=failsafe]')?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const seconds = Number(failsafeInput.value);
    await failsafeMsItem.setValue(Number.isFinite(seconds) && seconds >= 1 && seconds <= 120 ? Math.round(seconds * 1000) : DEFAULT_FAILSAFE_MS);
    saved.textContent = t('optionsSaved');
    await render();
  });

  await render();
}

/** An http(s) URL without trailing slash, or '' if it is not one. */
export function normaliseRegistryUrl(input: string): string {
  try {
    const u = new URL(input.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return '';
    return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
  } catch {
    return '';
  }
}

/** A host name (from a host or a URL), normalised for the pause list; '' if not one. */
export function normaliseSite(input: string): string {
  const raw = input.trim();
  if (!raw) return '';
  try {
    const host = raw.includes('://') ? new URL(raw).hostname : new URL(`http://${raw}`).hostname;
    return /^[a-z0-9.-]+$/i.test(host) && (host.includes('.') || host === 'localhost') ? siteOf(host) : '';
  } catch {
    return '';
  }
}
