import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseSignatureDate } from '../../src/auth/signature-date.js';

/** 2019-01-23T09:46:57Z, the Websupport documentation's example. */
const T = 1548236817;
const WINDOW = 300;

function expectOk(header: string, expected: number, now = expected, naive = false): void {
  const result = parseSignatureDate(header, now, WINDOW);
  assert.deepEqual(result, { ok: true, unixSeconds: expected, naive }, `parsing ${JSON.stringify(header)}`);
}

function expectInvalid(header: string, now = T): void {
  assert.deepEqual(parseSignatureDate(header, now, WINDOW), { ok: false, reason: 'invalid' }, `parsing ${JSON.stringify(header)}`);
}

describe('parseSignatureDate: formats', () => {
  const table: Array<[string, number]> = [
    // ISO 8601 basic
    ['20190123T094657Z', T],
    ['20190123t094657z', T],
    ['20190123T094657+0000', T],
    ['20190123T094657+00:00', T],
    ['20190123T104657+0100', T],
    ['20190123T104657+01:00', T],
    ['20190123T044657-0500', T],
    ['20190123T094657.5Z', T],
    // ISO 8601 extended
    ['2019-01-23T09:46:57Z', T],
    ['2019-01-23T09:46:57+00:00', T],
    ['2019-01-23T09:46:57-00:00', T],
    ['2019-01-23T09:46:57+0000', T],
    ['2019-01-23T09:46:57+00', T],
    ['2019-01-23T10:46:57+01:00', T],
    ['2019-01-23T10:46:57+0100', T],
    ['2019-01-23T04:16:57-05:30', T],
    ['2019-01-23T15:16:57+05:30', T],
    ['2019-01-23T01:46:57-08:00', T],
    ['2019-01-23T09:46:57.000Z', T],
    ['2019-01-23T09:46:57.999Z', T],
    ['2019-01-23T09:46:57,25Z', T],
    ['2019-01-23T09:46:57.987735+00:00', T],
    ['2019-01-23T10:46:57.987735+01:00', T],
    ['2022-08-28T12:19:47.987735+00:00', 1661689187],
    // space instead of T, and a space before the zone (Ruby, SQL)
    ['2019-01-23 09:46:57Z', T],
    ['2019-01-23 09:46:57+00:00', T],
    ['2019-01-23 09:46:57.123456+00:00', T],
    ['2019-01-23 09:46:57 UTC', T],
    ['2019-01-23 09:46:57 GMT', T],
    ['2019-01-23 10:46:57 +0100', T],
    // surrounding spaces
    ['  2019-01-23T09:46:57Z  ', T],
    // HTTP-date: IMF-fixdate, RFC 850, asctime, RFC 2822 variants
    ['Wed, 23 Jan 2019 09:46:57 GMT', T],
    ['wed, 23 jan 2019 09:46:57 gmt', T],
    ['Wed, 23 Jan 2019 09:46:57 UTC', T],
    ['Wed, 23 Jan 2019 09:46:57 +0000', T],
    ['Wed, 23 Jan 2019 09:46:57 -0000', T],
    ['Wed, 23 Jan 2019 10:46:57 +0100', T],
    ['23 Jan 2019 09:46:57 GMT', T],
    ['Wednesday, 23-Jan-19 09:46:57 GMT', T],
    ['Wed Jan 23 09:46:57 2019', T],
    ['Wed, 03 Jan 2019 09:46:57 GMT', 1546508817],
    ['Thu, 3 Jan 2019 09:46:57 GMT', 1546508817],
    ['Thu Jan  3 09:46:57 2019', 1546508817],
    // bare unix timestamp
    ['1548236817', T],
    ['1548236817.75', T],
    // leap days and ISO end-of-day
    ['2020-02-29T00:00:00Z', 1582934400],
    ['2000-02-29T12:00:00Z', 951825600],
    ['2019-01-22T24:00:00Z', 1548201600],
    ['2019-01-23T00:00:00Z', 1548201600],
  ];
  for (const [header, expected] of table) {
    it(`${JSON.stringify(header)} → ${expected}`, () => expectOk(header, expected));
  }

  it('agrees with Date.parse on the table (where Date.parse understands the text)', () => {
    for (const [header, expected] of table) {
      const ms = Date.parse(header);
      if (Number.isFinite(ms) && /Z|[+-]\d\d:?\d\d$|GMT|UTC/i.test(header) && !/24:00/.test(header)) {
        assert.equal(Math.floor(ms / 1000), expected, header);
      }
    }
  });

  it('a two-digit RFC 850 year is in the 50 years around now', () => {
    const now1999 = 915148800; // 1999-01-01
    expectOk('Friday, 31-Dec-99 23:59:59 GMT', 946684799, 946684799);
    assert.deepEqual(parseSignatureDate('Friday, 31-Dec-99 23:59:59 GMT', now1999, 10 ** 9), { ok: true, unixSeconds: 946684799, naive: false });
    // In 2019, "69" means 2069 (50 years ahead), "70" means 1970.
    const r69 = parseSignatureDate('Wed, 01-Jan-69 00:00:00 GMT', T, 10 ** 10);
    assert.deepEqual(r69, { ok: true, unixSeconds: Date.UTC(2069, 0, 1) / 1000, naive: false });
    const r70 = parseSignatureDate('Thu, 01-Jan-70 00:00:00 GMT', T, 10 ** 10);
    assert.deepEqual(r70, { ok: true, unixSeconds: 0, naive: false });
  });

  it('years below 100 are not mapped to 19xx', () => {
    const result = parseSignatureDate('0050-06-01T00:00:00Z', 0, Number.MAX_SAFE_INTEGER);
    const expected = new Date(0);
    expected.setUTCFullYear(50, 5, 1);
    assert.deepEqual(result, { ok: true, unixSeconds: expected.getTime() / 1000, naive: false });
  });
});

describe('parseSignatureDate: naive local time', () => {
  const zones: Array<[string, string]> = [
    ['UTC', '2019-01-23T09:46:57'],
    ['+01:00 (Bratislava, winter)', '2019-01-23T10:46:57'],
    ['+02:00 (Bratislava, summer offset)', '2019-01-23T11:46:57'],
    ['+05:30 (India)', '2019-01-23T15:16:57'],
    ['+05:45 (Nepal)', '2019-01-23T15:31:57'],
    ['-08:00 (Pacific)', '2019-01-23T01:46:57'],
    ['-12:00', '2019-01-22T21:46:57'],
    ['+14:00', '2019-01-23T23:46:57'],
  ];
  for (const [zone, wall] of zones) {
    it(`${zone}: ${wall} resolves to the signed second`, () => {
      expectOk(wall, T, T, true);
      // The client's clock may be off by up to the window either way; the result is still its second.
      expectOk(wall, T, T + 299, true);
      expectOk(wall, T, T - 299, true);
      expectOk(wall.replace(/-/g, '').replace(/:/g, ''), T, T + 120, true);
      expectOk(wall.replace('T', ' '), T, T - 120, true);
      expectOk(`${wall}.987654`, T, T, true);
    });
  }

  it('naive HTTP-date without a zone is resolved the same way', () => {
    expectOk('Wed, 23 Jan 2019 10:46:57', T, T + 10, true);
  });

  it('offsets beyond -12:00..+14:00 are not assumed', () => {
    // Wall clock 15 hours ahead of UTC: the closest allowed offset is +14:00, an hour off.
    const result = parseSignatureDate('2019-01-24T00:46:57', T, WINDOW);
    assert.deepEqual(result, { ok: false, reason: 'out-of-range', skewSeconds: 3600 });
  });

  it('a naive time between two quarter-hour offsets reports the smallest skew', () => {
    const result = parseSignatureDate('2019-01-23T09:46:57', T + 400, WINDOW);
    assert.deepEqual(result, { ok: false, reason: 'out-of-range', skewSeconds: -400 });
    const result2 = parseSignatureDate('2019-01-23T09:46:57', T + 500, WINDOW);
    assert.deepEqual(result2, { ok: false, reason: 'out-of-range', skewSeconds: 400 });
  });
});

describe('parseSignatureDate: clock window', () => {
  it('exactly ±window is accepted, one more second is out of range', () => {
    for (const header of ['2019-01-23T09:46:57Z', 'Wed, 23 Jan 2019 09:46:57 GMT', '1548236817']) {
      expectOk(header, T, T + WINDOW);
      expectOk(header, T, T - WINDOW);
      assert.deepEqual(parseSignatureDate(header, T + WINDOW + 1, WINDOW), { ok: false, reason: 'out-of-range', skewSeconds: -(WINDOW + 1) });
      assert.deepEqual(parseSignatureDate(header, T - WINDOW - 1, WINDOW), { ok: false, reason: 'out-of-range', skewSeconds: WINDOW + 1 });
    }
  });

  it('naive time: exactly ±window is accepted, one more second is out of range', () => {
    expectOk('2019-01-23T10:46:57', T, T + WINDOW, true);
    expectOk('2019-01-23T10:46:57', T, T - WINDOW, true);
    assert.deepEqual(parseSignatureDate('2019-01-23T10:46:57', T + WINDOW + 1, WINDOW), { ok: false, reason: 'out-of-range', skewSeconds: -(WINDOW + 1) });
    assert.deepEqual(parseSignatureDate('2019-01-23T10:46:57', T - WINDOW - 1, WINDOW), { ok: false, reason: 'out-of-range', skewSeconds: WINDOW + 1 });
  });

  it('reports the measured skew far outside the window', () => {
    assert.deepEqual(parseSignatureDate('2019-01-23T09:46:57Z', T + 86400, WINDOW), { ok: false, reason: 'out-of-range', skewSeconds: -86400 });
    assert.deepEqual(parseSignatureDate('1548236817000', T, WINDOW), { ok: false, reason: 'out-of-range', skewSeconds: 1548236817000 - T });
  });

  it('a NaN window or clock rejects rather than accepts', () => {
    assert.equal(parseSignatureDate('2019-01-23T09:46:57Z', T, Number.NaN).ok, false);
    assert.equal(parseSignatureDate('2019-01-23T09:46:57Z', Number.NaN, WINDOW).ok, false);
    assert.equal(parseSignatureDate('2019-01-23T09:46:57', Number.NaN, WINDOW).ok, false);
  });
});

describe('parseSignatureDate: invalid input', () => {
  const invalid = [
    '',
    '   ',
    'now',
    'hello world',
    'T',
    'Z',
    '2019-01-23',
    '2019-01-23T09:46',
    '2019-01-23T09:46Z',
    '2019-02-30T00:00:00Z',
    '2019-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2019-04-31T00:00:00Z',
    '2019-00-10T00:00:00Z',
    '2019-13-01T00:00:00Z',
    '2019-01-00T00:00:00Z',
    '2019-01-32T00:00:00Z',
    '2019-01-23T25:00:00Z',
    '2019-01-23T24:00:01Z',
    '2019-01-23T24:00:00.5Z',
    '2019-01-23T09:60:00Z',
    '2019-01-23T09:46:60Z',
    '2019-01-23T09:46:57+24:00',
    '2019-01-23T09:46:57+01:60',
    '2019-01-23T09:46:57+1',
    '2019-01-23T09:46:57ZZ',
    '2019-01-23T09:46:57 Z junk',
    '2019-1-23T09:46:57Z',
    '19-01-23T09:46:57Z',
    '+2019-01-23T09:46:57Z',
    '2019-01-23T09:46:57.Z',
    '20190230T094657Z',
    '20190123T2546Z',
    'Wed, 30 Feb 2019 09:46:57 GMT',
    'Wed, 23 Foo 2019 09:46:57 GMT',
    'Wed, 23 Jan 2019 25:46:57 GMT',
    'Wed, 23 Jan 2019 09:46 GMT',
    'Wed, 23 Jan 2019 09:46:57 PST',
    'Xyz, 23 Jan 2019 09:46:57 GMT',
    'Wed Feb 30 09:46:57 2019',
    '-1548236817',
    '1548236817x',
    '0x5C483891',
    '1e9',
    '15482368170000000',
    '\u0661\u0665\u0664\u0668\u0662\u0663\u0666\u0668\u0661\u0667',
    '２０１９-01-23T09:46:57Z',
    '2019-01-23T09:46:57Z\n',
    '2019-01-23T09:46:57Z\r\nX-Evil: 1',
    '\t2019-01-23T09:46:57Z',
    '2019-01-23\u0000T09:46:57Z',
    '2019-01-23T09:46:57Z\u007f',
    '2019-01-23T09:46:57Z\u0085',
    ' '.repeat(45) + '2019-01-23T09:46:57Z',
    'x'.repeat(65),
    '1'.repeat(1_000_000),
  ];
  for (const header of invalid) {
    it(`rejects ${JSON.stringify(header.length > 70 ? `${header.slice(0, 20)}…(${header.length} chars)` : header)}`, () => expectInvalid(header));
  }

  it('64 characters are still looked at', () => {
    expectOk(' '.repeat(44) + '2019-01-23T09:46:57Z', T);
  });

  it('non-strings are invalid, not a crash', () => {
    for (const value of [undefined, null, 1548236817, ['2019-01-23T09:46:57Z'], {}] as unknown[]) {
      assert.deepEqual(parseSignatureDate(value as string, T, WINDOW), { ok: false, reason: 'invalid' });
    }
  });
});

describe('parseSignatureDate: properties', () => {
  const Y2000 = Date.UTC(2000, 0, 1) / 1000;
  const Y2100 = Date.UTC(2100, 0, 1) / 1000;
  const seconds = fc.integer({ min: Y2000, max: Y2100 - 1 });
  const quarterHours = fc.integer({ min: -48, max: 56 }).map((q) => q * 900);

  const iso = (t: number) => new Date(t * 1000).toISOString().slice(0, 19); // YYYY-MM-DDTHH:MM:SS
  const pad = (n: number) => String(n).padStart(2, '0');
  const offsetText = (offset: number, colon: boolean) => {
    const abs = Math.abs(offset);
    return `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}${colon ? ':' : ''}${pad(Math.floor((abs % 3600) / 60))}`;
  };

  const formatters: Record<string, (t: number) => string> = {
    'basic Z': (t) => `${iso(t).replace(/[-:]/g, '')}Z`,
    'extended Z': (t) => `${iso(t)}Z`,
    '+00:00': (t) => `${iso(t)}+00:00`,
    '+0000': (t) => `${iso(t)}+0000`,
    'basic +0000': (t) => `${iso(t).replace(/[-:]/g, '')}+0000`,
    'space, +00:00': (t) => `${iso(t).replace('T', ' ')}+00:00`,
    fractional: (t) => `${iso(t)}.${String(t % 1_000_000).padStart(6, '0')}+00:00`,
    'JS toISOString': (t) => new Date(t * 1000 + 999).toISOString(),
    'HTTP-date': (t) => new Date(t * 1000).toUTCString(),
    unix: (t) => String(t),
  };

  for (const [name, format] of Object.entries(formatters)) {
    it(`parse(${name}(t), now=t, 300) === t`, () => {
      fc.assert(fc.property(seconds, (t) => {
        assert.deepEqual(parseSignatureDate(format(t), t, WINDOW), { ok: true, unixSeconds: t, naive: false });
      }), { numRuns: 500 });
    });
  }

  it('explicit offsets: parse(wall+offset with ±hh:mm / ±hhmm, now=t) === t', () => {
    fc.assert(fc.property(seconds, quarterHours, fc.boolean(), fc.boolean(), (t, offset, colon, basic) => {
      const wall = iso(t + offset);
      const text = `${basic ? wall.replace(/[-:]/g, '') : wall}${offsetText(offset, colon)}`;
      assert.deepEqual(parseSignatureDate(text, t, WINDOW), { ok: true, unixSeconds: t, naive: false }, text);
    }), { numRuns: 1000 });
  });

  it('naive: parse(wall clock at a random quarter-hour offset, now=t) === t', () => {
    fc.assert(fc.property(seconds, quarterHours, (t, offset) => {
      const text = iso(t + offset);
      assert.deepEqual(parseSignatureDate(text, t, WINDOW), { ok: true, unixSeconds: t, naive: true }, text);
    }), { numRuns: 1000 });
  });

  it('naive: any client clock error within the window still yields the signed second', () => {
    fc.assert(fc.property(seconds, quarterHours, fc.integer({ min: -WINDOW, max: WINDOW }), (t, offset, drift) => {
      assert.deepEqual(parseSignatureDate(iso(t + offset), t + drift, WINDOW), { ok: true, unixSeconds: t, naive: true });
    }), { numRuns: 1000 });
  });

  it('arbitrary strings never throw and results are well-formed', () => {
    const check = (text: string, now: number) => {
      const result = parseSignatureDate(text, now, WINDOW);
      if (result.ok) {
        assert.ok(Number.isSafeInteger(result.unixSeconds));
        assert.ok(Math.abs(result.unixSeconds - now) <= WINDOW);
      } else if (result.reason === 'out-of-range') {
        assert.ok(Math.abs(result.skewSeconds ?? Number.NaN) > WINDOW);
      }
    };
    fc.assert(fc.property(fc.string({ maxLength: 80 }), seconds, check), { numRuns: 3000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), seconds, check), { numRuns: 3000 });
    // Near-misses: real dates with characters inserted, deleted or replaced.
    const dateLike = fc.tuple(seconds, fc.constantFrom(...Object.values(formatters))).map(([t, f]) => f(t));
    const mutated = fc.tuple(dateLike, fc.nat(), fc.string({ unit: 'binary', maxLength: 3 }), fc.nat({ max: 3 }))
      .map(([text, at, insert, drop]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + drop);
      });
    fc.assert(fc.property(mutated, seconds, check), { numRuns: 3000 });
  });
});
