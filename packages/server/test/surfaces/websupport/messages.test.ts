import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv, type ErrorObject } from 'ajv';
import fc from 'fast-check';
import {
  MESSAGES,
  WEBSUPPORT_LANGUAGES,
  localizeValidation,
  negotiateLanguage,
  translate,
  type MessageKey,
  type WebsupportLanguage,
} from '../../../src/surfaces/websupport/messages.js';

const ENGLISH: Record<MessageKey, string> = {
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
};
const KEYS = Object.keys(ENGLISH) as MessageKey[];

const placeholders = (text: string) => [...text.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]).sort();

describe('Websupport message catalogue', () => {
  it('lists the four languages, en_us first', () => {
    assert.deepEqual([...WEBSUPPORT_LANGUAGES], ['en_us', 'sk', 'cs_cz', 'hu']);
  });

  it('English texts are exactly the wire-compatible ones', () => {
    for (const key of KEYS) assert.equal(translate('en_us', key), ENGLISH[key], key);
    assert.deepEqual(Object.keys(MESSAGES.en_us).sort(), [...KEYS].sort());
  });

  for (const lang of WEBSUPPORT_LANGUAGES) {
    it(`${lang}: every key exists, is non-empty and keeps the English placeholders`, () => {
      assert.deepEqual(Object.keys(MESSAGES[lang]).sort(), [...KEYS].sort());
      for (const key of KEYS) {
        const text = translate(lang, key);
        assert.ok(text.trim().length > 0, `${lang}.${key}`);
        assert.equal(text, text.trim(), `${lang}.${key} has no stray whitespace`);
        assert.deepEqual(placeholders(text), placeholders(ENGLISH[key]), `${lang}.${key}`);
      }
    });
  }

  for (const lang of ['sk', 'cs_cz', 'hu'] as const) {
    it(`${lang}: is actually translated`, () => {
      for (const key of KEYS) assert.notEqual(translate(lang, key), ENGLISH[key], `${lang}.${key}`);
    });
  }

  it('keeps "api key" recognisable and the example date intact', () => {
    const apiKey: Record<WebsupportLanguage, RegExp> = { en_us: /api key/, sk: /api kľúč/, cs_cz: /api klíč/, hu: /api kulcs/ };
    for (const lang of WEBSUPPORT_LANGUAGES) {
      assert.match(translate(lang, 'incorrectSignature'), apiKey[lang]);
      assert.match(translate(lang, 'userDisabled'), apiKey[lang]);
      assert.match(translate(lang, 'invalidDate'), /ISO 8601.*20190123T094657Z\.$/);
      assert.match(translate(lang, 'unsupportedMediaType'), /application\/json/);
    }
  });

  it('Slovak follows the "… nebol nájdený" style', () => {
    assert.equal(translate('sk', 'userNotFound'), 'Používateľ nebol nájdený');
  });
});

describe('translate', () => {
  it('fills placeholders', () => {
    assert.equal(
      translate('en_us', 'dateOutOfRange', { skew: 301, window: 300 }),
      'The Date header is 301 seconds away from the server time; the limit is 300 seconds.',
    );
    assert.equal(translate('en_us', 'unknownAction', { action: '/v1/nope' }), 'The system is unable to find the requested action "/v1/nope".');
    assert.equal(translate('en_us', 'methodNotAllowed', { method: 'DELETE', action: '/v1/user' }), 'The method DELETE is not allowed for "/v1/user".');
    assert.equal(translate('sk', 'bodyTooLarge', { limit: 1048576 }), 'Telo požiadavky je väčšie ako limit 1048576 bajtov.');
    assert.equal(translate('hu', 'rateLimited', { seconds: 7 }), 'Túl sok kérés; próbálja újra 7 másodperc múlva.');
  });

  it('leaves unknown or missing placeholders as they are and ignores extra params', () => {
    assert.equal(translate('en_us', 'dateOutOfRange', { skew: 5 }), 'The Date header is 5 seconds away from the server time; the limit is {window} seconds.');
    assert.equal(translate('en_us', 'missingDate', { value: 'x' }), 'Missing date header.');
    assert.equal(translate('en_us', 'invalidDate'), ENGLISH.invalidDate);
    assert.equal(translate('en_us', 'invalidDate', { constructor: 'x', toString: 'y' }), ENGLISH.invalidDate);
  });

  it('inserts params as plain text, once', () => {
    assert.equal(
      translate('en_us', 'malformedJson', { detail: "$& $1 $' {detail} {value}" }),
      "The request body is not valid JSON: $& $1 $' {detail} {value}",
    );
    fc.assert(fc.property(fc.string(), (value) => {
      assert.equal(translate('en_us', 'invalidDate', { value }), ENGLISH.invalidDate.replace('{value}', () => value));
    }));
  });

  it('falls back to English for an unknown language at runtime', () => {
    assert.equal(translate('xx' as WebsupportLanguage, 'missingDate'), ENGLISH.missingDate);
  });
});

describe('negotiateLanguage', () => {
  const table: Array<[string | undefined, WebsupportLanguage]> = [
    [undefined, 'en_us'],
    ['', 'en_us'],
    ['en_us', 'en_us'],
    ['en-US', 'en_us'],
    ['en', 'en_us'],
    ['EN-GB', 'en_us'],
    ['sk', 'sk'],
    ['SK', 'sk'],
    ['sk-SK', 'sk'],
    ['sk_sk', 'sk'],
    ['sk_SK', 'sk'],
    ['cs_cz', 'cs_cz'],
    ['CS_CZ', 'cs_cz'],
    ['cs', 'cs_cz'],
    ['cs-CZ', 'cs_cz'],
    ['cz', 'cs_cz'],
    ['hu', 'hu'],
    ['hu-HU', 'hu'],
    ['HU_hu', 'hu'],
    ['*', 'en_us'],
    ['hu;q=0.5, sk;q=0.9', 'sk'],
    ['hu;q=0.5,sk;q=0.9', 'sk'],
    ['hu ; q=0.5 , sk ; q=0.9', 'sk'],
    ['de-DE, hu;q=0.8, sk;q=0.7', 'hu'],
    ['de, fr;q=0.9, cs;q=0.1', 'cs_cz'],
    ['sk-SK,sk;q=0.9,en-US;q=0.8,en;q=0.7', 'sk'],
    ['cs-CZ,cs;q=0.9,en;q=0.8', 'cs_cz'],
    ['hu-HU,hu;q=0.9,en-US;q=0.8,en;q=0.7', 'hu'],
    ['en;q=0.5, hu;q=0.5', 'en_us'],
    ['hu;q=0.5, en;q=0.5', 'hu'],
    ['sk;q=0, hu;q=0.1', 'hu'],
    ['sk;q=0', 'en_us'],
    ['sk;q=0.000', 'en_us'],
    ['sk;Q=0.3, hu;q=0.2', 'sk'],
    ['sk;q=1.0', 'sk'],
    ['*;q=0.1, hu', 'hu'],
    ['sk;q=0.2, *;q=0.9', 'en_us'],
    ['sk;level=1;q=0.4, hu;q=0.3', 'sk'],
    ['sk;q=abc', 'sk'],
    ['de', 'en_us'],
    ['de-AT, fr', 'en_us'],
    ['slovak', 'en_us'],
    ['english', 'en_us'],
    ['skk', 'en_us'],
    [';;;,,,', 'en_us'],
    ['\u0000\u00ff garbage ☃', 'en_us'],
    [`${'x,'.repeat(600)}sk`, 'en_us'],
    [`${'de,'.repeat(100)}sk`, 'sk'],
  ];
  for (const [header, expected] of table) {
    const label = header === undefined ? 'undefined' : JSON.stringify(header.length > 60 ? `${header.slice(0, 20)}…` : header);
    it(`${label} → ${expected}`, () => assert.equal(negotiateLanguage(header), expected));
  }

  it('never throws and always answers a known language', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (header) => {
      assert.ok((WEBSUPPORT_LANGUAGES as readonly string[]).includes(negotiateLanguage(header)));
    }), { numRuns: 2000 });
    const tags = fc.constantFrom('en', 'en-US', 'sk', 'sk-SK', 'cs', 'cz', 'hu', 'de', '*', 'x-y', '');
    const entry = fc.tuple(tags, fc.option(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }).map((q) => q.toFixed(3)), fc.string({ maxLength: 4 })))).map(
      ([tag, q]) => (q === null ? tag : `${tag};q=${q}`),
    );
    fc.assert(fc.property(fc.array(entry, { maxLength: 10 }), (entries) => {
      assert.ok((WEBSUPPORT_LANGUAGES as readonly string[]).includes(negotiateLanguage(entries.join(', '))));
    }), { numRuns: 2000 });
  });

  it('does bounded work on huge headers', () => {
    const huge = 'de;q=0.5, '.repeat(1_000_000) + 'sk';
    const started = process.hrtime.bigint();
    assert.equal(negotiateLanguage(huge), 'en_us');
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 50, 'took too long');
  });
});

describe('localizeValidation', () => {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile({
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string' },
      page: { type: 'integer', minimum: 1 },
      perPage: { type: 'integer', maximum: 100 },
      tags: { type: 'array', items: { type: 'string', maxLength: 3 } },
      'a/b': { type: 'string' },
    },
  });
  const errorsFor = (data: unknown): ErrorObject[] => {
    assert.equal(validate(data), false);
    return structuredClone(validate.errors ?? []);
  };

  it('en_us: English messages grouped by field', () => {
    const errors = errorsFor({ page: 0, perPage: 101 });
    assert.deepEqual(localizeValidation('en_us', errors), {
      name: ['must have required property name'],
      page: ['must be >= 1'],
      perPage: ['must be <= 100'],
    });
  });

  it('sk: {"page":["musí byť >= 1"]}', () => {
    assert.deepEqual(localizeValidation('sk', errorsFor({ name: 'n', page: 0 })), { page: ['musí byť >= 1'] });
  });

  it('every language words every error, non-English except en_us', () => {
    const data = { page: 0, perPage: 'x', tags: ['abcd', 5], extra: true, 'a/b': 1 };
    const english = localizeValidation('en_us', errorsFor(data));
    const fields = ['0', '1', '_', 'a/b', 'name', 'page', 'perPage'];
    assert.deepEqual(Object.keys(english).sort(), fields);
    for (const message of Object.values(english).flat()) assert.match(message, /^must /);
    for (const lang of ['sk', 'cs_cz', 'hu'] as const) {
      const localized = localizeValidation(lang, errorsFor(data));
      assert.deepEqual(Object.keys(localized).sort(), fields, lang);
      for (const field of fields) {
        assert.equal(localized[field]!.length, english[field]!.length, `${lang} ${field}`);
        for (const [i, message] of localized[field]!.entries()) {
          assert.notEqual(message, english[field]![i], `${lang} ${field}`);
          assert.doesNotMatch(message, /^must /, `${lang} ${field}`);
        }
      }
    }
    assert.deepEqual(localizeValidation('cs_cz', errorsFor({ name: 'n', page: 0 })), { page: ['musí být >= 1'] });
    assert.deepEqual(localizeValidation('hu', errorsFor({ name: 'n', page: 0 })), { page: ['kell legyen >= 1'] });
  });

  it('does not modify the errors it is given', () => {
    const errors = errorsFor({ page: 0 });
    const before = structuredClone(errors);
    for (const lang of WEBSUPPORT_LANGUAGES) localizeValidation(lang, errors);
    assert.deepEqual(errors, before);
  });

  it('root errors go under "_", nested paths use their last segment, JSON pointer escapes are decoded', () => {
    const root = errorsFor('not an object');
    assert.deepEqual(Object.keys(localizeValidation('sk', root)), ['_']);
    const nested = new Ajv({ allErrors: true }).compile({
      type: 'object',
      properties: { filter: { type: 'object', required: ['kind'], properties: { 'x~y': { type: 'integer' } } } },
    });
    nested({ filter: { 'x~y': 'z' } });
    assert.deepEqual(localizeValidation('en_us', nested.errors ?? []), {
      kind: ['must have required property kind'],
      'x~y': ['must be integer'],
    });
  });

  it('a field named __proto__ stays an ordinary key', () => {
    const result = localizeValidation('en_us', [
      { keyword: 'type', instancePath: '/__proto__', schemaPath: '#/type', params: { type: 'string' }, message: 'must be string' },
    ]);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyNames(result), ['__proto__']);
  });

  it('empty input gives an empty object', () => {
    assert.deepEqual(localizeValidation('hu', []), {});
  });
});
