import type { ListName } from '../../../shared/match/types';
import type { Translate } from '../i18n';

/**
 * The labels over blurred images and the short notices, drawn in one shadow root hung on <html>
 * (outside <body>), so the page's styles do not reach them and the page's own DOM is not
 * rearranged around its images. The root is open: a closed one would only hide the labels from
 * accessibility tooling and tests, not protect anything (a page can always show its own images;
 * what matters is that a page script cannot reveal one for the user, and reveal() only acts on
 * trusted clicks). Labels sit at document coordinates and follow their
 * image on scroll (inner scrollers too), resize and layout shifts.
 */

const LAYER_CSS = `
:host { all: initial; position: absolute; left: 0; top: 0; width: 0; height: 0; overflow: visible; z-index: 2147483646; }
.veil-box { position: absolute; box-sizing: border-box; display: flex; align-items: center; justify-content: center; pointer-events: none; overflow: hidden; }
.veil-label { pointer-events: auto; max-width: calc(100% - 8px); box-sizing: border-box; padding: 8px 10px; border-radius: 8px;
  font: 13px/1.35 system-ui, sans-serif; text-align: center; background: rgba(255,255,255,.94); color: #1b1b1f; box-shadow: 0 1px 6px rgba(0,0,0,.35); }
.veil-label p { margin: 0 0 6px; }
.veil-label button { font: inherit; cursor: pointer; border: 1px solid #5b3fd1; background: #5b3fd1; color: #fff; border-radius: 6px; padding: 4px 10px; }
.veil-label button:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
.veil-compact p { display: none; }
.veil-notice { position: fixed; right: 16px; bottom: 16px; max-width: 360px; padding: 10px 14px; border-radius: 8px; pointer-events: auto;
  font: 14px/1.4 system-ui, sans-serif; background: #1b1b1f; color: #fff; box-shadow: 0 2px 10px rgba(0,0,0,.4); }
@media (prefers-color-scheme: dark) {
  .veil-label { background: rgba(32,32,38,.94); color: #f1f1f4; }
  .veil-label button { background: #8e7bff; border-color: #8e7bff; color: #111; }
  .veil-notice { background: #f1f1f4; color: #1b1b1f; }
}
`;

/** Labels smaller than this show only the button (with the reason as its accessible name). */
const COMPACT_WIDTH = 160;
const COMPACT_HEIGHT = 90;

export interface OverlayHost {
  setTimeout(handler: () => void, ms: number): number;
  requestAnimationFrame(cb: FrameRequestCallback): number;
}

export class OverlayLayer {
  private host: HTMLElement | null = null;
  private root: ShadowRoot | null = null;
  private readonly boxes = new Map<Element, HTMLElement>();
  private framePending = false;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly doc: Document,
    private readonly env: OverlayHost,
    private readonly t: Translate,
    private readonly onReveal: (el: Element) => void,
  ) {
    this.resizeObserver = new ResizeObserver(() => this.schedule());
  }

  private ensureRoot(): ShadowRoot | null {
    if (this.root && this.host?.isConnected) return this.root;
    const html = this.doc.documentElement;
    if (!html) return null;
    this.host = this.doc.createElement('veil-layer');
    this.root = this.host.attachShadow({ mode: 'open' });
    const style = this.doc.createElement('style');
    style.textContent = LAYER_CSS;
    this.root.append(style);
    for (const box of this.boxes.values()) this.root.append(box);
    html.append(this.host);
    return this.root;
  }

  /** Puts the label over a blurred element (idempotent). */
  show(el: Element, list: ListName): void {
    if (this.boxes.has(el)) return;
    const root = this.ensureRoot();
    if (!root) return;
    const box = this.doc.createElement('div');
    box.className = 'veil-box';
    const label = this.doc.createElement('div');
    label.className = 'veil-label';
    label.setAttribute('role', 'group');
    const reason = this.t(list === 'confirmed' ? 'labelConfirmed' : 'labelReported');
    label.setAttribute('aria-label', reason);
    const text = this.doc.createElement('p');
    text.textContent = reason;
    const button = this.doc.createElement('button');
    button.type = 'button';
    button.textContent = this.t('revealButton');
    button.title = this.t('revealHint');
    button.setAttribute('aria-label', `${reason}. ${this.t('revealButton')}`);
    // A deliberate click on our own button, never a click that reached the page: stop it here so
    // the page (a link around the image, say) does not act on it either.
    button.addEventListener('click', (e) => {
      e.preventDefault();
      e.stopPropagation();
      if (!e.isTrusted) return;
      this.onReveal(el);
    });
    label.append(text, button);
    box.append(label);
    root.append(box);
    this.boxes.set(el, box);
    this.resizeObserver.observe(el);
    this.place(el, box);
  }

  /** Removes the label of an element (revealed, rechecked or gone). */
  remove(el: Element): void {
    const box = this.boxes.get(el);
    if (!box) return;
    box.remove();
    this.boxes.delete(el);
    this.resizeObserver.unobserve(el);
  }

  get size(): number {
    return this.boxes.size;
  }

  /** Re-places every label on the next frame (scroll, resize, layout change). */
  schedule(): void {
    if (this.framePending || this.boxes.size === 0) return;
    this.framePending = true;
    this.env.requestAnimationFrame(() => {
      this.framePending = false;
      for (const [el, box] of this.boxes) {
        if (!el.isConnected) this.remove(el);
        else this.place(el, box);
      }
    });
  }

  private place(el: Element, box: HTMLElement): void {
    const r = el.getBoundingClientRect();
    const win = this.doc.defaultView;
    const x = r.left + (win?.scrollX ?? 0);
    const y = r.top + (win?.scrollY ?? 0);
    box.style.transform = `translate(${x}px, ${y}px)`;
    box.style.width = `${r.width}px`;
    box.style.height = `${r.height}px`;
    box.style.display = r.width > 0 && r.height > 0 ? 'flex' : 'none';
    const label = box.firstElementChild;
    label?.classList.toggle('veil-compact', r.width < COMPACT_WIDTH || r.height < COMPACT_HEIGHT);
  }

  /** A short message in the page's corner for a few seconds (report sent, and so on). */
  notice(text: string): void {
    const root = this.ensureRoot();
    if (!root) return;
    const note = this.doc.createElement('div');
    note.className = 'veil-notice';
    note.setAttribute('role', 'status');
    note.textContent = text;
    root.append(note);
    this.env.setTimeout(() => note.remove(), 5000);
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.boxes.clear();
    this.host?.remove();
    this.host = null;
    this.root = null;
  }
}
