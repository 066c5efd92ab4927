/**
 * The workspace's languages: i18next over one resource file per language, the language picked
 * from `--lang`, then LC_ALL, LC_MESSAGES and LANG (POSIX order: the first one set wins). English
 * is the fallback for anything a language lacks (the help and error texts outside en and zh).
 */
import i18next, { type i18n, type TOptions } from 'i18next';
import { de } from './de.js';
import { en, type Resources } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { ja } from './ja.js';
import { ko } from './ko.js';
import { zh } from './zh.js';

/** Languages with their resources; `ui` is complete in each, `help` and `errors` in en and zh. */
export const LANGUAGES = {
  en,
  zh,
  de,
  fr,
  es,
  ja,
  ko,
} as const satisfies Record<string, { ui: Resources['ui'] } & Partial<Resources>>;

export type Language = keyof typeof LANGUAGES;

export function isLanguage(value: string): value is Language {
  return Object.hasOwn(LANGUAGES, value);
}

/**
 * `zh_CN.UTF-8` → zh, `de_DE` → de, `C`/`POSIX`/unknown → en. An empty variable does not count
 * (POSIX: an unset or empty LC_ALL defers to the next).
 */
export function pickLanguage(env: NodeJS.ProcessEnv, flag?: string): Language {
  const candidates = [flag, env.LC_ALL, env.LC_MESSAGES, env.LANG];
  for (const value of candidates) {
    if (!value) continue;
    const code = value.toLowerCase().split(/[_.@-]/)[0] ?? '';
    return isLanguage(code) ? code : 'en';
  }
  return 'en';
}

/** A translator bound to one language: `t('ui.status.session', { number: 3 })`. */
export type Translate = (key: string, vars?: TOptions) => string;

export interface Localization {
  language: Language;
  t: Translate;
}

export function createLocalization(language: Language): Localization {
  const instance: i18n = i18next.createInstance();
  const resources = Object.fromEntries(Object.entries(LANGUAGES).map(([lng, r]) => [lng, { translation: r }]));
  void instance.init({
    lng: language,
    fallbackLng: 'en',
    resources,
    initAsync: false,
    // The TUI draws plain text with tags off: nothing is HTML, nothing needs escaping.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return { language, t: (key, vars) => String(instance.t(key, vars)) };
}
