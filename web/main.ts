/**
 * The registry's own "Protect my photos" page (issue 7): the extension's protect module, mounted
 * on a page the registry serves at / (English) and /zh-CN/ (Simplified Chinese). The language is
 * the HTML's own `lang`, so each URL always shows one language and the switch is a plain link.
 * Hashing runs in a Web Worker; the registry is this page's own origin, so the strict CSP
 * (default-src 'self') allows everything the page needs and nothing else.
 */
import '../extension/lib/ui/pages.css';
import './page.css';
import { mountProtect } from '../extension/lib/protect/protect';
import { protectTranslator } from '../extension/lib/protect/messages';
import { workerHasher } from './workerHasher';

const t = protectTranslator(document.documentElement.lang);
document.title = `Veil · ${t('title')}`;
const hasher = typeof Worker === 'function' ? workerHasher(new Worker(new URL('./hashWorker.ts', import.meta.url), { type: 'module' })) : null;
mountProtect(document.getElementById('app')!, { registryUrl: location.origin, t, hashFile: hasher?.hashFile });
