/**
 * Message catalogue of the Websupport surface: en_us (default), sk, cs_cz and hu, chosen by
 * `Accept-Language`. The English texts are wire-compatible with real clients; do not reword them.
 */
import type { ErrorObject } from 'ajv';
import localizeCs from 'ajv-i18n/localize/cs/index.js';
import localizeEn from 'ajv-i18n/localize/en/index.js';
import localizeHu from 'ajv-i18n/localize/hu/index.js';
import localizeSk from 'ajv-i18n/localize/sk/index.js';

export const WEBSUPPORT_LANGUAGES = ['en_us', 'sk', 'cs_cz', 'hu'] as const;
export type WebsupportLanguage = typeof WEBSUPPORT_LANGUAGES[number];

const DEFAULT_LANGUAGE: WebsupportLanguage = 'en_us';
const MAX_ACCEPT_LANGUAGE = 1024;

const EN_US = {
  missingDate: 'Missing date header.',
  incorrectSignature: 'Incorrect api key or signature.',
  invalidDate: 'The Date header "{value}" is not a date this API understands; send ISO 8601 time in GMT, e.g. 20190123T094657Z.',
  dateOutOfRange: 'The Date header is {skew} seconds away from the server time; the limit is {window} seconds.',
  replayedSignature: 'This signature was already used; sign each request anew.',
  userDisabled: 'This api key is disabled.',
  unknownAction: 'The system is unable to find the requested action "{action}".',
  methodNotAllowed: 'The method {method} is not allowed for "{action}".',
  bodyTooLarge: 'The request body is larger than the limit of {limit} bytes.',
  headersTooLarge: 'The request headers are larger than the server accepts.',
  malformedJson: 'The request body is not valid JSON: {detail}',
  unsupportedMediaType: 'Send the request body as application/json.',
  validationFailed: 'The request did not pass validation.',
  internalError: 'An internal error occurred; it has been logged.',
  userNotFound: 'User not found',
  rateLimited: 'Too many requests; try again in {seconds} seconds.',
} as const;

export type MessageKey = keyof typeof EN_US;

// Slovak and Czech use the unit symbol "s" after a number, which sidesteps plural forms.
const SK: Record<MessageKey, string> = {
  missingDate: 'Chýba hlavička Date.',
  incorrectSignature: 'Nesprávny api kľúč alebo podpis.',
  invalidDate: 'Hlavička Date "{value}" neobsahuje dátum, ktorému toto API rozumie; pošlite čas vo formáte ISO 8601 v GMT, napr. 20190123T094657Z.',
  dateOutOfRange: 'Hlavička Date sa od času servera líši o {skew} s; povolený rozdiel je najviac {window} s.',
  replayedSignature: 'Tento podpis už bol použitý; každú požiadavku podpíšte nanovo.',
  userDisabled: 'Tento api kľúč je deaktivovaný.',
  unknownAction: 'Systém nedokáže nájsť požadovanú akciu "{action}".',
  methodNotAllowed: 'Metóda {method} nie je pre "{action}" povolená.',
  bodyTooLarge: 'Telo požiadavky je väčšie ako limit {limit} bajtov.',
  headersTooLarge: 'Hlavičky požiadavky sú väčšie, než server akceptuje.',
  malformedJson: 'Telo požiadavky nie je platný JSON: {detail}',
  unsupportedMediaType: 'Telo požiadavky pošlite ako application/json.',
  validationFailed: 'Požiadavka neprešla validáciou.',
  internalError: 'Nastala interná chyba; bola zaznamenaná.',
  userNotFound: 'Používateľ nebol nájdený',
  rateLimited: 'Príliš veľa požiadaviek; skúste to znova o {seconds} s.',
};

const CS_CZ: Record<MessageKey, string> = {
  missingDate: 'Chybí hlavička Date.',
  incorrectSignature: 'Nesprávný api klíč nebo podpis.',
  invalidDate: 'Hlavička Date "{value}" neobsahuje datum, kterému toto API rozumí; pošlete čas ve formátu ISO 8601 v GMT, např. 20190123T094657Z.',
  dateOutOfRange: 'Hlavička Date se od času serveru liší o {skew} s; povolený rozdíl je nejvýše {window} s.',
  replayedSignature: 'Tento podpis již byl použit; každý požadavek podepište znovu.',
  userDisabled: 'Tento api klíč je deaktivován.',
  unknownAction: 'Systém nemůže najít požadovanou akci "{action}".',
  methodNotAllowed: 'Metoda {method} není pro "{action}" povolena.',
  bodyTooLarge: 'Tělo požadavku je větší než limit {limit} bajtů.',
  headersTooLarge: 'Hlavičky požadavku jsou větší, než server přijímá.',
  malformedJson: 'Tělo požadavku není platný JSON: {detail}',
  unsupportedMediaType: 'Tělo požadavku pošlete jako application/json.',
  validationFailed: 'Požadavek neprošel validací.',
  internalError: 'Došlo k interní chybě; byla zaznamenána.',
  userNotFound: 'Uživatel nebyl nalezen',
  rateLimited: 'Příliš mnoho požadavků; zkuste to znovu za {seconds} s.',
};

const HU: Record<MessageKey, string> = {
  missingDate: 'Hiányzik a Date fejléc.',
  incorrectSignature: 'Hibás api kulcs vagy aláírás.',
  invalidDate: 'A Date fejléc "{value}" értéke nem olyan dátum, amelyet ez az API értelmezni tud; küldjön ISO 8601 formátumú GMT időt, pl. 20190123T094657Z.',
  dateOutOfRange: 'A Date fejléc {skew} másodperccel tér el a szerver idejétől; a megengedett eltérés legfeljebb {window} másodperc.',
  replayedSignature: 'Ezt az aláírást már felhasználták; minden kérést külön írjon alá.',
  userDisabled: 'Ez az api kulcs le van tiltva.',
  unknownAction: 'A rendszer nem találja a kért "{action}" műveletet.',
  methodNotAllowed: 'A(z) {method} metódus nem engedélyezett ehhez: "{action}".',
  bodyTooLarge: 'A kérés törzse nagyobb a megengedett {limit} bájtnál.',
  headersTooLarge: 'A kérés fejlécei nagyobbak, mint amit a szerver elfogad.',
  malformedJson: 'A kérés törzse nem érvényes JSON: {detail}',
  unsupportedMediaType: 'A kérés törzsét application/json formátumban küldje.',
  validationFailed: 'A kérés nem felelt meg az ellenőrzésnek.',
  internalError: 'Belső hiba történt, amelyet naplóztunk.',
  userNotFound: 'A felhasználó nem található',
  rateLimited: 'Túl sok kérés; próbálja újra {seconds} másodperc múlva.',
};

const CATALOGUE: Record<WebsupportLanguage, Record<MessageKey, string>> = { en_us: EN_US, sk: SK, cs_cz: CS_CZ, hu: HU };

/** Exposed for tests and tooling; do not mutate. */
export const MESSAGES: Readonly<Record<WebsupportLanguage, Readonly<Record<MessageKey, string>>>> = CATALOGUE;

function languageOfTag(tag: string): WebsupportLanguage | undefined {
  const primary = tag.toLowerCase().replace(/_/g, '-').split('-', 1)[0];
  switch (primary) {
    case 'en': return 'en_us';
    case 'sk': return 'sk';
    case 'cs':
    case 'cz': return 'cs_cz';
    case 'hu': return 'hu';
    case '*': return DEFAULT_LANGUAGE;
    default: return undefined;
  }
}

/**
 * Picks the language from an `Accept-Language` header: RFC 7231 lists with q-values
 * (highest q wins, earlier entry on ties, `q=0` excludes), plus the Websupport codes
 * (`en_us`, `cs_cz`, `cz`). Only the first 1024 characters are looked at.
 */
export function negotiateLanguage(acceptLanguage: string | undefined): WebsupportLanguage {
  if (typeof acceptLanguage !== 'string') return DEFAULT_LANGUAGE;
  let best: WebsupportLanguage | undefined;
  let bestQ = 0;
  for (const entry of acceptLanguage.slice(0, MAX_ACCEPT_LANGUAGE).split(',')) {
    const [rawTag = '', ...params] = entry.split(';');
    const language = languageOfTag(rawTag.trim());
    if (!language) continue;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (!match) continue;
      const value = Number(match[1]);
      if (Number.isFinite(value)) q = Math.min(1, Math.max(0, value));
    }
    if (q > bestQ) {
      best = language;
      bestQ = q;
    }
  }
  return best ?? DEFAULT_LANGUAGE;
}

/**
 * The message for `key` in `lang` with `{name}` placeholders filled from `params`
 * (as plain text, in one pass; placeholders without a parameter are left as they are).
 */
export function translate(lang: WebsupportLanguage, key: MessageKey, params?: Record<string, string | number>): string {
  const table = Object.hasOwn(CATALOGUE, lang) ? CATALOGUE[lang] : CATALOGUE[DEFAULT_LANGUAGE];
  const template = Object.hasOwn(table, key) ? table[key] : Object.hasOwn(EN_US, key) ? EN_US[key] : String(key);
  if (!params) return template;
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole);
}

// ajv-i18n ships CommonJS (`module.exports = function localize(errors)`) with `export default`
// typings, so under NodeNext the types and the runtime shape disagree; normalise at runtime.
type Localize = (errors?: null | ErrorObject[]) => void;

function asLocalize(mod: unknown): Localize {
  if (typeof mod === 'function') return mod as Localize;
  const inner = (mod as { default?: unknown } | null | undefined)?.default;
  if (typeof inner === 'function') return inner as Localize;
  return () => undefined;
}

const LOCALIZERS: Record<WebsupportLanguage, Localize> = {
  en_us: asLocalize(localizeEn),
  sk: asLocalize(localizeSk),
  cs_cz: asLocalize(localizeCs),
  hu: asLocalize(localizeHu),
};

function decodePointerSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function fieldOf(error: ErrorObject): string {
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty?: unknown } | undefined)?.missingProperty;
    if (typeof missing === 'string' && missing !== '') return missing;
  }
  const path = typeof error.instancePath === 'string' ? error.instancePath : '';
  const last = path.slice(path.lastIndexOf('/') + 1);
  return last === '' ? '_' : decodePointerSegment(last);
}

/**
 * Ajv errors worded in `lang` (via ajv-i18n) and grouped by field: the last segment of
 * `instancePath`, `params.missingProperty` for `required`, or `_` for the root.
 * The input errors are not modified.
 */
export function localizeValidation(lang: WebsupportLanguage, errors: ErrorObject[]): Record<string, string[]> {
  if (!Array.isArray(errors) || errors.length === 0) return {};
  const copies: ErrorObject[] = errors.map((error) => ({ ...error }));
  try {
    (LOCALIZERS[lang] ?? LOCALIZERS[DEFAULT_LANGUAGE])(copies);
  } catch {
    // Keep Ajv's own (English) messages for anything ajv-i18n could not handle.
  }
  const grouped = new Map<string, string[]>();
  for (const error of copies) {
    const field = fieldOf(error);
    const message = typeof error.message === 'string' && error.message !== '' ? error.message : String(error.keyword);
    const list = grouped.get(field);
    if (!list) grouped.set(field, [message]);
    else if (!list.includes(message)) list.push(message);
  }
  // Object.fromEntries defines own properties, so a field named "__proto__" stays a plain key.
  return Object.fromEntries(grouped);
}
