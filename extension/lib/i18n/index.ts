import { en, type MessageKey, type Messages } from './en';
import { zh_CN } from './zh_CN';

export type { MessageKey, Messages };
export type Locale = 'en' | 'zh_CN';

const TABLES: Record<Locale, Messages> = { en, zh_CN };

/** Picks the table for a BCP 47 tag (navigator.language): any Chinese tag gets zh_CN, all else en. */
export function localeFor(tag: string | undefined): Locale {
  return tag && /^zh\b/i.test(tag) ? 'zh_CN' : 'en';
}

export type Translate = (key: MessageKey, ...subs: (string | number)[]) => string;

/** A `t()` bound to one locale; `{0}`, `{1}` in the text take the substitutions in order. */
export function translator(locale: Locale): Translate {
  const table = TABLES[locale];
  return (key, ...subs) => table[key].replace(/\{(\d)\}/g, (m, i: string) => (subs[Number(i)] ?? m).toString());
}

/** The translator for the browser's UI language (works in pages, content scripts and workers). */
export function browserTranslator(): Translate {
  return translator(localeFor(globalThis.navigator?.language));
}
