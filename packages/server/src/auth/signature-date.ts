/**
 * Lenient parser for the `Date` / `X-Date` header of Websupport-style signed requests.
 *
 * The client signs `"<METHOD> <path> <unix seconds>"` and tells us the time only through
 * this header, so we must recover the exact unix second the client used. Real clients
 * disagree on the format, so this accepts:
 *
 * - ISO 8601 basic `20190123T094657Z` and extended `2019-01-23T09:46:57Z` (separator `T`,
 *   `t` or a space; zone `Z`, `UTC`, `GMT`, `+hh`, `+hhmm`, `+hh:mm`, optionally after one
 *   space; fractional seconds with `.` or `,` are dropped, i.e. floored);
 * - RFC 7231 IMF-fixdate `Wed, 23 Jan 2019 09:46:57 GMT`, RFC 850
 *   `Wednesday, 23-Jan-19 09:46:57 GMT`, RFC 2822 numeric zones (`+0100`) and asctime
 *   `Wed Jan 23 09:46:57 2019` (GMT, as RFC 7231 defines it); the weekday is not checked;
 * - a bare unix timestamp `1548236817` (a fractional part `1548236817.25` is floored);
 * - naive local time without a zone (`2019-01-23T09:46:57`, `Wed, 23 Jan 2019 09:46:57`):
 *   the wall clock is read as UTC (t0) and the UTC offset, a multiple of 15 minutes in
 *   [-12:00, +14:00], that brings `t0 - offset` closest to now is assumed.
 *
 * Never throws. Field ranges are validated here because Date.UTC rolls over silently.
 */

export type SignatureDate =
  | { ok: true; unixSeconds: number; naive: boolean }
  | { ok: false; reason: 'invalid' | 'out-of-range'; skewSeconds?: number };

const MAX_LENGTH = 64;
// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const NAIVE_STEP = 15 * 60;
const NAIVE_MIN_OFFSET = -12 * 3600;
const NAIVE_MAX_OFFSET = 14 * 3600;
/** 400 Gregorian years are exactly 146097 days; used to dodge Date.UTC's 0..99 → 1900+ mapping. */
const FOUR_CENTURIES_MS = 146097 * 86400 * 1000;

const UNIX = /^(\d{1,15})(?:\.\d+)?$/;

// Date: YYYY-MM-DD or YYYYMMDD. Separator: T, t or space. Time: HH:MM:SS or HHMMSS.
// Fraction: . or , then digits. Zone: optional single space, then Z/UTC/GMT or ±hh[[:]mm].
const ISO =
  /^(\d{4})(?:-(\d{2})-(\d{2})|(\d{2})(\d{2}))[Tt ](\d{2})(?::(\d{2}):(\d{2})|(\d{2})(\d{2}))(?:[.,](\d+))? ?(?:([Zz]|UTC|GMT|utc|gmt)|([+-])(\d{2})(?::?(\d{2}))?)?$/;

const WEEKDAY = '(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*';
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
// IMF-fixdate / RFC 850 / RFC 2822: [weekday[,]] D[D] Mon YY[YY] HH:MM:SS [zone]
const HTTP = new RegExp(
  `^(?:${WEEKDAY},? +)?(\\d{1,2})[ -]${MONTH}[ -](\\d{4}|\\d{2}) +(\\d{2}):(\\d{2}):(\\d{2})(?: *(?:(gmt|utc|ut|z)|([+-])(\\d{2}):?(\\d{2})))?$`,
  'i',
);
// asctime: weekday Mon D[D] HH:MM:SS YYYY (always GMT per RFC 7231).
const ASCTIME = new RegExp(`^${WEEKDAY} +${MONTH} +(\\d{1,2}) +(\\d{2}):(\\d{2}):(\\d{2}) +(\\d{4})$`, 'i');

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

interface Parsed {
  /** Seconds since the epoch of the wall clock read as UTC, already corrected by an explicit offset. */
  seconds: number;
  naive: boolean;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Validated wall clock → seconds since the epoch, or undefined if any field is out of range.
 * `24:00:00` (ISO 8601 end of day) is allowed and means the next midnight.
 */
function wallClockSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number): number | undefined {
  if (!(year >= 0 && year <= 9999)) return undefined;
  if (!(month >= 1 && month <= 12)) return undefined;
  if (!(day >= 1 && day <= daysInMonth(year, month))) return undefined;
  if (!(minute >= 0 && minute <= 59 && second >= 0 && second <= 59)) return undefined;
  if (!(hour >= 0 && hour <= 23) && !(hour === 24 && minute === 0 && second === 0)) return undefined;
  const ms = year < 100
    ? Date.UTC(year + 400, month - 1, day, hour, minute, second) - FOUR_CENTURIES_MS
    : Date.UTC(year, month - 1, day, hour, minute, second);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** Offset in seconds east of UTC, or undefined if out of range (at most ±23:59). */
function offsetSeconds(sign: string, hours: string, minutes: string | undefined): number | undefined {
  const h = Number(hours);
  const m = minutes === undefined ? 0 : Number(minutes);
  if (!(h <= 23 && m <= 59)) return undefined;
  return (sign === '-' ? -1 : 1) * (h * 3600 + m * 60);
}

function parseIso(text: string): Parsed | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2] ?? m[4]);
  const day = Number(m[3] ?? m[5]);
  const hour = Number(m[6]);
  const minute = Number(m[7] ?? m[9]);
  const second = Number(m[8] ?? m[10]);
  const fraction = m[11];
  if (hour === 24 && fraction !== undefined && /[1-9]/.test(fraction)) return undefined;
  const wall = wallClockSeconds(year, month, day, hour, minute, second);
  if (wall === undefined) return undefined;
  if (m[12] !== undefined) return { seconds: wall, naive: false };
  if (m[13] !== undefined) {
    const offset = offsetSeconds(m[13], m[14]!, m[15]);
    return offset === undefined ? undefined : { seconds: wall - offset, naive: false };
  }
  return { seconds: wall, naive: true };
}

function twoDigitYear(yy: number, nowSeconds: number): number {
  // RFC 7231 §7.1.1.1: a two-digit year more than 50 years in the future is in the past century.
  const nowYear = Number.isFinite(nowSeconds) ? new Date(nowSeconds * 1000).getUTCFullYear() : 2000;
  const century = Number.isFinite(nowYear) ? Math.floor(nowYear / 100) * 100 : 2000;
  let year = century + yy;
  if (year > nowYear + 50) year -= 100;
  else if (year < nowYear - 49) year += 100;
  return year;
}

function parseHttp(text: string, nowSeconds: number): Parsed | undefined {
  const m = HTTP.exec(text);
  if (m) {
    const day = Number(m[1]);
    const month = MONTHS.indexOf(m[2]!.toLowerCase()) + 1;
    const year = m[3]!.length === 2 ? twoDigitYear(Number(m[3]), nowSeconds) : Number(m[3]);
    const wall = wallClockSeconds(year, month, day, Number(m[4]), Number(m[5]), Number(m[6]));
    if (wall === undefined) return undefined;
    if (m[7] !== undefined) return { seconds: wall, naive: false };
    if (m[8] !== undefined) {
      const offset = offsetSeconds(m[8], m[9]!, m[10]);
      return offset === undefined ? undefined : { seconds: wall - offset, naive: false };
    }
    return { seconds: wall, naive: true };
  }
  const a = ASCTIME.exec(text);
  if (a) {
    const month = MONTHS.indexOf(a[1]!.toLowerCase()) + 1;
    const wall = wallClockSeconds(Number(a[6]), month, Number(a[2]), Number(a[3]), Number(a[4]), Number(a[5]));
    return wall === undefined ? undefined : { seconds: wall, naive: false };
  }
  return undefined;
}

/** The offset (multiple of 15 min in [-12:00, +14:00]) that brings `t0 - offset` closest to now. */
function resolveNaive(t0: number, nowSeconds: number): number {
  if (!Number.isFinite(nowSeconds)) return t0;
  const ideal = t0 - nowSeconds;
  let offset = Math.round(ideal / NAIVE_STEP) * NAIVE_STEP;
  if (offset < NAIVE_MIN_OFFSET) offset = NAIVE_MIN_OFFSET;
  if (offset > NAIVE_MAX_OFFSET) offset = NAIVE_MAX_OFFSET;
  return t0 - offset;
}

function parse(text: string, nowSeconds: number): Parsed | undefined {
  const unix = UNIX.exec(text);
  if (unix) return { seconds: Number(unix[1]), naive: false };
  if (/^\d/.test(text)) {
    const iso = parseIso(text);
    if (iso) return iso;
  }
  return parseHttp(text, nowSeconds);
}

export function parseSignatureDate(header: string, nowSeconds: number, windowSeconds: number): SignatureDate {
  try {
    if (typeof header !== 'string' || header.length > MAX_LENGTH || CONTROL.test(header)) return { ok: false, reason: 'invalid' };
    const text = header.trim();
    if (text === '') return { ok: false, reason: 'invalid' };
    const parsed = parse(text, nowSeconds);
    if (!parsed) return { ok: false, reason: 'invalid' };
    const unixSeconds = Math.floor(parsed.naive ? resolveNaive(parsed.seconds, nowSeconds) : parsed.seconds);
    if (!Number.isFinite(unixSeconds)) return { ok: false, reason: 'invalid' };
    const skewSeconds = unixSeconds - nowSeconds;
    // Written so that a NaN window or clock rejects rather than accepts.
    if (!(Math.abs(skewSeconds) <= windowSeconds)) return { ok: false, reason: 'out-of-range', skewSeconds };
    return { ok: true, unixSeconds, naive: parsed.naive };
  } catch {
    return { ok: false, reason: 'invalid' };
  }
}
