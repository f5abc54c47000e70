import { browser } from 'wxt/browser';
import { imageHashesToJson } from '../../../shared/registry/wire';
import { TEST_HOOKS } from '../config';
import { browserTranslator } from '../i18n';
import { parseBackgroundRequest, type BackgroundRequest, type BackgroundStatus, type TabStats } from '../messages';
import { sendToTab } from '../messaging';
import { RegistryApi } from '../registryApi';
import {
  SYNC_ALARM,
  allowedEntriesItem,
  listStatusItem,
  subscriptionsItem,
  type AllowedEntry,
} from '../settings';
import { ImageChecker, type CheckerDeps } from './checker';
import { dataUrlToBytes } from './dataUrl';
import { ListService, type ListServiceDeps } from './lists';

/**
 * The background, assembled: list sync on an alarm, the image checker behind the message union,
 * the toolbar badge, and the two context-menu actions. The entrypoint passes the platform parts
 * (fetch, IndexedDB storage, the shared matcher and decoder) so this file holds only wiring.
 */
export interface BackgroundDeps {
  lists: Omit<ListServiceDeps, 'now'>;
  checker: Omit<CheckerDeps, 'index'>;
}

const MENU_REPORT = 'veil-report';
const MENU_NOT_LEAKED = 'veil-not-leaked';
/** The alarm only asks "is anything due?"; the real schedule (and back-off) is in the list status. */
const ALARM_PERIOD_MINUTES = 1;

export function startBackground(deps: BackgroundDeps): void {
  const t = browserTranslator();
  const lists = new ListService(deps.lists);
  const checker = new ImageChecker({ ...deps.checker, index: lists });
  const tabCounts = new Map<number, Map<number, TabStats>>();
  // Firefox's MV2 build has browserAction where Chrome's MV3 has action.
  const action = browser.action ?? (browser as unknown as { browserAction: typeof browser.action }).browserAction;

  const persistStatus = () => listStatusItem.setValue(lists.status);
  const restartLists = async () => {
    const [subs, status, allowed] = await Promise.all([subscriptionsItem.getValue(), listStatusItem.getValue(), allowedEntriesItem.getValue()]);
    await lists.start(subs, status, allowed);
    await persistStatus();
  };
  const syncDue = async (force = false) => {
    await lists.syncDue(force);
    await persistStatus();
  };

  // Start: rebuild the index from the stored copies, then update whatever is due.
  void restartLists().then(() => syncDue());
  // The worker starts many times a day; re-creating the alarm each time would push it back
  // every time, so it is created only when missing.
  void browser.alarms.get(SYNC_ALARM).then((existing) => {
    if (!existing) void browser.alarms.create(SYNC_ALARM, { periodInMinutes: ALARM_PERIOD_MINUTES, delayInMinutes: ALARM_PERIOD_MINUTES });
  });
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === SYNC_ALARM) void syncDue();
  });
  subscriptionsItem.watch((now, before) => {
    const kept = new Set(now.map((s) => s.id));
    for (const gone of (before ?? []).filter((s) => !kept.has(s.id))) void deps.lists.forgetStorage?.(gone.id).catch(() => undefined);
    void restartLists().then(() => syncDue(true));
  });
  allowedEntriesItem.watch((now, before) => {
    // Additions apply at once (lists.allow); a removal needs the index rebuilt with the entry back.
    const key = (a: AllowedEntry) => `${a.subscription}/${a.list}/${a.kind}/${a.hash}`;
    const kept = new Set(now.map(key));
    if ((before ?? []).some((a) => !kept.has(key(a)))) void restartLists();
  });

  const status = async (): Promise<BackgroundStatus> => ({
    version: browser.runtime.getManifest().version,
    lists: Object.values(lists.status),
  });

  const updateBadge = (tabId: number) => {
    let hidden = 0;
    for (const c of tabCounts.get(tabId)?.values() ?? []) hidden += c.hidden;
    void action.setBadgeText({ tabId, text: hidden > 0 ? String(hidden) : '' }).catch(() => undefined);
  };
  void action.setBadgeBackgroundColor({ color: '#5b3fd1' }).catch(() => undefined);

  const handle = async (msg: BackgroundRequest, sender: { tab?: { id?: number }; frameId?: number }): Promise<unknown> => {
    switch (msg.type) {
      case 'check':
        return (await checker.check(msg.url)).verdict;
      case 'check-data':
        return (await checker.checkBytes(dataUrlToBytes(msg.dataUrl))).verdict;
      case 'page-count': {
        const tabId = sender.tab?.id;
        if (tabId === undefined || tabId < 0) return null;
        let frames = tabCounts.get(tabId);
        if (!frames) tabCounts.set(tabId, (frames = new Map()));
        frames.set(sender.frameId ?? 0, { hidden: msg.hidden, checked: msg.checked });
        updateBadge(tabId);
        return null;
      }
      case 'tab-stats': {
        const out: TabStats = { hidden: 0, checked: 0 };
        for (const c of tabCounts.get(msg.tabId)?.values() ?? []) {
          out.hidden += c.hidden;
          out.checked += c.checked;
        }
        return out;
      }
      case 'status':
        return status();
      case 'sync-now':
        await syncDue(true);
        return status();
    }
  };

  browser.runtime.onMessage.addListener((raw, sender, sendResponse) => {
    if (sender.id !== browser.runtime.id) return undefined;
    const msg = parseBackgroundRequest(raw);
    if (!msg) return undefined;
    handle(msg, sender).then(sendResponse, () => sendResponse(null));
    return true; // answered asynchronously
  });

  browser.tabs.onUpdated.addListener((tabId, info) => {
    // A top-level load (a reload too) starts the tab's count afresh; frames report again.
    if (info.status === 'loading') {
      tabCounts.delete(tabId);
      updateBadge(tabId);
    }
  });
  browser.tabs.onRemoved.addListener((tabId) => tabCounts.delete(tabId));

  // Context menus are created once per install or update (they persist across worker restarts).
  browser.runtime.onInstalled.addListener(() => {
    void browser.contextMenus.removeAll().then(() => {
      browser.contextMenus.create({ id: MENU_REPORT, title: t('menuReport'), contexts: ['image'] });
      browser.contextMenus.create({ id: MENU_NOT_LEAKED, title: t('menuNotLeaked'), contexts: ['image'] });
    });
  });

  const onMenu = (menuItemId: string | number, url: string | undefined, tabId: number | undefined): Promise<void> => {
    if (!url || tabId === undefined || (menuItemId !== MENU_REPORT && menuItemId !== MENU_NOT_LEAKED)) return Promise.resolve();
    const notify = (key: 'noticeReported' | 'noticeNotLeaked' | 'noticeReportFailed' | 'noticeNoImage') =>
      void sendToTab(tabId, { type: 'notice', key }, 0).catch(() => undefined);
    return (async () => {
      const subs = await subscriptionsItem.getValue();
      let hashes;
      try {
        hashes = await checker.hashUrl(url);
      } catch {
        notify('noticeNoImage');
        return;
      }
      if (menuItemId === MENU_REPORT) {
        // A deliberate act by the user: the image's hashes (never the image, never the page)
        // go to the first subscribed registry.
        const sub = subs[0];
        if (!sub) return notify('noticeReportFailed');
        try {
          const api = new RegistryApi(sub.url);
          if (sub.reporterKey) await api.report('report', imageHashesToJson(hashes), sub.reporterKey);
          else await api.submit(imageHashesToJson(hashes));
          notify('noticeReported');
        } catch {
          notify('noticeReportFailed');
        }
        return;
      }
      // "This is not a leaked photo": allow the photo's entries here at once, reveal it on the
      // page, and (with a reporter key) tell the registry that listed it: a dispute.
      const allowed = lists.allowMatches(hashes);
      if (allowed.length > 0) {
        await allowedEntriesItem.setValue([...(await allowedEntriesItem.getValue()), ...allowed]);
        void sendToTab(tabId, { type: 'reveal-url', url }).catch(() => undefined);
      }
      for (const sub of subs) {
        const disputed = allowed.filter((a) => a.subscription === sub.id);
        if (!sub.reporterKey || disputed.length === 0) continue;
        try {
          await new RegistryApi(sub.url).report('dispute', disputed.map((a) => ({ kind: a.kind, hash: a.hash, quality: a.quality })), sub.reporterKey);
        } catch {
          // The local allow stands even when the registry cannot be told now.
        }
      }
      notify('noticeNotLeaked');
    })();
  };
  browser.contextMenus.onClicked.addListener((info, tab) => void onMenu(info.menuItemId, info.srcUrl, tab?.id));

  if (TEST_HOOKS) {
    // Headless Chromium draws no context menu: the e2e tests call the same handler directly.
    (globalThis as { veilTest?: unknown }).veilTest = {
      menu: (item: 'report' | 'not-leaked', srcUrl: string, tabId: number) => onMenu(item === 'report' ? MENU_REPORT : MENU_NOT_LEAKED, srcUrl, tabId),
      syncNow: () => syncDue(true),
      /** The benchmark's decision time: decode, hash and match of bytes already in memory. */
      timeDecision: async (url: string) => {
        const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
        const timings = { decode: 0, hash: 0, match: 0 };
        const t0 = performance.now();
        const result = await checker.checkBytes(bytes, timings);
        return { ms: performance.now() - t0, ...timings, verdict: result.verdict.verdict };
      },
      entryCount: () => lists.entryCount,
      memory: () => lists.memoryBytes(),
    };
  }
}
