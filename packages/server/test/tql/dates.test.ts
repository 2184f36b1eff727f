/**
 * TQL dates: absolute formats, NOW()/TODAY() arithmetic in every unit, calendar clamping for
 * MONTH/YEAR, rejection of everything else, and round-trip properties.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseTqlDate } from '../../src/tql/dates.js';
import { TqlError } from '../../src/tql/errors.js';

const NOW = new Date('2024-03-15T13:45:30.250Z');
const iso = (text: string, now = NOW) => parseTqlDate(text, now).toISOString();

describe('TQL absolute dates', () => {
  const cases: [string, string][] = [
    ['2023-02-01', '2023-02-01T00:00:00.000Z'],
    ['  2023-02-28 ', '2023-02-28T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['0050-06-01', '0050-06-01T00:00:00.000Z'],
    ['2023-02-01 13:45', '2023-02-01T13:45:00.000Z'],
    ['2023-02-01 13:45:07', '2023-02-01T13:45:07.000Z'],
    ['2023-02-01T13:45', '2023-02-01T13:45:00.000Z'],
    ['2023-02-01t13:45:07', '2023-02-01T13:45:07.000Z'],
    ['2023-02-01T13:45:07.5', '2023-02-01T13:45:07.500Z'],
    ['2023-02-01T13:45:07.123456', '2023-02-01T13:45:07.123Z'],
    ['2023-02-01T13:45:07Z', '2023-02-01T13:45:07.000Z'],
    ['2023-02-01T13:45:07.123z', '2023-02-01T13:45:07.123Z'],
    ['2023-02-01T13:45:07+02:00', '2023-02-01T11:45:07.000Z'],
    ['2023-02-01T13:45:07-0530', '2023-02-01T19:15:07.000Z'],
    ['2023-02-01T00:30+01:00', '2023-01-31T23:30:00.000Z'],
    ['2023-12-31T23:59:59.999Z', '2023-12-31T23:59:59.999Z'],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => assert.equal(iso(text), expected));
  }
});

describe('TQL relative dates', () => {
  const cases: [string, string][] = [
    ['NOW()', '2024-03-15T13:45:30.250Z'],
    ['now()', '2024-03-15T13:45:30.250Z'],
    ['TODAY()', '2024-03-15T00:00:00.000Z'],
    [' Today ( ) ', '2024-03-15T00:00:00.000Z'],
    ['NOW() - 1 HOUR', '2024-03-15T12:45:30.250Z'],
    ['NOW()-30 minutes', '2024-03-15T13:15:30.250Z'],
    ['NOW() + 1 MINUTE', '2024-03-15T13:46:30.250Z'],
    ['now() + 2 hours', '2024-03-15T15:45:30.250Z'],
    ['NOW() - 1 DAY', '2024-03-14T13:45:30.250Z'],
    ['TODAY() + 2 DAYS', '2024-03-17T00:00:00.000Z'],
    ['TODAY() - 1 WEEK', '2024-03-08T00:00:00.000Z'],
    ['TODAY()+3weeks', '2024-04-05T00:00:00.000Z'],
    ['NOW() - 1 MONTH', '2024-02-15T13:45:30.250Z'],
    ['TODAY() + 10 MONTHS', '2025-01-15T00:00:00.000Z'],
    ['TODAY() - 15 months', '2022-12-15T00:00:00.000Z'],
    ['NOW() - 1 YEAR', '2023-03-15T13:45:30.250Z'],
    ['TODAY() + 2 Years', '2026-03-15T00:00:00.000Z'],
    ['NOW() + 0 DAYS', '2024-03-15T13:45:30.250Z'],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.equal(iso(text), expected));
  }

  it('does not change the `now` passed in', () => {
    const now = new Date(NOW.getTime());
    parseTqlDate('TODAY() - 3 MONTHS', now);
    assert.equal(now.getTime(), NOW.getTime());
  });
});

describe('TQL month and year arithmetic clamps to the end of the month', () => {
  const cases: [string, string, string][] = [
    ['2023-01-31T10:00:00Z', 'NOW() + 1 MONTH', '2023-02-28T10:00:00.000Z'],
    ['2024-01-31T10:00:00Z', 'NOW() + 1 MONTH', '2024-02-29T10:00:00.000Z'],
    ['2024-03-31T00:00:00Z', 'TODAY() - 1 MONTH', '2024-02-29T00:00:00.000Z'],
    ['2024-05-31T00:00:00Z', 'TODAY() + 1 MONTH', '2024-06-30T00:00:00.000Z'],
    ['2024-10-31T00:00:00Z', 'TODAY() + 3 MONTHS', '2025-01-31T00:00:00.000Z'],
    ['2024-02-29T12:00:00Z', 'NOW() + 1 YEAR', '2025-02-28T12:00:00.000Z'],
    ['2024-02-29T12:00:00Z', 'NOW() - 4 YEARS', '2020-02-29T12:00:00.000Z'],
    ['2024-01-15T00:00:00Z', 'TODAY() - 1 MONTH', '2023-12-15T00:00:00.000Z'],
  ];
  for (const [now, text, expected] of cases) {
    it(`${now}: ${text}`, () => assert.equal(iso(text, new Date(now)), expected));
  }
});

describe('TQL date errors', () => {
  const invalid = [
    '', '   ', 'yesterday', '2023-13-01', '2023-00-10', '2023-02-30', '2023-02-29', '2023-04-31', '2023-01-00',
    '2023-1-01', '23-01-01', '2023/01/01', '2023-01-01 24:00', '2023-01-01 12:60', '2023-01-01 12:00:60',
    '2023-01-01T12', '2023-01-01T12:00+2500', '2023-01-01T12:00+01:75', '2023-01-01 12:00:00 UTC', '2023-01-01T',
    'NOW', 'NOW(1)', 'NOW() +', 'NOW() + HOUR', 'NOW() + 1', 'NOW() + 1 FORTNIGHT', 'NOW() 1 HOUR', 'NOW() * 2 DAYS',
    'NOW() + -1 DAY', 'NOW() + 1.5 DAYS', 'NOW() - 1 HOUR - 1 DAY', 'TOMORROW()', 'NOW() + 1 HOURSS', '１２３４-01-01',
  ];
  for (const text of invalid) {
    it(JSON.stringify(text), () => {
      assert.throws(() => parseTqlDate(text, NOW), (error: unknown) => {
        assert.ok(error instanceof TqlError, String(error));
        assert.equal(error.position, 0);
        return true;
      });
    });
  }

  it('names the text and the accepted formats', () => {
    assert.throws(() => parseTqlDate('2023-13-01', NOW), {
      name: 'TqlError',
      message: '"2023-13-01" is not a date; use YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, NOW() or TODAY() with ± n MINUTE|HOUR|DAY|WEEK|MONTH|YEAR.',
    });
  });

  it('rejects results outside the representable range', () => {
    assert.throws(() => parseTqlDate('NOW() + 999999999999999 YEARS', NOW), { name: 'TqlError', message: /outside the supported date range/ });
    assert.throws(() => parseTqlDate('NOW() - 999999999999999 WEEKS', NOW), TqlError);
  });
});

describe('TQL date properties', () => {
  const fixedUnit = fc.constantFrom('MINUTE', 'HOUR', 'DAY', 'WEEK', 'minutes', 'Hours', 'days', 'WEEKS');
  const instant = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true });

  it('NOW() + n UNIT then - n UNIT returns to now for MINUTE, HOUR, DAY and WEEK', () => {
    fc.assert(fc.property(instant, fc.integer({ min: 0, max: 100_000 }), fixedUnit, (now, n, unit) => {
      const there = parseTqlDate(`NOW() + ${n} ${unit}`, now);
      const back = parseTqlDate(`NOW() - ${n} ${unit}`, there);
      assert.equal(back.getTime(), now.getTime());
      const perUnit = { MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000, WEEK: 604_800_000 }[unit.toUpperCase().replace(/S$/, '') as 'DAY'];
      assert.equal(there.getTime() - now.getTime(), n * perUnit);
    }), { numRuns: 500 });
  });

  it('month arithmetic round-trips on days 1-28 and never overflows into the next month', () => {
    fc.assert(fc.property(instant, fc.integer({ min: -2400, max: 2400 }), (now, n) => {
      const text = n >= 0 ? `NOW() + ${n} MONTHS` : `NOW() - ${-n} MONTHS`;
      const there = parseTqlDate(text, now);
      const months = (there.getUTCFullYear() - now.getUTCFullYear()) * 12 + there.getUTCMonth() - now.getUTCMonth();
      assert.equal(months, n);
      assert.ok(there.getUTCDate() <= now.getUTCDate());
      if (now.getUTCDate() <= 28) {
        const back = n >= 0 ? `NOW() - ${n} MONTHS` : `NOW() + ${-n} MONTHS`;
        assert.equal(parseTqlDate(back, there).getTime(), now.getTime());
      }
    }), { numRuns: 500 });
  });

  it('every ISO timestamp in years 0000-9999 parses to the same instant', () => {
    const any = fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
    fc.assert(fc.property(any, (date) => {
      const text = date.toISOString();
      assert.equal(parseTqlDate(text, NOW).getTime(), date.getTime());
      assert.equal(parseTqlDate(text.slice(0, 10), NOW).toISOString(), `${text.slice(0, 10)}T00:00:00.000Z`);
      assert.equal(parseTqlDate(`${text.slice(0, 10)} ${text.slice(11, 19)}`, NOW).getTime(), Math.floor(date.getTime() / 1000) * 1000);
    }), { numRuns: 500 });
  });

  it('any string yields a valid Date or a TqlError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
      try {
        assert.ok(!Number.isNaN(parseTqlDate(text, NOW).getTime()));
      } catch (error) {
        assert.ok(error instanceof TqlError, String(error));
      }
    }), { numRuns: 500 });
  });
});
