/**
 * The catalogue of indicator types (spec threatconnect.md §5.1, §9): the one table every surface
 * reads. For each type: its v3 name, its v2 branch and entity key (none for the v3-only types),
 * the keys that carry its value on v2 and v3 and which stored column (`value1`–`value3`) each
 * fills, the type's own extra fields, and what `/v2/types/indicatorTypes` shows (case
 * preference, parsable, labels, regexes). The functions below turn a body's value keys into the
 * stored values, the summary and the values that address the indicator (`indicator_values`).
 *
 * v3 value keys follow tcex's IndicatorModel: `ip`, `address`, `hostName`, `text`, `md5`/`sha1`/
 * `sha256` for the built-in types, `value1`–`value3` for the others (ASN, CIDR, Mutex, Registry
 * Key, User Agent, Email Subject, Hashtag), whose v2 labels (`"AS Number"`, `"Block"`, …) are
 * accepted on v3 too.
 */
import type { FieldProblem } from '../errors.js';
import {
  normalizeAddress, normalizeAsn, normalizeCidr, normalizeEmailAddress, normalizeEmailSubject, normalizeHashtag, normalizeHost, normalizeMd5,
  normalizeMutex, normalizeRegistryKeyName, normalizeRegistryValueName, normalizeRegistryValueType, normalizeSha1, normalizeSha256, normalizeUrl,
  normalizeUserAgent, type ValueNormalizer,
} from './indicator-values.js';

export const INDICATOR_TYPE_NAMES = ['Address', 'EmailAddress', 'File', 'Host', 'URL', 'ASN', 'CIDR', 'Mutex', 'Registry Key', 'User Agent', 'Email Subject', 'Hashtag'] as const;
export type IndicatorTypeName = (typeof INDICATOR_TYPE_NAMES)[number];

export type ValueSlot = 'value1' | 'value2' | 'value3';

/** One key carrying (part of) an indicator's value. */
export interface IndicatorValueKey {
  /** The stored column it fills. */
  slot: ValueSlot;
  /** The body / answer key on v2 (`ip`, `"AS Number"`). */
  v2Key: string;
  /** The body / answer key on v3 (`ip`, `value1`). */
  v3Key: string;
  /** What `/v2/types/indicatorTypes` shows as `value{n}Label`. */
  label: string;
  /** Must be given on create (a File needs one hash of the three, see `anyOneOf`). */
  required: boolean;
  normalize: ValueNormalizer;
  /** The regular expression `/v2/types/indicatorTypes` shows for this value. */
  regex: string;
}

/** A type's own fields beside its value (v2 and v3 keys; the columns are the indicator's). */
export type IndicatorExtraField = 'size' | 'dnsActive' | 'whoisActive';

export interface IndicatorType {
  /** The v3 `type` / TQL `typeName`, and the v2 generic list's `type`. */
  name: IndicatorTypeName;
  /** v2 branch (`/v2/indicators/addresses`) and entity key (`"address"`); null: v3 only. */
  v2: { branch: string; entity: string } | null;
  keys: readonly IndicatorValueKey[];
  /** File: any one of its keys is enough (and each of them addresses the file). */
  anyOneOf: boolean;
  extras: readonly IndicatorExtraField[];
  /** How the value's case is treated (`/v2/types/indicatorTypes`). */
  casePreference: 'lower' | 'upper' | 'sensitive';
  /** Whether the value can be recognised in free text (`/v2/types/indicatorTypes`). */
  parsable: boolean;
}

const key = (slot: ValueSlot, v2Key: string, v3Key: string, label: string, normalize: ValueNormalizer, regex: string, required = true): IndicatorValueKey =>
  ({ slot, v2Key, v3Key, label, normalize, regex, required });

const HOST_REGEX = '^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\\.)+[a-z0-9_-]*[a-z_-][a-z0-9_-]*$';

/** Every indicator type, in the order `/v2/types/indicatorTypes` lists them. */
export const INDICATOR_TYPES: readonly IndicatorType[] = [
  {
    name: 'Address', v2: { branch: 'addresses', entity: 'address' }, anyOneOf: false, extras: [], casePreference: 'lower', parsable: true,
    keys: [key('value1', 'ip', 'ip', 'IP', normalizeAddress, '^(\\d{1,3}\\.){3}\\d{1,3}$|^[0-9a-f:.]*:[0-9a-f:.]*$')],
  },
  {
    name: 'EmailAddress', v2: { branch: 'emailAddresses', entity: 'emailAddress' }, anyOneOf: false, extras: [], casePreference: 'lower', parsable: true,
    keys: [key('value1', 'address', 'address', 'Email Address', normalizeEmailAddress, '^[^\\s@]{1,64}@[^\\s@]+\\.[^\\s@]+$')],
  },
  {
    name: 'File', v2: { branch: 'files', entity: 'file' }, anyOneOf: true, extras: ['size'], casePreference: 'lower', parsable: true,
    keys: [
      key('value1', 'md5', 'md5', 'MD5', normalizeMd5, '^[0-9a-fA-F]{32}$', false),
      key('value2', 'sha1', 'sha1', 'SHA1', normalizeSha1, '^[0-9a-fA-F]{40}$', false),
      key('value3', 'sha256', 'sha256', 'SHA256', normalizeSha256, '^[0-9a-fA-F]{64}$', false),
    ],
  },
  {
    name: 'Host', v2: { branch: 'hosts', entity: 'host' }, anyOneOf: false, extras: ['dnsActive', 'whoisActive'], casePreference: 'lower', parsable: true,
    keys: [key('value1', 'hostName', 'hostName', 'Host Name', normalizeHost, HOST_REGEX)],
  },
  {
    name: 'URL', v2: { branch: 'urls', entity: 'url' }, anyOneOf: false, extras: [], casePreference: 'sensitive', parsable: true,
    keys: [key('value1', 'text', 'text', 'URL', normalizeUrl, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^\\s/?#]+[^\\s]*$')],
  },
  {
    name: 'ASN', v2: { branch: 'asns', entity: 'asn' }, anyOneOf: false, extras: [], casePreference: 'upper', parsable: true,
    keys: [key('value1', 'AS Number', 'value1', 'AS Number', normalizeAsn, '^ASN\\d{1,10}$')],
  },
  {
    name: 'CIDR', v2: { branch: 'cidrBlocks', entity: 'cidrBlock' }, anyOneOf: false, extras: [], casePreference: 'lower', parsable: true,
    keys: [key('value1', 'Block', 'value1', 'Block', normalizeCidr, '^(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$|^[0-9a-f:]+/\\d{1,3}$')],
  },
  {
    name: 'Mutex', v2: { branch: 'mutexes', entity: 'mutex' }, anyOneOf: false, extras: [], casePreference: 'sensitive', parsable: false,
    keys: [key('value1', 'Mutex', 'value1', 'Mutex', normalizeMutex, '^.{1,500}$')],
  },
  {
    name: 'Registry Key', v2: { branch: 'registryKeys', entity: 'registryKey' }, anyOneOf: false, extras: [], casePreference: 'sensitive', parsable: false,
    keys: [
      key('value1', 'Key Name', 'value1', 'Key Name', normalizeRegistryKeyName, '^HKEY_[A-Z_]+(\\\\.*)?$'),
      key('value2', 'Value Name', 'value2', 'Value Name', normalizeRegistryValueName, '^.{1,1024}$'),
      key('value3', 'Value Type', 'value3', 'Value Type', normalizeRegistryValueType, '^REG_[A-Z_]+$'),
    ],
  },
  {
    name: 'User Agent', v2: { branch: 'userAgents', entity: 'userAgent' }, anyOneOf: false, extras: [], casePreference: 'sensitive', parsable: false,
    keys: [key('value1', 'User Agent String', 'value1', 'User Agent String', normalizeUserAgent, '^.{1,2000}$')],
  },
  {
    name: 'Email Subject', v2: null, anyOneOf: false, extras: [], casePreference: 'sensitive', parsable: false,
    keys: [key('value1', 'Subject', 'value1', 'Subject', normalizeEmailSubject, '^.{1,1000}$')],
  },
  {
    name: 'Hashtag', v2: null, anyOneOf: false, extras: [], casePreference: 'sensitive', parsable: false,
    keys: [key('value1', 'Hashtag', 'value1', 'Hashtag', normalizeHashtag, '^#\\S{1,255}$')],
  },
];

const BY_NAME = new Map<string, IndicatorType>(INDICATOR_TYPES.map((t) => [t.name.toLowerCase(), t]));
// The spellings clients use for the two-word built-in types.
BY_NAME.set('email address', BY_NAME.get('emailaddress')!);
const BY_BRANCH = new Map<string, IndicatorType>(INDICATOR_TYPES.filter((t) => t.v2).map((t) => [t.v2!.branch.toLowerCase(), t]));
const BY_ENTITY = new Map<string, IndicatorType>(INDICATOR_TYPES.filter((t) => t.v2).map((t) => [t.v2!.entity.toLowerCase(), t]));

/** The type named `name` (its v3 name, in any case; `Email Address` too). */
export function indicatorTypeNamed(name: string): IndicatorType | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** The type of a v2 branch (`addresses`) or entity key (`address`), in any case. */
export function indicatorTypeOfBranch(branchOrEntity: string): IndicatorType | undefined {
  return BY_BRANCH.get(branchOrEntity.toLowerCase()) ?? BY_ENTITY.get(branchOrEntity.toLowerCase());
}

/** An indicator's value as stored: its columns, the summary shown and the values that address it. */
export interface IndicatorValue {
  value1: string | null;
  value2: string | null;
  value3: string | null;
  summary: string;
  /** One row each in `indicator_values` (a File: each hash it has; others: the summary). */
  addressing: string[];
}

/** The separator of a multi-part summary (`MD5 : SHA1 : SHA256`, a registry key's three parts). */
export const SUMMARY_SEPARATOR = ' : ';

/** The summary and addressing values of stored columns. */
export function describeValue(type: IndicatorType, slots: Partial<Record<ValueSlot, string | null>>): IndicatorValue {
  const value1 = slots.value1 ?? null;
  const value2 = slots.value2 ?? null;
  const value3 = slots.value3 ?? null;
  const parts = [value1, value2, value3].filter((v): v is string => v !== null);
  const summary = parts.join(SUMMARY_SEPARATOR);
  return { value1, value2, value3, summary, addressing: type.anyOneOf ? parts : [summary] };
}

/**
 * Reads a type's value from a body: `input(key)` gives what the body holds under a key (the v3
 * key, the v2 key, or the slot name, whichever the caller accepts). Each value is normalised; a
 * missing required one, or a File with no hash, is a problem named after the key.
 */
export function readIndicatorValue(type: IndicatorType, input: (key: IndicatorValueKey) => { name: string; value: unknown } | undefined, path = ''): { value: IndicatorValue } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const slots: Partial<Record<ValueSlot, string>> = {};
  for (const k of type.keys) {
    const given = input(k);
    if (given === undefined || given.value === null || given.value === undefined || given.value === '') {
      if (k.required) problems.push({ field: path + k.v3Key, message: `is required for a${/^[AEIOU]/.test(type.name) ? 'n' : ''} ${type.name} indicator` });
      continue;
    }
    if (typeof given.value !== 'string') { problems.push({ field: path + given.name, message: 'must be a string' }); continue; }
    const normalized = k.normalize(given.value);
    if ('problem' in normalized) problems.push({ field: path + given.name, message: normalized.problem });
    else slots[k.slot] = normalized.value;
  }
  if (type.anyOneOf && problems.length === 0 && Object.keys(slots).length === 0) {
    problems.push({ field: path + type.keys.map((k) => k.v3Key).join('|'), message: `is required: a ${type.name} indicator needs at least one of ${type.keys.map((k) => k.v3Key).join(', ')}` });
  }
  return problems.length > 0 ? { problems } : { value: describeValue(type, slots) };
}

/**
 * The values a summary or single value names (a path's `/v3/indicators/{ref}`,
 * `/v2/indicators/{branch}/{value}`): normalised as `type` normalises them, or undefined when
 * the text is no valid value of that type. A File's summary names each of its hashes; any one
 * hash names the file.
 */
export function valuesNamedBy(type: IndicatorType, text: string): string[] | undefined {
  if (text.length > 4000) return undefined;
  if (type.anyOneOf) {
    const named: string[] = [];
    for (const part of text.split(SUMMARY_SEPARATOR)) {
      const trimmed = part.trim();
      const k = type.keys.find((candidate) => 'value' in candidate.normalize(trimmed));
      if (!k) return undefined;
      named.push((k.normalize(trimmed) as { value: string }).value);
    }
    return named;
  }
  const parts = type.keys.length === 1 ? [text] : text.split(SUMMARY_SEPARATOR);
  if (parts.length !== type.keys.length) return undefined;
  const slots: Partial<Record<ValueSlot, string>> = {};
  for (const [i, k] of type.keys.entries()) {
    const normalized = k.normalize(parts[i]!);
    if ('problem' in normalized) return undefined;
    slots[k.slot] = normalized.value;
  }
  return describeValue(type, slots).addressing;
}

/** The value key of `type` whose answer key is `name` on v3 (`ip`, `value1`, `md5`). */
export function valueKeyShownAs(type: IndicatorType, slot: ValueSlot): IndicatorValueKey | undefined {
  return type.keys.find((k) => k.slot === slot);
}

/**
 * A type as `/v2/types/indicatorTypes[/{type}]` shows it (spec §5.1): `custom` is "false" for
 * every built-in type, flags are the strings ThreatConnect sends, `value{n}Label` and
 * `keys.key{n}` name each value, `regexes` its patterns. The v3-only types have no branch and
 * are not listed on v2 (their `apiBranch` is null here).
 */
export function describeIndicatorType(type: IndicatorType): Record<string, unknown> {
  const described: Record<string, unknown> = {
    name: type.name,
    custom: 'false',
    parsable: String(type.parsable),
    apiBranch: type.v2?.branch ?? null,
    apiEntity: type.v2?.entity ?? null,
    casePreference: type.casePreference,
  };
  type.keys.forEach((k, i) => { described[`value${i + 1}Label`] = k.label; });
  described.keys = Object.fromEntries(type.keys.map((k, i) => [`key${i + 1}`, k.v2Key]));
  described.regexes = type.keys.map((k) => k.regex);
  return described;
}
