import type { Translate } from '../i18n';
import type { Verdict } from '../messages';
import { OverlayLayer } from './overlay';
import {
  HIDDEN_SELECTOR,
  STATE_ATTR,
  elementBackgroundUrls,
  ownSourceUrl,
  sourceKindOf,
  type SourceKind,
  type SourceState,
} from './sources';

/**
 * The page side of Veil: finds every image source in a document as it appears, asks the
 * background about each URL, and marks the element (hide.css does the hiding). Images start
 * hidden by the stylesheet and only become visible once marked, so nothing is shown before it
 * is checked; the failsafe shows what could not be checked in time.
 */

/** The content script context (WXT's ctx): timers and listeners that stop when the extension goes. */
export interface GuardHost {
  setTimeout(handler: () => void, ms: number): number;
  setInterval(handler: () => void, ms: number): number;
  requestAnimationFrame(cb: FrameRequestCallback): number;
  addEventListener(target: EventTarget, type: string, handler: (e: Event) => void, options?: AddEventListenerOptions): void;
}

export interface GuardOptions {
  win: Window;
  host: GuardHost;
  t: Translate;
  /** Asks the background (or a cache) about one URL. Never rejects: failures are `unchecked`. */
  check: (url: string) => Promise<Verdict>;
  /** Shown anyway after this many ms without a verdict (read per image: settings load late). */
  failsafeMs: () => number;
  /** Told when the counts change (debounced). */
  onCounts: (hidden: number, checked: number) => void;
}

interface SourceRecord {
  /** The URL (or space-joined URLs, for backgrounds) this state is about. */
  key: string;
  state: SourceState;
}

/** Attributes whose change can change what an element shows. */
const WATCHED_ATTRS = ['src', 'srcset', 'sizes', 'poster', 'href', 'xlink:href', 'style', 'class'];
const COUNT_DEBOUNCE_MS = 250;
const FAILSAFE_TICK_MS = 500;

export class PageGuard {
  private readonly doc: Document;
  private readonly records = new WeakMap<Element, Partial<Record<SourceKind, SourceRecord>>>();
  /** Elements shown blurred right now, for the badge. */
  private readonly listed = new Set<Element>();
  /** Elements with a CSS background record, so a rescan can find changed ones. */
  private readonly bgElements = new Set<Element>();
  private checked = 0;
  private observer: MutationObserver | null = null;
  private countTimer = 0;
  private stopped = false;
  readonly overlay: OverlayLayer;

  constructor(private readonly opts: GuardOptions) {
    this.doc = opts.win.document;
    this.overlay = new OverlayLayer(this.doc, opts.host, opts.t, (el) => this.reveal(el));
  }

  /** Starts watching; call synchronously at document start so no parsed node is missed. */
  start(): void {
    const { host, win } = this.opts;
    this.observer = new MutationObserver((records) => this.onMutations(records));
    this.observer.observe(this.doc, { childList: true, subtree: true, attributes: true, attributeFilter: WATCHED_ATTRS });
    // <img> picks its srcset candidate, lazy images start and srcset swaps all end in `load`;
    // stylesheets arriving (link load) can give elements a background.
    host.addEventListener(this.doc, 'load', (e) => this.onLoadOrError(e, false), { capture: true });
    host.addEventListener(this.doc, 'error', (e) => this.onLoadOrError(e, true), { capture: true });
    host.addEventListener(this.doc, 'DOMContentLoaded', () => this.rescanBackgrounds());
    host.addEventListener(win, 'load', () => this.rescanBackgrounds());
    const reposition = () => this.overlay.schedule();
    host.addEventListener(this.doc, 'scroll', reposition, { capture: true, passive: true });
    host.addEventListener(win, 'resize', reposition, { passive: true });
    // Layout shifts move images without any event; labels are few, so a slow poll is cheap.
    host.setInterval(reposition, 1000);
    if (this.doc.documentElement) this.scanTree(this.doc.documentElement);
  }

  /** Stops and shows everything as the page has it (site paused, extension going away). */
  stop(): void {
    this.stopped = true;
    this.observer?.disconnect();
    this.observer = null;
    this.overlay.destroy();
    this.listed.clear();
  }

  get counts(): { hidden: number; checked: number } {
    return { hidden: this.listed.size, checked: this.checked };
  }

  private onMutations(records: MutationRecord[]): void {
    if (this.stopped) return;
    let stylesChanged = false;
    for (const r of records) {
      if (r.type === 'childList') {
        for (const node of r.addedNodes) {
          if (node.nodeType !== 1) continue;
          const el = node as Element;
          if (el.localName === 'veil-layer') continue;
          if (el.localName === 'style' || (el.localName === 'link' && (el as HTMLLinkElement).rel === 'stylesheet')) stylesChanged = true;
          this.scanTree(el);
        }
        for (const node of r.removedNodes) {
          if (node.nodeType === 1) this.forgetTree(node as Element);
        }
      } else if (r.target.nodeType === 1) {
        const el = r.target as Element;
        const kind = sourceKindOf(el);
        if (kind && r.attributeName !== 'class' && r.attributeName !== 'style') this.considerOwn(el, kind);
        if (r.attributeName === 'class' || r.attributeName === 'style') this.considerBackground(el);
      }
    }
    // A new stylesheet can give any element a background: look again before the next paint.
    if (stylesChanged) this.rescanBackgrounds();
  }

  private onLoadOrError(e: Event, failed: boolean): void {
    if (this.stopped) return;
    const el = e.target;
    if (!(el && (el as Node).nodeType === 1)) return;
    const element = el as Element;
    if (element.localName === 'link') {
      this.rescanBackgrounds();
      return;
    }
    const kind = sourceKindOf(element);
    if (kind !== 'img') return;
    if (failed) {
      // The page could not load it: only alt text or a broken-image icon is left to show.
      const rec = this.recordFor(element, 'img');
      if (!rec || rec.state === 'pending') this.setState(element, 'img', { key: rec?.key ?? '', state: 'shown' });
      return;
    }
    this.considerOwn(element, kind);
  }

  private scanTree(root: Element): void {
    const kind = sourceKindOf(root);
    if (kind) this.considerOwn(root, kind);
    for (const el of root.querySelectorAll(HIDDEN_SELECTOR)) {
      const k = sourceKindOf(el);
      if (k) this.considerOwn(el, k);
    }
    this.considerBackground(root);
    for (const el of root.querySelectorAll('*')) this.considerBackground(el);
  }

  private forgetTree(root: Element): void {
    if (this.listed.size === 0) return;
    for (const el of [...this.listed]) {
      if (!el.isConnected && (el === root || root.contains(el))) {
        this.listed.delete(el);
        this.overlay.remove(el);
        this.countsChanged();
      }
    }
  }

  private rescanBackgrounds(): void {
    if (this.stopped || !this.doc.documentElement) return;
    this.considerBackground(this.doc.documentElement);
    for (const el of this.doc.documentElement.querySelectorAll('*')) this.considerBackground(el);
  }

  private recordFor(el: Element, kind: SourceKind): SourceRecord | undefined {
    return this.records.get(el)?.[kind];
  }

  private setState(el: Element, kind: SourceKind, rec: SourceRecord): void {
    let byKind = this.records.get(el);
    if (!byKind) this.records.set(el, (byKind = {}));
    byKind[kind] = rec;
    el.setAttribute(STATE_ATTR[kind], rec.state);
    const wasListed = this.listed.has(el);
    const isListed = (['img', 'poster', 'svg', 'bg'] as const).some((k) => byKind[k]?.state === 'listed');
    if (isListed && !wasListed) this.listed.add(el);
    if (!isListed && wasListed) {
      this.listed.delete(el);
      this.overlay.remove(el);
    }
    if (isListed !== wasListed) this.countsChanged();
  }

  /** An <img>, <input type=image>, <video poster> or SVG <image>: check the URL it shows. */
  private considerOwn(el: Element, kind: Exclude<SourceKind, 'bg'>): void {
    const url = ownSourceUrl(el, kind);
    const rec = this.recordFor(el, kind);
    if (rec && rec.key === url) return;
    if (!url) {
      // No source chosen yet (lazy, srcset pending): hidden until `load` tells us which.
      if (rec && rec.state !== 'pending') this.setState(el, kind, { key: '', state: 'pending' });
      return;
    }
    this.decide(el, kind, [url]);
  }

  private considerBackground(el: Element): void {
    const rec = this.recordFor(el, 'bg');
    // While pending, hide.css removes the background, so the computed value says nothing new.
    if (rec?.state === 'pending') return;
    const urls = elementBackgroundUrls(el, this.opts.win);
    const key = urls.join(' ');
    if (!rec && urls.length === 0) return;
    if (rec && rec.key === key) return;
    if (urls.length === 0) {
      this.setState(el, 'bg', { key: '', state: 'clear' });
      this.bgElements.delete(el);
      return;
    }
    this.bgElements.add(el);
    this.decide(el, 'bg', urls);
  }

  private decide(el: Element, kind: SourceKind, urls: string[]): void {
    const key = urls.join(' ');
    this.setState(el, kind, { key, state: 'pending' });
    const { host } = this.opts;
    let settled = false;
    const since = performance.now();
    // The failsafe re-reads its setting each time it wakes (settings load after the first images
    // are found), and wakes at least every FAILSAFE_TICK_MS so a shorter setting applies promptly.
    const failsafe = () => {
      if (settled || this.stopped) return;
      const rec = this.recordFor(el, kind);
      if (rec?.key !== key || rec.state !== 'pending') return;
      const left = this.opts.failsafeMs() - (performance.now() - since);
      if (left <= 0) this.setState(el, kind, { key, state: 'shown' });
      else host.setTimeout(failsafe, Math.min(left, FAILSAFE_TICK_MS));
    };
    host.setTimeout(failsafe, Math.min(this.opts.failsafeMs(), FAILSAFE_TICK_MS));
    void Promise.all(urls.map((u) => this.opts.check(u))).then((verdicts) => {
      settled = true;
      if (this.stopped) return;
      const rec = this.recordFor(el, kind);
      if (!rec || rec.key !== key) return; // the element moved on to another source meanwhile
      const hit = verdicts.find((v) => v.verdict === 'listed');
      this.checked += 1;
      if (hit && hit.verdict === 'listed') {
        this.setState(el, kind, { key, state: 'listed' });
        this.overlay.show(el, hit.list);
      } else {
        const state: SourceState = verdicts.every((v) => v.verdict === 'clear') ? 'clear' : 'shown';
        // A late verdict after the failsafe showed it: keep it shown (nothing changes on screen).
        this.setState(el, kind, { key, state: rec.state === 'shown' && state === 'clear' ? 'shown' : state });
      }
      this.countsChanged();
      // A background that changed while it was hidden for checking: look at it again.
      if (kind === 'bg') this.considerBackground(el);
    });
  }

  /** The user chose to see this element's image. */
  reveal(el: Element): void {
    const byKind = this.records.get(el);
    if (!byKind) return;
    for (const kind of ['img', 'poster', 'svg', 'bg'] as const) {
      const rec = byKind[kind];
      if (rec?.state === 'listed') this.setState(el, kind, { key: rec.key, state: 'shown' });
    }
  }

  /** Shows every element whose source is this URL (after "This is not a leaked photo"). */
  revealUrl(url: string): void {
    for (const el of [...this.listed]) {
      const byKind = this.records.get(el);
      if (byKind && Object.values(byKind).some((r) => r && r.key.split(' ').includes(url))) this.reveal(el);
    }
  }

  private countsChanged(): void {
    if (this.countTimer) return;
    this.countTimer = this.opts.host.setTimeout(() => {
      this.countTimer = 0;
      if (!this.stopped) this.opts.onCounts(this.listed.size, this.checked);
    }, COUNT_DEBOUNCE_MS);
  }
}
