import { isVeilError } from '../../../shared/errors';
import { createHashScratch } from '../../../shared/hash/compute';
import { checkHashUsable } from '../../../shared/hash/gates';
import type { ImageHashes } from '../../../shared/hash/types';
import type { BrowserDecodeEnv } from '../../../shared/image/browserDecode';
import type { CaseStatusResponse, HashJson } from '../../../shared/registry/wire';
import { RegistryApi } from '../registryApi';
import { h, replace } from '../ui/dom';
import { hashPhotoFile, registrationHashesJson } from './hashFile';
import type { ProtectKey, ProtectTranslate } from './messages';
import { droppedFiles } from './dropped';

/**
 * The "Protect my photos" page as a reusable module: the extension mounts it on its own page,
 * and the registry can serve the same UI (it needs a registry URL, a translator and a root
 * element, nothing from the extension). Photos are decoded and hashed in this page with the
 * shared pipeline; thumbnails are canvases drawn from memory (no object URL, no <img>, so the
 * extension's own content script never fetches them); only hashes are sent.
 */
export interface ProtectOptions {
  registryUrl: string;
  t: ProtectTranslate;
  fetch?: typeof fetch;
  /** Decoder environment; the page's own globals by default. */
  env?: BrowserDecodeEnv;
  /**
   * Hashes one photo (hashPhotoFile, or the same in a Web Worker: the registry's page passes one
   * so hundreds of photos never block it). Rejects with the decoder's VeilError. Default: in
   * this page with hashPhotoFile.
   */
  hashFile?: (file: File) => Promise<ImageHashes>;
}

interface Photo {
  name: string;
  state: 'hashing' | 'ready' | 'unusable' | 'failed';
  hashes: ImageHashes | null;
  /** Why a photo was not hashed ('failed'): the decoder's error, as a message key. */
  reason: ProtectKey | null;
  row: HTMLLIElement;
}

const THUMB_SIZE = 96;
const IMAGE_NAME = /\.(jpe?g|png|gif|webp|avif|bmp|heic|heif)$/i;

export function mountProtect(root: HTMLElement, opts: ProtectOptions): { destroy(): void } {
  const { t } = opts;
  const api = new RegistryApi(opts.registryUrl, opts.fetch);
  const env: BrowserDecodeEnv = opts.env ?? { createImageBitmap: globalThis.createImageBitmap, OffscreenCanvas: globalThis.OffscreenCanvas };
  const scratch = createHashScratch();
  const hashFile = opts.hashFile ?? ((file: File) => hashPhotoFile(file, env, scratch));
  const photos: Photo[] = [];
  let queue: Promise<void> = Promise.resolve();
  let hashedCount = 0;
  let queuedCount = 0;

  const errorText = (err: unknown): string => {
    const key = `err.${isVeilError(err) ? err.code : 'other'}`;
    return t((key in KNOWN_ERRORS ? key : 'err.other') as ProtectKey);
  };

  // --- layout ---------------------------------------------------------------------------
  const fileInput = h('input', { type: 'file', accept: 'image/*', multiple: true, class: 'sr-only', id: 'veil-files', 'data-testid': 'files' });
  const folderInput = h('input', { type: 'file', multiple: true, class: 'sr-only', id: 'veil-folder', 'data-testid': 'folder' });
  folderInput.setAttribute('webkitdirectory', '');
  const progress = h('progress', { max: 1, value: 0, hidden: true });
  const progressText = h('p', { role: 'status', 'aria-live': 'polite', 'data-testid': 'progress' });
  const list = h('ul', { class: 'plain', 'aria-label': t('title') });
  const submitButton = h('button', { type: 'button', disabled: true, 'data-testid': 'submit' }, t('submit'));
  const submitStatus = h('p', { role: 'status', 'aria-live': 'polite' });
  const result = h('section', { class: 'card', hidden: true, 'aria-live': 'polite', 'data-testid': 'result' });
  const caseInput = h('input', { type: 'text', id: 'veil-case', autocomplete: 'off', 'data-testid': 'case-id' });
  const secretInput = h('input', { type: 'text', id: 'veil-secret', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'secret' });
  const statusOut = h('p', { role: 'status', 'aria-live': 'polite', 'data-testid': 'status' });
  // Photos are named by their number in the submission: file names never left the device.
  const statusPhotos = h('ul', { class: 'plain', 'aria-label': t('statusPhotos'), 'aria-live': 'polite', hidden: true, 'data-testid': 'status-photos' });
  const drop = h(
    'div',
    { class: 'card row', 'data-testid': 'drop' },
    h('label', { class: 'button', for: 'veil-files', tabindex: 0, role: 'button' }, t('choosePhotos')),
    h('label', { class: 'button secondary', for: 'veil-folder', tabindex: 0, role: 'button' }, t('chooseFolder')),
    h('span', { class: 'muted' }, t('dropHint')),
    fileInput,
    folderInput,
  );

  const host = new URL(opts.registryUrl).host;
  replace(
    root,
    h('h1', {}, t('title')),
    h('p', {}, t('intro')),
    h('div', { class: 'card' }, h('h2', {}, t('staysTitle')), h('p', {}, t('staysBody')), h('h2', {}, t('leavesTitle')), h('p', {}, t('leavesBody', host)),
      h('h2', {}, t('usesTitle')), h('p', {}, t('usesBody')), h('p', {}, t('withdrawBody'))),
    drop,
    progress,
    progressText,
    list,
    h('div', { class: 'row' }, submitButton, submitStatus),
    result,
    h(
      'section',
      { class: 'card stack' },
      h('h2', {}, t('statusTitle')),
      h('label', { for: 'veil-case' }, t('caseId')),
      caseInput,
      h('label', { for: 'veil-secret' }, t('secret')),
      secretInput,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', onclick: () => void checkStatus(), 'data-testid': 'check' }, t('statusCheck')),
        h('button', { type: 'button', class: 'secondary', onclick: () => void withdraw(), 'data-testid': 'withdraw' }, t('withdraw')),
      ),
      statusOut,
      statusPhotos,
    ),
  );

  // Labels act as buttons for the hidden file inputs; Enter and Space must work as on a button.
  for (const label of drop.querySelectorAll('label[role=button]')) {
    label.addEventListener('keydown', (e) => {
      const key = (e as KeyboardEvent).key;
      if (key === 'Enter' || key === ' ') {
        e.preventDefault();
        (label as HTMLLabelElement).control?.click();
      }
    });
  }

  // --- selecting and hashing -------------------------------------------------------------
  const addFiles = (files: Iterable<File>) => {
    for (const file of files) {
      if (!(file.type.startsWith('image/') || IMAGE_NAME.test(file.name))) continue;
      const photo: Photo = { name: file.name, state: 'hashing', hashes: null, reason: null, row: h('li', { class: 'row' }) };
      photos.push(photo);
      list.append(photo.row);
      queuedCount++;
      renderRow(photo, null);
      queue = queue.then(() => hashPhoto(photo, file));
    }
    updateProgress();
  };

  const hashPhoto = async (photo: Photo, file: File) => {
    let thumb: HTMLCanvasElement | null = null;
    try {
      photo.hashes = await hashFile(file);
      const usable = checkHashUsable('pdq', photo.hashes.pdq, photo.hashes.quality).usable;
      photo.state = usable ? 'ready' : 'unusable';
      thumb = await thumbnail(file, env);
    } catch (err) {
      photo.state = 'failed';
      const key = `reason.${isVeilError(err) ? err.code : 'other'}`;
      photo.reason = key in KNOWN_REASONS ? (key as ProtectKey) : 'photoFailed';
    }
    hashedCount++;
    renderRow(photo, thumb);
    updateProgress();
  };

  const renderRow = (photo: Photo, thumb: HTMLCanvasElement | null) => {
    const note =
      photo.state === 'unusable' ? h('span', { class: 'error' }, t('photoUnusable')) : photo.state === 'failed' ? h('span', { class: 'error', 'data-testid': 'reason' }, t(photo.reason ?? 'photoFailed')) : null;
    const remove = h('button', {
      type: 'button',
      class: 'secondary',
      'aria-label': t('removePhoto', photo.name),
      onclick: () => {
        photos.splice(photos.indexOf(photo), 1);
        photo.row.remove();
        updateProgress();
      },
    }, '×');
    const keepThumb = thumb ?? photo.row.querySelector('canvas');
    replace(photo.row, keepThumb, h('span', {}, photo.name), note, remove);
    photo.row.dataset.state = photo.state;
  };

  const updateProgress = () => {
    const pending = queuedCount - hashedCount;
    progress.hidden = pending === 0;
    progress.max = Math.max(1, queuedCount);
    progress.value = hashedCount;
    const ready = photos.filter((p) => p.state === 'ready').length;
    progressText.textContent = pending > 0 ? t('progress', hashedCount + 1, queuedCount) : photos.length > 0 ? t('ready', ready) : '';
    submitButton.disabled = pending > 0 || ready === 0;
  };

  fileInput.addEventListener('change', () => {
    addFiles(fileInput.files ?? []);
    fileInput.value = '';
  });
  folderInput.addEventListener('change', () => {
    addFiles(folderInput.files ?? []);
    folderInput.value = '';
  });
  drop.addEventListener('dragover', (e) => e.preventDefault());
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    const data = (e as DragEvent).dataTransfer;
    if (data) void droppedFiles(data).then(addFiles);
  });

  // --- submitting ------------------------------------------------------------------------
  submitButton.addEventListener('click', () => void submit());
  const submit = async () => {
    const ready = photos.filter((p) => p.state === 'ready' && p.hashes);
    if (ready.length === 0) return;
    const hashes: HashJson[] = ready.flatMap((p, i) => registrationHashesJson(p.hashes!, i));
    submitButton.disabled = true;
    submitStatus.textContent = t('submitting');
    try {
      const res = await api.submit(hashes);
      submitStatus.textContent = '';
      showResult(res.caseId, res.secret);
      caseInput.value = res.caseId;
      secretInput.value = res.secret;
      // Sent: the hashes are no longer needed here either.
      for (const p of photos) p.hashes = null;
      photos.length = 0;
      list.replaceChildren();
      updateProgress();
    } catch (err) {
      submitStatus.textContent = t('submitFailed', errorText(err));
      submitButton.disabled = false;
    }
  };

  const showResult = (caseId: string, secret: string) => {
    const copyButton = (value: string, label: string) => {
      const b = h('button', { type: 'button', class: 'secondary', 'aria-label': `${t('copy')} ${label}` }, t('copy'));
      b.addEventListener('click', () => {
        void navigator.clipboard?.writeText(value).then(() => (b.textContent = t('copied')), () => undefined);
      });
      return b;
    };
    const download = h('button', { type: 'button', class: 'secondary' }, t('download'));
    download.addEventListener('click', () => {
      const blob = new Blob([t('fileText', caseId, secret, opts.registryUrl)], { type: 'text/plain' });
      const a = h('a', { href: URL.createObjectURL(blob), download: `veil-case-${caseId}.txt` });
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    });
    replace(
      result,
      h('h2', {}, t('doneTitle')),
      h('p', {}, t('doneBody')),
      h('p', { class: 'row' }, h('strong', {}, `${t('caseId')}:`), h('code', { 'data-testid': 'result-case' }, caseId), copyButton(caseId, t('caseId'))),
      h('p', { class: 'row' }, h('strong', {}, `${t('secret')}:`), h('code', { 'data-testid': 'result-secret' }, secret), copyButton(secret, t('secret'))),
      download,
    );
    result.hidden = false;
    result.tabIndex = -1;
    result.focus();
  };

  // --- status and withdrawal -------------------------------------------------------------
  const listsText = (lists: readonly string[]) =>
    lists.length ? lists.map((l) => (`list.${l}` in KNOWN_LISTS ? t(`list.${l}` as ProtectKey) : l)).join(', ') : t('none');
  /** One line per photo of the case; nothing for an answer without photos (an older registry or case). */
  const renderPhotos = (s: CaseStatusResponse | null) => {
    const items = s && Array.isArray(s.photos) ? s.photos : [];
    replace(
      statusPhotos,
      ...items.map((p) => {
        const stateKey = `photo.${p.state}`;
        const state = stateKey in KNOWN_PHOTO_STATES ? t(stateKey as ProtectKey) : p.state;
        return h('li', { 'data-photo': p.photo, 'data-photo-state': p.state }, t('statusPhoto', p.photo + 1, state, p.hashes, listsText(p.lists)));
      }),
    );
    statusPhotos.hidden = items.length === 0;
  };
  const checkStatus = async () => {
    try {
      const s = await api.caseStatus(caseInput.value.trim(), secretInput.value.trim());
      const statusKey = `status.${s.status}` as ProtectKey;
      statusOut.textContent = t('statusResult', t(statusKey in KNOWN_STATUS ? statusKey : 'status.active'), s.hashes, listsText(s.lists));
      renderPhotos(s);
    } catch (err) {
      statusOut.textContent = t('statusFailed', errorText(err));
      renderPhotos(null);
    }
  };
  const withdraw = async () => {
    if (!globalThis.confirm(t('withdrawConfirm'))) return;
    try {
      const s = await api.withdraw(caseInput.value.trim(), secretInput.value.trim());
      statusOut.textContent = t('withdrawn');
      renderPhotos(s ?? null);
    } catch (err) {
      statusOut.textContent = t('statusFailed', errorText(err));
      renderPhotos(null);
    }
  };

  return {
    destroy() {
      for (const p of photos) p.hashes = null;
      photos.length = 0;
      root.replaceChildren();
    },
  };
}

const KNOWN_ERRORS: Record<string, true> = {
  'err.registry/unreachable': true,
  'err.registry/unauthorized': true,
  'err.registry/forbidden': true,
  'err.registry/not-found': true,
  'err.registry/rate-limited': true,
  'err.registry/too-many-hashes': true,
};
const KNOWN_REASONS: Record<string, true> = {
  'reason.image/empty': true,
  'reason.image/too-large-bytes': true,
  'reason.image/too-many-pixels': true,
  'reason.image/too-small': true,
  'reason.image/unsupported-format': true,
  'reason.image/corrupt': true,
  'reason.image/animated': true,
};
const KNOWN_STATUS: Record<string, true> = { 'status.active': true, 'status.quarantined': true, 'status.withdrawn': true, 'status.rejected': true };
const KNOWN_PHOTO_STATES: Record<string, true> = { 'photo.listed': true, 'photo.quarantined': true, 'photo.withdrawn': true, 'photo.rejected': true };
const KNOWN_LISTS: Record<string, true> = { 'list.reported': true, 'list.confirmed': true };

/** A small canvas of the photo, drawn from memory (the bitmap is closed right after). */
async function thumbnail(file: File, env: BrowserDecodeEnv): Promise<HTMLCanvasElement> {
  const create = env.createImageBitmap;
  const bitmap = await create(file, { imageOrientation: 'from-image' });
  const scale = THUMB_SIZE / Math.max(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * Math.min(1, scale)));
  canvas.height = Math.max(1, Math.round(bitmap.height * Math.min(1, scale)));
  canvas.setAttribute('aria-hidden', 'true');
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas;
}
