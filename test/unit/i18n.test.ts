import { test } from 'node:test';
import assert from 'node:assert/strict';
import stringWidth from 'string-width';
import { en } from '../../src/ui/i18n/en.js';
import { LANGUAGES, createLocalization, pickLanguage, type Language } from '../../src/ui/i18n/i18n.js';

/** A resource file seen as what it is at run time: nested objects with strings at the leaves. */
type Tree = { readonly [key: string]: string | Tree };
interface Leaf {
  path: readonly string[];
  text: string;
}

const english = en as Tree;
const languages = Object.keys(LANGUAGES) as Language[];
const translated = languages.filter((lng) => lng !== 'en');
const resourcesOf = (lng: Language): Tree => LANGUAGES[lng] as Tree;

function leaves(tree: Tree, path: readonly string[] = []): Leaf[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [{ path: [...path, key], text: value }] : leaves(value, [...path, key]),
  );
}

function lookup(tree: Tree, path: readonly string[]): string | Tree | undefined {
  let node: string | Tree | undefined = tree;
  for (const key of path) node = typeof node === 'object' && Object.hasOwn(node, key) ? node[key] : undefined;
  return node;
}

function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)].map((m) => m[1] ?? ''))].sort();
}

/** Command keys contain dots (`session.new`), so a path is shown with a separator that cannot clash. */
const label = (lng: Language, path: readonly string[]): string => `${lng}: ${path.join(' › ')}`;

const englishUi = leaves(english).filter((leaf) => leaf.path[0] === 'ui');

test('every interface string of English exists, non-empty, in every language', () => {
  const missing: string[] = [];
  for (const lng of languages) {
    for (const { path } of englishUi) {
      const text = lookup(resourcesOf(lng), path);
      if (typeof text !== 'string' || text.trim() === '') missing.push(label(lng, path));
    }
  }
  assert.deepEqual(missing, []);
});

test('Chinese has every English string: interface, help and errors', () => {
  const all = leaves(english);
  assert.ok(all.some((leaf) => leaf.path[0] === 'help') && all.some((leaf) => leaf.path[0] === 'errors'));
  const missing = all
    .filter(({ path }) => {
      const text = lookup(resourcesOf('zh'), path);
      return typeof text !== 'string' || text.trim() === '';
    })
    .map(({ path }) => label('zh', path));
  assert.deepEqual(missing, []);
});

test('no language carries a key English lacks (a renamed key leaves no stale copy behind)', () => {
  const stale = translated.flatMap((lng) =>
    leaves(resourcesOf(lng))
      .filter(({ path }) => typeof lookup(english, path) !== 'string')
      .map(({ path }) => label(lng, path)),
  );
  assert.deepEqual(stale, []);
});

test('every translation uses exactly the placeholders of its English string', () => {
  const mismatched: string[] = [];
  for (const lng of translated) {
    for (const { path, text } of leaves(english)) {
      const other = lookup(resourcesOf(lng), path);
      if (typeof other !== 'string') continue;
      const want = placeholders(text).join(',');
      const got = placeholders(other).join(',');
      if (want !== got) mismatched.push(`${label(lng, path)}: {${got}} instead of {${want}}`);
    }
  }
  assert.deepEqual(mismatched, []);
});

test('each language is translated, not a copy of English', () => {
  // Some strings are rightly identical: AUTO, EDIT, the `> ` prompt, and cognates (fr `Agents`,
  // `Sessions`; es `error`). A placeholder re-exporting English would match in every string.
  for (const lng of translated) {
    const same = englishUi.filter(({ path, text }) => lookup(resourcesOf(lng), path) === text);
    assert.ok(
      same.length <= englishUi.length / 4,
      `${lng}: ${same.length} of ${englishUi.length} interface strings are the English text`,
    );
  }
});

test('no string holds a control character that would break a border (tab, newline, escape)', () => {
  const bad = languages.flatMap((lng) =>
    // eslint-disable-next-line no-control-regex
    leaves(resourcesOf(lng)).filter(({ text }) => /[\u0000-\u001f\u007f]/.test(text)).map(({ path }) => label(lng, path)),
  );
  assert.deepEqual(bad, []);
});

test('the language comes from LC_ALL, then LC_MESSAGES, then LANG', () => {
  const all = { LC_ALL: 'ja_JP.UTF-8', LC_MESSAGES: 'de_DE.UTF-8', LANG: 'fr_FR.UTF-8' };
  assert.equal(pickLanguage(all), 'ja');
  assert.equal(pickLanguage({ LC_MESSAGES: 'de_DE.UTF-8', LANG: 'fr_FR.UTF-8' }), 'de');
  assert.equal(pickLanguage({ LANG: 'fr_FR.UTF-8' }), 'fr');
  assert.equal(pickLanguage({ LANG: 'zh_CN.UTF-8' }), 'zh');
  assert.equal(pickLanguage({ LANG: 'ko_KR.eucKR' }), 'ko');
  assert.equal(pickLanguage({ LANG: 'es_ES@euro' }), 'es');
});

test('C, POSIX, unset and unknown locales give English; LC_ALL=C wins over a Chinese LANG', () => {
  assert.equal(pickLanguage({ LANG: 'C' }), 'en');
  assert.equal(pickLanguage({ LC_ALL: 'POSIX' }), 'en');
  assert.equal(pickLanguage({ LC_ALL: 'C.UTF-8', LANG: 'zh_CN.UTF-8' }), 'en');
  assert.equal(pickLanguage({ LANG: 'pt_BR.UTF-8' }), 'en');
  assert.equal(pickLanguage({}), 'en');
});

test('an empty variable is skipped, as POSIX treats it as unset', () => {
  assert.equal(pickLanguage({ LC_ALL: '', LC_MESSAGES: '', LANG: 'ko_KR.UTF-8' }), 'ko');
  assert.equal(pickLanguage({ LC_ALL: '', LC_MESSAGES: 'zh_TW.UTF-8', LANG: 'de_DE' }), 'zh');
  assert.equal(pickLanguage({ LANG: 'ja_JP.UTF-8' }, ''), 'ja');
});

test('--lang wins over every variable', () => {
  const env = { LC_ALL: 'zh_CN.UTF-8', LC_MESSAGES: 'ja_JP.UTF-8', LANG: 'ko_KR.UTF-8' };
  assert.equal(pickLanguage(env, 'de'), 'de');
  assert.equal(pickLanguage(env, 'en'), 'en');
  assert.equal(pickLanguage({}, 'zh-CN'), 'zh');
  assert.equal(pickLanguage({}, 'FR'), 'fr');
  assert.equal(pickLanguage({}, 'klingon'), 'en');
});

test('Chinese strings come out in Chinese with their values filled in', () => {
  const zh = createLocalization('zh');
  assert.equal(zh.language, 'zh');
  assert.equal(zh.t('ui.status.session', { number: 3 }), '会话 #3');
  assert.equal(zh.t('errors.E_BUDGET', { message: '$5.00' }), '超出预算：$5.00');
  // Command and argument keys contain dots; they must still resolve, not echo the key back.
  assert.equal(zh.t('ui.commands.session.new'), '新建会话');
  assert.equal(zh.t('help.args.session.fork'), '[消息]');
});

test('a string a language lacks falls back to English (help and errors in German)', () => {
  const de = createLocalization('de');
  assert.equal(de.t('ui.status.noSession'), 'neue Sitzung');
  assert.equal(de.t('help.intro'), en.help.intro);
  assert.equal(de.t('errors.E_TIMEOUT', { message: '30 s' }), 'timed out: 30 s');
});

test('message counts take the plural form of the language', () => {
  const english = createLocalization('en');
  assert.equal(english.t('ui.sessions.messages', { count: 1 }), '1 msg');
  assert.equal(english.t('ui.sessions.messages', { count: 2 }), '2 msgs');
  assert.equal(english.t('ui.sessions.messages', { count: 0 }), '0 msgs');
  // Chinese has one form for every count.
  const zh = createLocalization('zh');
  assert.equal(zh.t('ui.sessions.messages', { count: 1 }), '1 条消息');
  assert.equal(zh.t('ui.sessions.messages', { count: 2 }), '2 条消息');
});

test('status bar and side list strings fit in 40 columns in every language (CJK counts 2)', () => {
  // Short but realistic values; every placeholder these strings use must have one here.
  const sample = { number: 12, spent: '$1.20', limit: '$5.00', time: '14:30', count: 3, provider: 'openai' };
  const narrow = englishUi.filter(({ path }) => path[1] === 'status' || path[1] === 'side');
  assert.ok(narrow.length > 0);
  const tooWide: string[] = [];
  for (const lng of languages) {
    const { t } = createLocalization(lng);
    for (const { path } of narrow) {
      const shown = t(path.join('.'), sample);
      assert.doesNotMatch(shown, /\{\{/, `${label(lng, path)}: add a sample value for "${shown}"`);
      const width = stringWidth(shown);
      if (width > 40) tooWide.push(`${label(lng, path)}: ${width} columns "${shown}"`);
    }
  }
  assert.deepEqual(tooWide, []);
});
