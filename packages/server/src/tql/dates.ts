/**
 * Dates inside TQL string values: absolute ISO-style dates and times, and NOW()/TODAY() with an
 * optional ± n UNIT offset. All arithmetic is in UTC; MONTH and YEAR are calendar arithmetic that
 * clamps to the last day of the target month (Jan 31 + 1 MONTH = Feb 28/29).
 */
import { TqlError } from './errors.js';

const MINUTE = 60_000;
const FIXED_UNITS: Record<string, number> = { MINUTE, HOUR: 60 * MINUTE, DAY: 24 * 60 * MINUTE, WEEK: 7 * 24 * 60 * MINUTE };

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// Space or T between date and time; seconds, fraction and zone optional (no zone means UTC).
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const RELATIVE = /^(NOW|TODAY)\s*\(\s*\)(?:\s*([+-])\s*(\d{1,15})\s*(MINUTE|HOUR|DAY|WEEK|MONTH|YEAR)S?)?$/i;

function notADate(text: string): TqlError {
  const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return new TqlError(
    `${JSON.stringify(shown)} is not a date; use YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, NOW() or TODAY() with ± n MINUTE|HOUR|DAY|WEEK|MONTH|YEAR.`,
    0,
  );
}

function daysInMonth(year: number, month0: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month0 + 1, 0);
  return d.getUTCDate();
}

/** A UTC instant from calendar fields, without Date.UTC's 19xx mapping of years 0–99. */
function utc(year: number, month0: number, day: number, hours = 0, minutes = 0, seconds = 0, ms = 0): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month0, day);
  d.setUTCHours(hours, minutes, seconds, ms);
  return d;
}

function addMonths(date: Date, months: number): Date {
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month0 = total - year * 12;
  const day = Math.min(date.getUTCDate(), daysInMonth(year, month0));
  return utc(year, month0, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds());
}

/** Parses a TQL date; throws TqlError (position 0) when `text` is not one. */
export function parseTqlDate(text: string, now: Date): Date {
  if (typeof text !== 'string') throw notADate(String(text));
  const trimmed = text.trim();

  const relative = RELATIVE.exec(trimmed);
  if (relative) {
    const [, base, sign, amount, unit] = relative;
    let date = new Date(now.getTime());
    if (base!.toUpperCase() === 'TODAY') date = utc(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
    if (sign) {
      const n = Number(amount) * (sign === '-' ? -1 : 1);
      const upper = unit!.toUpperCase();
      if (upper === 'MONTH') date = addMonths(date, n);
      else if (upper === 'YEAR') date = addMonths(date, n * 12);
      else date = new Date(date.getTime() + n * FIXED_UNITS[upper]!);
    }
    if (Number.isNaN(date.getTime())) {
      throw new TqlError(`${JSON.stringify(trimmed)} is outside the supported date range.`, 0);
    }
    return date;
  }

  const dateOnly = DATE_ONLY.exec(trimmed);
  const dateTime = dateOnly ? null : DATE_TIME.exec(trimmed);
  const m = dateOnly ?? dateTime;
  if (!m) throw notADate(trimmed);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hours = Number(m[4] ?? 0);
  const minutes = Number(m[5] ?? 0);
  const seconds = Number(m[6] ?? 0);
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1)) throw notADate(trimmed);
  if (hours > 23 || minutes > 59 || seconds > 59) throw notADate(trimmed);
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const zoneHours = Number(digits.slice(0, 2));
    const zoneMinutes = Number(digits.slice(2));
    if (zoneHours > 23 || zoneMinutes > 59) throw notADate(trimmed);
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  const local = utc(year, month - 1, day, hours, minutes, seconds, ms);
  return new Date(local.getTime() - offsetMinutes * MINUTE);
}
