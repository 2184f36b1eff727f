/**
 * The applier: writes a run of import items (core/exchange/items.ts) into an owner, set-based.
 * It writes exactly the rows the v3 engine's indicator and group creates write (indicators and
 * their `indicator_values` claims, groups, tags found or created, tag / label links, attributes
 * with the description and source columns that follow them, file occurrences, associations), with
 * the same normalisers (core/intel), so an item is valid exactly when the same v3 POST would be.
 *
 * How a chunk is applied (one call, inside the caller's transaction):
 * 1. Plan: every item is read and checked on its own (type, value, fields, attribute types, tag
 *    names, security labels by name among the owner's and the system's); duplicates are found;
 *    one select finds the stored indicators holding the chunk's values, one the stored groups of
 *    its xids; association ends are resolved. Nothing is written yet, so with haltOnError the
 *    items from the first failed one on are cut off and the rest planned again.
 * 2. Write: one bulk insert per table (groups, indicators, value claims, the chunk's tags at once,
 *    links, attributes; core/exchange/bulk-sql.ts: prepared statements on SQLite, `unnest` arrays
 *    on PostgreSQL), a statement per changed stored row. A value claim is INSERT … ON CONFLICT DO NOTHING
 *    RETURNING: on PostgreSQL a concurrent writer may claim a value between the plan's select
 *    and the insert; the indicator that lost is removed and the item updates the winner instead.
 *
 * Updates of stored items follow the job's settings:
 * - attributeWriteType (only when the item carries `attributes`): Append adds each attribute the
 *   target does not have already (same type and value); Replace removes the target's attributes
 *   and writes the item's; Singleton keeps one attribute per type: each type the item names
 *   replaces the target's attributes of that type (the item's last of the type); Static adds only
 *   attributes of types the target has none of.
 * - tagWriteType / securityLabelWriteType (only when the item carries `tags` / `securityLabels`):
 *   Append links the item's; Replace unlinks the target's others first.
 * - Files: an item's hashes may be held by stored files. One holder whose hashes agree: its empty
 *   hashes are filled. Several holders: fileMergeMode Merge merges them into the oldest (the
 *   others' values, tags, labels, attributes and associations move to it and they are deleted)
 *   when their hashes agree; Distribute (or Merge of files that disagree) applies the item to
 *   each holder. A holder with another hash of a kind the item brings (a collision):
 *   hashCollisionMode FavorExisting keeps the stored hash, FavorIncoming replaces it, IgnoreIncoming
 *   skips the item, IgnoreExisting makes a new file of the item's hashes no file holds (the holder
 *   untouched), Split does both (the holder updated with the item's data, a new file of the other
 *   hashes). Each collision is a 0x2003 warning naming the hashes.
 * - Groups are matched by xid in the owner; a group without one gets a generated xid (so it is
 *   always new). A stored group of another type with the xid is an error.
 *
 * Duplicates: an item naming what an earlier item of the upload names (an indicator value, a
 * group xid, the same association) is a 0x100A error and is not applied. Within a chunk this is
 * exact. Across chunks the job passes `seen` (52-bit fingerprints of what earlier chunks named,
 * about 40 bytes per item, rebuilt from the done chunks when a job resumes); a fingerprint hit
 * counts only when the item's target is stored already, so a fingerprint collision (odds about
 * n²/2⁵³) could at worst report a duplicate of an item that updates a stored one.
 */
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { indicatorAssociation } from '../intel/associations.js';
import { checkGroupValues, GROUP_TYPE_FIELDS, groupTypeNamed, groupTypeOfBranch, type GroupType } from '../intel/group-types.js';
import {
  describeValue, indicatorTypeNamed, readIndicatorValue, SUMMARY_SEPARATOR, type IndicatorType, type IndicatorValue, type ValueSlot,
} from '../intel/indicator-types.js';
import { toStoredTime } from '../../store/database.js';
import { inList, insertRows, isPostgresDb, run } from './bulk-sql.js';

/** The first key of the PostgreSQL advisory lock new groups are inserted under (the second: the owner's id). */
const GROUP_INSERT_LOCK = 0x6361_6972; // 'cair'
import {
  ITEM_ERROR_CODES, type ApplyOutcome, type AssociationItem, type GroupItem, type ImportItem, type ImportSettings, type IndicatorItem,
  type ItemAttribute, type ItemErrorCode, type ItemProblem, type ItemRef,
} from './items.js';

export interface ApplyContext {
  ownerId: number;
  userId: number;
  settings: ImportSettings;
  /** The stored time of the write (`2026-11-27T20:00:00Z`). */
  now: string;
  /** The index in the whole upload of `items[0]`. */
  firstIndex: number;
  /** What earlier chunks of the job named (duplicates across chunks); absent: this run only. */
  seen?: SeenItems;
}

/** Fingerprints of the values, xids and associations earlier chunks of a job named. */
export class SeenItems {
  readonly #prints = new Set<number>();
  get size(): number { return this.#prints.size; }
  has(key: string): boolean { return this.#prints.has(fingerprint(key)); }
  add(key: string): void {
    const print = fingerprint(key);
    if (this.#journal && !this.#prints.has(print)) this.#journal.push(print);
    this.#prints.add(print);
  }
  #journal: number[] | undefined;
  /** Starts recording what is added, so that a rolled-back transaction can take it out again (restore). */
  snapshot(): void { this.#journal = []; }
  /** Stops recording (the transaction committed). */
  keep(): void { this.#journal = undefined; }
  /** Takes out what was added since snapshot(). */
  restore(): void {
    for (const print of this.#journal ?? []) this.#prints.delete(print);
    this.#journal = undefined;
  }
  /** Adds what `items` name (a resumed job rebuilds its set from the chunks already done). */
  addItems(items: readonly ImportItem[]): void {
    for (const item of items) for (const key of itemKeys(item)) this.add(key);
  }
}

/** 52 bits of two FNV-1a hashes of `key`. */
function fingerprint(key: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x100000 + ((b >>> 0) & 0xfffff);
}

/** The keys an item names (for duplicates): each indicator value, a group's xid, an association's ends. */
function itemKeys(item: ImportItem): string[] {
  if (item.kind === 'indicator') {
    const type = typeof item.type === 'string' ? indicatorTypeNamed(item.type) : undefined;
    const read = type && typeof item.summary === 'string' ? readSummary(type, item.summary) : undefined;
    return read && 'value' in read ? read.value.addressing.map((v) => `i\0${type!.name}\0${v}`) : [];
  }
  if (item.kind === 'group') return typeof item.xid === 'string' && item.xid !== '' ? [`g\0${item.xid}`] : [];
  if (item.kind === 'association') return [associationKey(item)];
  return [];
}

function refKey(ref: ItemRef | undefined): string {
  if (!ref || typeof ref !== 'object') return '?';
  if ('group' in ref && ref.group && typeof ref.group === 'object') return 'xid' in ref.group ? `gx:${String(ref.group.xid)}` : `gi:${String((ref.group as { id: unknown }).id)}`;
  if ('indicator' in ref && ref.indicator && typeof ref.indicator === 'object') {
    if ('id' in ref.indicator) return `ii:${String(ref.indicator.id)}`;
    const type = indicatorTypeNamed(String(ref.indicator.type));
    const read = type && typeof ref.indicator.summary === 'string' ? readSummary(type, ref.indicator.summary) : undefined;
    return `iv:${type?.name ?? String(ref.indicator.type)}:${read && 'value' in read ? read.value.summary : String(ref.indicator.summary)}`;
  }
  return '?';
}

function associationKey(item: AssociationItem): string {
  const ends = [refKey(item.from), refKey(item.to)].sort();
  return `a\0${ends[0]}\0${ends[1]}\0${String(item.associationType ?? '').toLowerCase()}`;
}

const SLOTS: readonly ValueSlot[] = ['value1', 'value2', 'value3'];
const HASH_LABEL: Record<ValueSlot, string> = { value1: 'MD5', value2: 'SHA1', value3: 'SHA256' };

/**
 * Reads an item's summary as the type's value: a File's `md5 : sha1 : sha256` (any present, any
 * order: each part is the hash its length says), a Registry Key's three parts, else the whole
 * text; each part normalised and checked by the same rules as a v3 body's keys.
 */
export function readSummary(type: IndicatorType, summary: string): { value: IndicatorValue } | { problems: string[] } {
  if (summary.length > 8000) return { problems: ['the value is longer than 8000 characters'] };
  const given = new Map<ValueSlot, string>();
  if (type.anyOneOf) {
    for (const part of summary.split(SUMMARY_SEPARATOR.trim())) {
      const text = part.trim();
      if (text === '') continue;
      const key = type.keys.find((k) => 'value' in k.normalize(text));
      if (!key) return { problems: [`"${text.slice(0, 80)}" is not an ${type.keys.map((k) => k.label).join(', ').replace(/, (?=[^,]*$)/, ' or ')} hash`] };
      if (given.has(key.slot)) return { problems: [`names two ${key.label} hashes`] };
      given.set(key.slot, text);
    }
  } else if (type.keys.length === 1) {
    given.set(type.keys[0]!.slot, summary);
  } else {
    const parts = summary.split(SUMMARY_SEPARATOR);
    if (parts.length !== type.keys.length) return { problems: [`must have ${type.keys.length} parts separated by " : " (${type.keys.map((k) => k.label).join(' : ')})`] };
    type.keys.forEach((k, i) => given.set(k.slot, parts[i]!.trim()));
  }
  const read = readIndicatorValue(type, (k) => (given.has(k.slot) ? { name: k.v3Key, value: given.get(k.slot) } : undefined));
  if ('problems' in read) return { problems: read.problems.map((p) => `${p.field} ${p.message}`) };
  return read;
}

// ---------------------------------------------------------------------------------------------
// Plan

type Row = Record<string, unknown>;

interface PreparedAttribute {
  type: string;
  value: string;
  source: string | null;
  displayed: number;
  /** Security labels on the attribute itself (label ids). */
  labels?: number[];
}
interface Metadata {
  /** undefined: the item does not carry them (a stored target keeps its own). */
  attributes?: PreparedAttribute[];
  tags?: { name: string; normalized: string }[];
  labels?: number[];
  groupXids: string[];
}

/** A stored or new indicator an indicator item writes to. */
interface IndicatorTarget {
  /** Stored: its id and row. New: absent until inserted. */
  id?: number;
  row?: Row;
  /** The value it will have (new: its value; stored: changed hashes, or undefined when unchanged). */
  value?: IndicatorValue;
  /** Hashes a stored file gives up (FavorIncoming). */
  release?: string[];
  /** Stored files merged into this one (fileMergeMode Merge). */
  absorb?: Row[];
}

interface IndicatorStep {
  kind: 'indicator';
  local: number;
  item: IndicatorItem;
  type: IndicatorType;
  value: IndicatorValue;
  /** Columns the item sets (create: all it gives; update: these change). */
  set: Row;
  meta: Metadata;
  occurrences: { file_name: string | null; path: string | null; date: string | null }[];
  targets: IndicatorTarget[];
  created: boolean;
}

interface GroupStep {
  kind: 'group';
  local: number;
  item: GroupItem;
  type: GroupType;
  xid: string;
  set: Row;
  meta: Metadata;
  existing?: Row;
  id?: number;
}

/** A resolved association end. */
type End = { kind: 'group'; id?: number; step?: GroupStep } | { kind: 'indicator'; id?: number; step?: IndicatorStep; type: string };

interface AssociationStep { kind: 'association'; local: number; item: AssociationItem; from: End; to: End }

interface DeleteStep { kind: 'delete'; local: number; item: ImportItem; table: 'indicators' | 'groups' | 'association'; ids: number[]; association?: AssociationStep }

type Step = IndicatorStep | GroupStep | AssociationStep | DeleteStep;

class Refusal extends Error {
  constructor(readonly code: ItemErrorCode, reason: string, readonly kind: ItemProblem['kind'], readonly severity: 'Error' | 'Warning' = 'Error') { super(reason); }
}

const sourceOf = (item: unknown): string => {
  try { return (JSON.stringify(item) ?? String(item)).slice(0, 500); } catch { return String(item).slice(0, 500); }
};

const kindOfItem = (item: unknown): ItemProblem['kind'] => {
  const kind = (item as { kind?: unknown } | null)?.kind;
  return kind === 'indicator' || kind === 'group' || kind === 'association' ? kind : 'file';
};

function storedTime(value: unknown, name: string): string {
  const time = typeof value === 'number' ? value : typeof value === 'string' && value.length <= 64 ? Date.parse(value) : NaN;
  if (!Number.isFinite(time) || time < Date.UTC(1900, 0, 1) || time > Date.UTC(9999, 11, 31)) throw new Error(`${name} must be an ISO 8601 date such as 2023-02-01T12:00:00Z`);
  return toStoredTime(new Date(time));
}

function flag(value: unknown, name: string): number {
  if (value === true || value === 'true' || value === 'True') return 1;
  if (value === false || value === 'false' || value === 'False') return 0;
  throw new Error(`${name} must be true or false`);
}

function numberIn(value: unknown, name: string, min: number, max: number, integer: boolean): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new Error(`${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
  }
  return n;
}

const TECHNIQUE = /^T\d{4}(\.\d{3})?$/;

/** The catalogues a plan reads: attribute types and the security labels the chunk names. */
interface Catalogue {
  attributeTypes: Map<string, { name: string; maxSize: number; appliesTo: string[] }>;
  labels: Map<string, number>;
}

async function loadCatalogue(db: Kysely<any>, ownerId: number, items: readonly ImportItem[]): Promise<Catalogue> {
  const types = await run<{ name: string; max_size: number; applies_to: string }>(db, 'select name, max_size, applies_to from attribute_types', []);
  const attributeTypes = new Map(types.map((t) => [t.name.toLowerCase(), { name: t.name, maxSize: Number(t.max_size), appliesTo: String(t.applies_to).split(',').map((s) => s.trim()) }]));
  const names = new Set<string>();
  for (const item of items) {
    const add = (labels: unknown) => {
      if (Array.isArray(labels)) for (const l of labels) if (typeof l === 'string' && l.trim() !== '' && l.length <= 50) names.add(l.trim());
    };
    add((item as { securityLabels?: unknown } | null)?.securityLabels);
    const attributes = (item as { attributes?: unknown } | null)?.attributes;
    if (Array.isArray(attributes)) for (const a of attributes) add((a as { securityLabels?: unknown } | null)?.securityLabels);
  }
  const labels = new Map<string, number>();
  const rows = await inList<{ id: number; name: string; owner_id: number | null }>(db, [...names],
    (list) => `select id, name, owner_id from security_labels where (owner_id = ? or owner_id is null) and name in (${list})`, [ownerId]);
  // The owner's label before the system's of one name (the labels resource keeps them apart anyway).
  for (const row of rows.sort((a, b) => (a.owner_id === null ? 1 : 0) - (b.owner_id === null ? 1 : 0))) if (!labels.has(row.name)) labels.set(row.name, Number(row.id));
  return { attributeTypes, labels };
}

/** The item's attributes, tags, labels and group xids, checked (any problem refuses the item). */
function readMetadata(item: IndicatorItem | GroupItem, appliesTo: 'Indicator' | 'Group', catalogue: Catalogue, code: ItemErrorCode): Metadata {
  const kind = item.kind;
  const meta: Metadata = { groupXids: [] };
  if (item.attributes !== undefined && item.attributes !== null) {
    if (!Array.isArray(item.attributes)) throw new Refusal(code, 'attributes must be a list of {"type","value"}.', kind);
    meta.attributes = item.attributes.map((a: ItemAttribute, i) => {
      if (typeof a !== 'object' || a === null) throw new Refusal(code, `attribute ${i + 1} must be an object {"type","value"}.`, kind);
      const type = typeof a.type === 'string' ? catalogue.attributeTypes.get(a.type.trim().toLowerCase()) : undefined;
      if (!type) throw new Refusal(code, `attribute ${i + 1}: unknown attribute type "${String(a.type).slice(0, 100)}" (GET /v3/attributeTypes lists them).`, kind);
      if (!type.appliesTo.includes(appliesTo)) throw new Refusal(code, `attribute ${i + 1}: the attribute type "${type.name}" does not apply to ${appliesTo.toLowerCase()}s (it applies to: ${type.appliesTo.join(', ')}).`, kind);
      if (typeof a.value !== 'string' || a.value === '') throw new Refusal(code, `attribute ${i + 1} (${type.name}) needs a value (a non-empty string).`, kind);
      if (a.value.length > type.maxSize) throw new Refusal(code, `attribute ${i + 1}: a ${type.name} value must be at most ${type.maxSize} characters (it has ${a.value.length}).`, kind);
      if (a.source !== undefined && a.source !== null && (typeof a.source !== 'string' || a.source.length > 1500)) throw new Refusal(code, `attribute ${i + 1}: source must be a string of at most 1500 characters.`, kind);
      let displayed = 1;
      if (a.displayed !== undefined && a.displayed !== null) {
        try { displayed = flag(a.displayed, 'displayed'); } catch (e) { throw new Refusal(code, `attribute ${i + 1}: ${(e as Error).message}.`, kind); }
      }
      const named = (a as { securityLabels?: unknown }).securityLabels;
      if (named === undefined || named === null) return { type: type.name, value: a.value, source: a.source ?? null, displayed };
      if (!Array.isArray(named)) throw new Refusal(code, `attribute ${i + 1}: securityLabels must be a list of names.`, kind);
      const labels = [...new Set(named.map((label) => {
        const id = typeof label === 'string' ? catalogue.labels.get(label.trim()) : undefined;
        if (id === undefined) throw new Refusal(ITEM_ERROR_CODES.notFound, `attribute ${i + 1}: no security label named "${String(label).slice(0, 50)}" in this owner or the system's (GET /v3/securityLabels lists them).`, kind);
        return id;
      }))];
      return { type: type.name, value: a.value, source: a.source ?? null, displayed, labels };
    });
  }
  if (item.tags !== undefined && item.tags !== null) {
    if (!Array.isArray(item.tags)) throw new Refusal(code, 'tags must be a list of names.', kind);
    const seen = new Set<string>();
    meta.tags = [];
    for (const tag of item.tags) {
      if (typeof tag !== 'string' || tag.trim() === '' || tag.length > 128) throw new Refusal(code, `tag ${JSON.stringify(String(tag).slice(0, 140))} must be a name of 1 to 128 characters.`, kind);
      const name = tag.trim();
      const normalized = name.toLowerCase();
      if (seen.has(normalized)) continue;
      seen.add(normalized);
      meta.tags.push({ name, normalized });
    }
  }
  if (item.securityLabels !== undefined && item.securityLabels !== null) {
    if (!Array.isArray(item.securityLabels)) throw new Refusal(code, 'securityLabels must be a list of names.', kind);
    meta.labels = [];
    for (const label of item.securityLabels) {
      const id = typeof label === 'string' ? catalogue.labels.get(label.trim()) : undefined;
      if (id === undefined) throw new Refusal(ITEM_ERROR_CODES.notFound, `no security label named "${String(label).slice(0, 50)}" in this owner or the system's (GET /v3/securityLabels lists them).`, kind);
      if (!meta.labels.includes(id)) meta.labels.push(id);
    }
  }
  if (item.associatedGroups !== undefined && item.associatedGroups !== null) {
    if (!Array.isArray(item.associatedGroups) || item.associatedGroups.some((x) => typeof x !== 'string' || x === '' || x.length > 100)) throw new Refusal(code, 'associatedGroups must be a list of group xids.', kind);
    meta.groupXids = [...new Set(item.associatedGroups)];
  }
  return meta;
}

function datesOf(item: { created?: unknown; modified?: unknown }, set: Row): void {
  if (item.created !== undefined && item.created !== null) set.date_added = storedTime(item.created, 'created');
  if (item.modified !== undefined && item.modified !== null) set.last_modified = storedTime(item.modified, 'modified');
}

function readIndicator(item: IndicatorItem, local: number, catalogue: Catalogue): IndicatorStep {
  const bad = (reason: string) => new Refusal(ITEM_ERROR_CODES.invalidIndicator, reason, 'indicator');
  const type = typeof item.type === 'string' ? indicatorTypeNamed(item.type) : undefined;
  if (!type) throw bad(`Unknown indicator type "${String(item.type).slice(0, 100)}".`);
  if (typeof item.summary !== 'string' || item.summary.trim() === '') throw bad(`A${/^[AEIOU]/.test(type.name) ? 'n' : ''} ${type.name} indicator needs its value (summary).`);
  const read = readSummary(type, item.summary);
  if ('problems' in read) throw bad(`${type.name} "${item.summary.slice(0, 200)}" is not valid: ${read.problems.join('; ')}.`);
  const set: Row = {};
  try {
    if (item.rating !== undefined && item.rating !== null) set.rating = numberIn(item.rating, 'rating', 0, 5, false);
    if (item.confidence !== undefined && item.confidence !== null) set.confidence = numberIn(item.confidence, 'confidence', 0, 100, true);
    if (item.active !== undefined && item.active !== null) set.active = flag(item.active, 'active');
    for (const [name, column] of [['dnsActive', 'dns_active'], ['whoisActive', 'whois_active']] as const) {
      if (item[name] === undefined || item[name] === null) continue;
      const on = flag(item[name], name);
      if (type.name !== 'Host' && on === 1) throw new Error(`${name} applies to Host indicators only`);
      if (type.name === 'Host') set[column] = on;
    }
    if (item.size !== undefined && item.size !== null) {
      if (type.name !== 'File') throw new Error('size applies to File indicators only');
      set.size = numberIn(item.size, 'size', 0, 2_147_483_647, true);
    }
    if (item.firstSeen !== undefined && item.firstSeen !== null) set.first_seen = storedTime(item.firstSeen, 'firstSeen');
    if (item.lastSeen !== undefined && item.lastSeen !== null) set.last_seen = storedTime(item.lastSeen, 'lastSeen');
    datesOf(item, set);
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw bad(`${type.name} "${read.value.summary.slice(0, 200)}": ${(error as Error).message}.`);
  }
  const occurrences: IndicatorStep['occurrences'] = [];
  if (item.fileOccurrences !== undefined && item.fileOccurrences !== null) {
    if (type.name !== 'File') throw bad('fileOccurrences apply to File indicators only.');
    if (!Array.isArray(item.fileOccurrences)) throw bad('fileOccurrences must be a list of {"fileName","path","date"}.');
    for (const o of item.fileOccurrences) {
      if (typeof o !== 'object' || o === null) throw bad('a file occurrence must be an object {"fileName","path","date"}.');
      if (o.fileName !== undefined && o.fileName !== null && (typeof o.fileName !== 'string' || o.fileName.length > 255)) throw bad('a file occurrence\'s fileName must be a string of at most 255 characters.');
      if (o.path !== undefined && o.path !== null && (typeof o.path !== 'string' || o.path.length > 4096)) throw bad('a file occurrence\'s path must be a string of at most 4096 characters.');
      let date: string | null = null;
      try { if (o.date !== undefined && o.date !== null) date = storedTime(o.date, 'a file occurrence\'s date'); } catch (e) { throw bad(`${(e as Error).message}.`); }
      occurrences.push({ file_name: o.fileName ?? null, path: o.path ?? null, date });
    }
  }
  const meta = readMetadata(item, 'Indicator', catalogue, ITEM_ERROR_CODES.invalidIndicator);
  return { kind: 'indicator', local, item, type, value: read.value, set, meta, occurrences, targets: [], created: false };
}

function readIndicatorName(item: IndicatorItem, local: number): IndicatorStep {
  const type = typeof item.type === 'string' ? indicatorTypeNamed(item.type) : undefined;
  if (!type) throw new Refusal(ITEM_ERROR_CODES.invalidIndicator, `Unknown indicator type "${String(item.type).slice(0, 100)}".`, 'indicator');
  const read = typeof item.summary === 'string' ? readSummary(type, item.summary) : { problems: ['the value (summary) is required'] };
  if ('problems' in read) throw new Refusal(ITEM_ERROR_CODES.invalidIndicator, `${type.name} "${String(item.summary).slice(0, 200)}" is not valid: ${read.problems.join('; ')}.`, 'indicator');
  return { kind: 'indicator', local, item, type, value: read.value, set: {}, meta: { groupXids: [] }, occurrences: [], targets: [], created: false };
}

/** Group fields by v3 key → column (the type's own fields, and firstSeen / lastSeen of every type). */
const GROUP_COLUMNS: Record<string, { column: string; date?: boolean; flag?: boolean }> = {
  firstSeen: { column: 'first_seen', date: true },
  lastSeen: { column: 'last_seen', date: true },
  ...Object.fromEntries(Object.values(GROUP_TYPE_FIELDS).map((f) => [f.name, {
    column: f.column, date: ['publishDate', 'eventDate', 'dueDate'].includes(f.name), flag: f.name === 'malware',
  }])),
};
const GROUP_TEXT_LIMITS: Record<string, number> = { file_name: 255, file_type: 32, file_text: 1_000_000, password: 255, subject: 255, header: 65_500, body: 1_000_000, from_address: 255, status: 64, event_type: 255 };

function readGroup(item: GroupItem, local: number, catalogue: Catalogue): GroupStep {
  const bad = (reason: string) => new Refusal(ITEM_ERROR_CODES.invalidGroup, reason, 'group');
  const type = typeof item.type === 'string' ? groupTypeNamed(item.type) ?? groupTypeOfBranch(item.type) : undefined;
  if (!type) throw bad(`Unknown group type "${String(item.type).slice(0, 100)}".`);
  if (typeof item.name !== 'string' || item.name.trim() === '') throw bad(`A ${type.name} group needs a name.`);
  if (item.name.length > 255) throw bad(`A group name must be at most 255 characters (it has ${item.name.length}).`);
  if (item.xid !== undefined && item.xid !== null && (typeof item.xid !== 'string' || item.xid === '' || item.xid.length > 100)) throw bad('xid must be a string of 1 to 100 characters.');
  const set: Row = { name: item.name };
  try {
    if (item.fields !== undefined && item.fields !== null) {
      if (typeof item.fields !== 'object' || Array.isArray(item.fields)) throw new Error('fields must be an object');
      for (const [key, value] of Object.entries(item.fields)) {
        const field = Object.hasOwn(GROUP_COLUMNS, key) ? GROUP_COLUMNS[key] : undefined;
        if (!field) throw new Error(`${key.slice(0, 60)} is not a field of a group`);
        if (value === null || value === undefined) continue;
        if (field.date) set[field.column] = storedTime(value, key);
        else if (field.flag) set[field.column] = flag(value, key);
        else {
          if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`${key} must be a string`);
          const text = String(value);
          if (text.length > (GROUP_TEXT_LIMITS[field.column] ?? 255)) throw new Error(`${key} must be at most ${GROUP_TEXT_LIMITS[field.column] ?? 255} characters`);
          set[field.column] = text;
        }
      }
    }
    datesOf(item, set);
  } catch (error) {
    throw bad(`${type.name} "${item.name.slice(0, 200)}": ${(error as Error).message}.`);
  }
  const meta = readMetadata(item, 'Group', catalogue, ITEM_ERROR_CODES.invalidGroup);
  return { kind: 'group', local, item, type, xid: typeof item.xid === 'string' ? item.xid : crypto.randomUUID(), set, meta };
}

interface Planned {
  steps: Step[];
  problems: ItemProblem[];
  /** Local indexes that failed (Error). */
  failed: Set<number>;
  /** Items skipped without an error (IgnoreIncoming). */
  unchanged: number;
  /** What the items name (values, xids, associations): for the job's duplicates across chunks. */
  keys: Iterable<string>;
}

async function plan(db: Kysely<any>, ctx: ApplyContext, items: readonly ImportItem[], catalogue: Catalogue): Promise<Planned> {
  const problems: ItemProblem[] = [];
  const failed = new Set<number>();
  const fail = (local: number, refusal: Refusal) => {
    problems.push({ index: ctx.firstIndex + local, kind: refusal.kind, code: refusal.code, severity: refusal.severity, reason: refusal.message, source: sourceOf(items[local]) });
    if (refusal.severity === 'Error') failed.add(local);
  };
  const warn = (local: number, code: ItemErrorCode, kind: ItemProblem['kind'], reason: string) =>
    problems.push({ index: ctx.firstIndex + local, kind, code, severity: 'Warning', reason, source: sourceOf(items[local]) });
  const deleting = ctx.settings.action === 'Delete';

  // 1. Each item on its own.
  const indicators: IndicatorStep[] = [];
  const groups: GroupStep[] = [];
  const associations: { local: number; item: AssociationItem }[] = [];
  const claimed = new Map<string, number>();
  const duplicate = (local: number, keys: string[], kind: ItemProblem['kind'], what: () => string): boolean => {
    let earlier: number | undefined;
    for (const k of keys) if (earlier === undefined) earlier = claimed.get(k);
    if (earlier !== undefined) {
      fail(local, new Refusal(ITEM_ERROR_CODES.duplicate, `Duplicate Item Error: ${what()} is item ${ctx.firstIndex + earlier + 1} of this upload already.`, kind));
      return true;
    }
    for (const k of keys) claimed.set(k, local);
    return false;
  };
  items.forEach((item, local) => {
    try {
      if (typeof item !== 'object' || item === null) throw new Refusal(ITEM_ERROR_CODES.general, 'An item must be an object.', 'file');
      if (item.kind === 'indicator') {
        // A delete names the indicator by type and value only.
        const step = deleting ? readIndicatorName(item, local) : readIndicator(item, local, catalogue);
        if (!duplicate(local, step.value.addressing.map((v) => `i\0${step.type.name}\0${v}`), 'indicator', () => `${step.type.name} ${step.value.summary.slice(0, 200)}`)) indicators.push(step);
      } else if (item.kind === 'group') {
        if (deleting && (typeof item.xid !== 'string' || item.xid === '' || item.xid.length > 100)) throw new Refusal(ITEM_ERROR_CODES.invalidGroup, 'A group to delete is named by its xid.', 'group');
        const step = deleting ? { kind: 'group' as const, local, item, type: groupTypeNamed('Adversary')!, xid: item.xid!, set: {}, meta: { groupXids: [] } } : readGroup(item, local, catalogue);
        const keys = typeof item.xid === 'string' ? [`g\0${step.xid}`] : [];
        if (!duplicate(local, keys, 'group', () => `the group with xid "${step.xid.slice(0, 100)}"`)) groups.push(step);
      } else if (item.kind === 'association') {
        if (typeof item.from !== 'object' || item.from === null || typeof item.to !== 'object' || item.to === null) throw new Refusal(ITEM_ERROR_CODES.association, 'An association needs both ends (from and to).', 'association');
        if (!duplicate(local, [associationKey(item)], 'association', () => 'this association')) associations.push({ local, item });
      } else {
        throw new Refusal(ITEM_ERROR_CODES.general, `Unknown item kind "${String((item as { kind?: unknown }).kind).slice(0, 40)}".`, 'file');
      }
    } catch (error) {
      if (error instanceof Refusal) fail(local, error);
      else throw error;
    }
  });

  // 2. What the owner holds: the indicators of the chunk's values, the groups of its xids.
  const valueKeys = new Map<string, number>();
  const byType = new Map<string, Set<string>>();
  const wantValue = (type: string, value: string) => {
    let set = byType.get(type);
    if (!set) byType.set(type, set = new Set());
    set.add(value);
  };
  for (const step of indicators) for (const v of step.value.addressing) wantValue(step.type.name, v);
  const refValues: { ref: { type: IndicatorType; value: IndicatorValue } | undefined; local: number }[] = [];
  const readRef = (ref: ItemRef): { type: IndicatorType; value: IndicatorValue } | undefined => {
    if (!('indicator' in ref) || !ref.indicator || typeof ref.indicator !== 'object' || 'id' in ref.indicator) return undefined;
    const type = indicatorTypeNamed(String(ref.indicator.type));
    const read = type && typeof ref.indicator.summary === 'string' ? readSummary(type, ref.indicator.summary) : undefined;
    return read && 'value' in read ? { type: type!, value: read.value } : undefined;
  };
  for (const a of associations) {
    for (const ref of [a.item.from, a.item.to]) {
      const read = readRef(ref);
      if (read) { for (const v of read.value.addressing) wantValue(read.type.name, v); refValues.push({ ref: read, local: a.local }); }
    }
  }
  for (const [type, values] of byType) {
    const rows = await inList<{ value: string; indicator_id: number }>(db, [...values],
      (list) => `select value, indicator_id from indicator_values where owner_id = ? and type = ? and value in (${list})`, [ctx.ownerId, type]);
    for (const row of rows) valueKeys.set(`${type}\0${row.value}`, Number(row.indicator_id));
  }
  const holderIds = new Set(valueKeys.values());
  const holderRows = new Map<number, Row>();
  for (const row of await inList<Row>(db, [...holderIds], (list) => `select * from indicators where id in (${list})`)) holderRows.set(Number(row.id), row);

  const xids = new Set<string>();
  for (const g of groups) xids.add(g.xid);
  for (const step of indicators) for (const x of step.meta.groupXids) xids.add(x);
  for (const g of groups) for (const x of g.meta.groupXids) xids.add(x);
  for (const a of associations) for (const ref of [a.item.from, a.item.to]) if ('group' in ref && ref.group && 'xid' in ref.group && typeof ref.group.xid === 'string') xids.add(ref.group.xid);
  const storedGroups = new Map<string, Row>();
  for (const row of await inList<Row>(db, [...xids], (list) => `select * from "groups" where owner_id = ? and xid in (${list})`, [ctx.ownerId])) storedGroups.set(String(row.xid), row);

  const seenBefore = (keys: string[]) => ctx.seen !== undefined && keys.some((k) => ctx.seen!.has(k));
  const steps: Step[] = [];
  let unchanged = 0;

  // 3. Groups: new, or the stored one of the xid.
  for (const g of groups) {
    const existing = storedGroups.get(g.xid);
    try {
      if (deleting) {
        if (!existing) throw new Refusal(ITEM_ERROR_CODES.notFound, `No group with xid "${g.xid.slice(0, 100)}" in this owner to delete.`, 'group');
        steps.push({ kind: 'delete', local: g.local, item: g.item, table: 'groups', ids: [Number(existing.id)] });
        continue;
      }
      if (existing && seenBefore([`g\0${g.xid}`])) throw new Refusal(ITEM_ERROR_CODES.duplicate, `Duplicate Item Error: the group with xid "${g.xid.slice(0, 100)}" is an earlier item of this upload.`, 'group');
      if (existing && existing.type !== g.type.name) throw new Refusal(ITEM_ERROR_CODES.invalidGroup, `The xid "${g.xid.slice(0, 100)}" names a ${String(existing.type)} group of this owner already, not a ${g.type.name}.`, 'group');
      const groupProblems = checkGroupValues(g.type.name, g.set, existing);
      if (groupProblems.length > 0) throw new Refusal(ITEM_ERROR_CODES.invalidGroup, `${g.type.name} "${g.item.name.slice(0, 200)}" is not valid: ${groupProblems.map((p) => `${p.field} ${p.message}`).join('; ')}.`, 'group');
      if (existing) { g.existing = existing; g.id = Number(existing.id); }
      steps.push(g);
    } catch (error) {
      if (error instanceof Refusal) fail(g.local, error); else throw error;
    }
  }

  // 4. Indicators: new, stored (updates), Files by their modes.
  for (const step of indicators) {
    try {
      const holders = [...new Set(step.value.addressing.map((v) => valueKeys.get(`${step.type.name}\0${v}`)).filter((id): id is number => id !== undefined))].sort((a, b) => a - b);
      if (deleting) {
        if (holders.length === 0) throw new Refusal(ITEM_ERROR_CODES.notFound, `No ${step.type.name} ${step.value.summary.slice(0, 200)} in this owner to delete.`, 'indicator');
        steps.push({ kind: 'delete', local: step.local, item: step.item, table: 'indicators', ids: holders });
        continue;
      }
      if (holders.length > 0 && seenBefore(step.value.addressing.map((v) => `i\0${step.type.name}\0${v}`))) {
        throw new Refusal(ITEM_ERROR_CODES.duplicate, `Duplicate Item Error: ${step.type.name} ${step.value.summary.slice(0, 200)} is an earlier item of this upload.`, 'indicator');
      }
      if (holders.length === 0) step.targets.push({ value: step.value });
      else if (!step.type.anyOneOf) step.targets.push({ id: holders[0]!, row: holderRows.get(holders[0]!)! });
      else if (!planFile(step, holders.map((id) => holderRows.get(id)!), ctx.settings, (reason) => warn(step.local, ITEM_ERROR_CODES.fileHashMerge, 'indicator', reason))) { unchanged++; continue; }
      steps.push(step);
    } catch (error) {
      if (error instanceof Refusal) fail(step.local, error); else throw error;
    }
  }

  // 5. Associations: both ends among the chunk's items or the owner's stored ones.
  const newGroupsByXid = new Map<string, GroupStep>();
  for (const s of steps) if (s.kind === 'group') newGroupsByXid.set(s.xid, s);
  const indicatorByValue = new Map<string, IndicatorStep>();
  for (const s of steps) if (s.kind === 'indicator') for (const v of s.value.addressing) indicatorByValue.set(`${s.type.name}\0${v}`, s);
  const idRefs = { indicators: new Set<number>(), groups: new Set<number>() };
  for (const a of associations) for (const ref of [a.item.from, a.item.to]) {
    if ('group' in ref && ref.group && 'id' in ref.group) idRefs.groups.add(Number(ref.group.id));
    if ('indicator' in ref && ref.indicator && 'id' in ref.indicator) idRefs.indicators.add(Number(ref.indicator.id));
  }
  const storedById = { indicators: new Map<number, string>(), groups: new Set<number>() };
  const safeIds = (ids: Set<number>) => [...ids].filter((id) => Number.isSafeInteger(id) && id > 0);
  for (const row of await inList<{ id: number; type: string }>(db, safeIds(idRefs.indicators), (list) => `select id, type from indicators where owner_id = ? and id in (${list})`, [ctx.ownerId])) storedById.indicators.set(Number(row.id), String(row.type));
  for (const row of await inList<{ id: number }>(db, safeIds(idRefs.groups), (list) => `select id from "groups" where owner_id = ? and id in (${list})`, [ctx.ownerId])) storedById.groups.add(Number(row.id));

  const resolve = (ref: ItemRef, side: string): End => {
    const missing = (what: string) => new Refusal(ITEM_ERROR_CODES.association, `The association's ${side} end (${what}) is not in this upload or this owner.`, 'association');
    if ('group' in ref && ref.group && typeof ref.group === 'object') {
      if ('xid' in ref.group) {
        const xid = String(ref.group.xid);
        const step = newGroupsByXid.get(xid);
        if (step) return { kind: 'group', step };
        const stored = storedGroups.get(xid);
        if (stored) return { kind: 'group', id: Number(stored.id) };
        throw missing(`group xid "${xid.slice(0, 100)}"`);
      }
      const id = Number((ref.group as { id: unknown }).id);
      if (storedById.groups.has(id)) return { kind: 'group', id };
      throw missing(`group ${String((ref.group as { id: unknown }).id).slice(0, 40)}`);
    }
    if ('indicator' in ref && ref.indicator && typeof ref.indicator === 'object') {
      if ('id' in ref.indicator) {
        const id = Number(ref.indicator.id);
        const type = storedById.indicators.get(id);
        if (type !== undefined) return { kind: 'indicator', id, type };
        throw missing(`indicator ${String(ref.indicator.id).slice(0, 40)}`);
      }
      const read = readRef(ref);
      const what = `${String(ref.indicator.type).slice(0, 40)} ${String(ref.indicator.summary).slice(0, 200)}`;
      if (!read) throw missing(what);
      for (const v of read.value.addressing) {
        const step = indicatorByValue.get(`${read.type.name}\0${v}`);
        if (step) return { kind: 'indicator', step, type: read.type.name };
        const id = valueKeys.get(`${read.type.name}\0${v}`);
        if (id !== undefined) return { kind: 'indicator', id, type: read.type.name };
      }
      throw missing(what);
    }
    throw new Refusal(ITEM_ERROR_CODES.association, `The association's ${side} end must name a group ({"group":{"xid"|"id"}}) or an indicator ({"indicator":{"type","summary"}|{"id"}}).`, 'association');
  };
  for (const a of associations) {
    try {
      const from = resolve(a.item.from, 'first');
      const to = resolve(a.item.to, 'second');
      if (from.kind === 'indicator' && to.kind === 'indicator') {
        try { indicatorAssociation(from.type, to.type, a.item.associationType); } catch (error) { throw new Refusal(ITEM_ERROR_CODES.association, (error as Error).message, 'association'); }
      } else if (from.kind === 'group' && to.kind === 'group' && from.id !== undefined && from.id === to.id) {
        throw new Refusal(ITEM_ERROR_CODES.association, 'A group cannot be associated with itself.', 'association');
      }
      const step: AssociationStep = { kind: 'association', local: a.local, item: a.item, from, to };
      if (deleting) steps.push({ kind: 'delete', local: a.local, item: a.item, table: 'association', ids: [], association: step });
      else steps.push(step);
    } catch (error) {
      if (error instanceof Refusal) fail(a.local, error); else throw error;
    }
  }
  return { steps, problems, failed, unchanged, keys: claimed.keys() };
}

/**
 * Decides what a File item writes when stored files hold some of its hashes (see the module
 * comment). Returns false when the item is skipped (IgnoreIncoming).
 */
function planFile(step: IndicatorStep, holders: Row[], settings: ImportSettings, warn: (reason: string) => void): boolean {
  const incoming: Partial<Record<ValueSlot, string | null>> = { value1: step.value.value1, value2: step.value.value2, value3: step.value.value3 };
  const heldBy = (row: Row) => SLOTS.filter((s) => row[s] !== null && row[s] === incoming[s]);
  const clashes = (a: Partial<Record<ValueSlot, unknown>>, b: Partial<Record<ValueSlot, unknown>>) =>
    SLOTS.filter((s) => a[s] !== null && a[s] !== undefined && b[s] !== null && b[s] !== undefined && a[s] !== b[s]);
  if (holders.length > 1) {
    let merged: Partial<Record<ValueSlot, string | null>> = { ...incoming };
    let agree = true;
    for (const row of holders) {
      if (clashes(merged, row).length > 0) { agree = false; break; }
      merged = Object.fromEntries(SLOTS.map((s) => [s, merged[s] ?? (row[s] as string | null)]));
    }
    if (settings.fileMergeMode === 'Merge' && agree) {
      const [first, ...rest] = holders;
      step.targets.push({ id: Number(first!.id), row: first!, value: describeValue(step.type, merged), absorb: rest });
      warn(`The hashes of ${step.value.summary} were held by ${holders.length} files (ids ${holders.map((r) => r.id).join(', ')}); merged into ${String(first!.id)}.`);
      return true;
    }
    // Distribute: the item's data goes to every holder; each keeps its hashes.
    for (const row of holders) step.targets.push({ id: Number(row.id), row });
    warn(`The hashes of ${step.value.summary} are held by ${holders.length} files (ids ${holders.map((r) => r.id).join(', ')}); ${settings.fileMergeMode === 'Merge' ? 'their hashes disagree, so ' : ''}the item was applied to each.`);
    return true;
  }
  const holder = holders[0]!;
  const clash = clashes(incoming, holder);
  const filled = (over: Partial<Record<ValueSlot, string | null>>, under: Row) => describeValue(step.type, Object.fromEntries(SLOTS.map((s) => [s, over[s] ?? (under[s] as string | null)])));
  if (clash.length === 0) {
    const value = filled(incoming, holder);
    step.targets.push({ id: Number(holder.id), row: holder, value: value.summary !== holder.summary ? value : undefined });
    return true;
  }
  const named = clash.map((s) => `${HASH_LABEL[s]} ${String(holder[s])} (incoming ${String(incoming[s])})`).join(', ');
  const mode = settings.hashCollisionMode;
  if (mode === 'IgnoreIncoming') { warn(`File ${String(holder.id)} has another ${named}; the item was ignored (hashCollisionMode IgnoreIncoming).`); return false; }
  if (mode === 'FavorExisting') {
    const value = filled(Object.fromEntries(SLOTS.map((s) => [s, clash.includes(s) ? null : incoming[s] ?? null])), holder);
    step.targets.push({ id: Number(holder.id), row: holder, value: value.summary !== holder.summary ? value : undefined });
    warn(`File ${String(holder.id)} has another ${named}; the stored hash was kept (hashCollisionMode FavorExisting).`);
    return true;
  }
  if (mode === 'FavorIncoming') {
    const value = filled(incoming, holder);
    step.targets.push({ id: Number(holder.id), row: holder, value, release: clash.map((s) => String(holder[s])) });
    warn(`File ${String(holder.id)} had another ${named}; the incoming hash replaced it (hashCollisionMode FavorIncoming).`);
    return true;
  }
  // IgnoreExisting and Split: a new file of the hashes the holder does not have.
  const held = new Set(heldBy(holder));
  const rest = describeValue(step.type, Object.fromEntries(SLOTS.map((s) => [s, held.has(s) ? null : incoming[s] ?? null])));
  if (mode === 'Split') step.targets.push({ id: Number(holder.id), row: holder });
  if (rest.addressing.length > 0) step.targets.push({ value: rest });
  warn(`File ${String(holder.id)} has another ${named}; ${rest.addressing.length > 0 ? `a new file ${rest.summary} holds the other hashes` : 'no hash was left for a new file'}${mode === 'Split' ? ` and ${String(holder.id)} took the item's data` : ''} (hashCollisionMode ${mode}).`);
  if (mode === 'IgnoreExisting' && rest.addressing.length === 0) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Write

const INDICATOR_COLUMNS = [
  'owner_id', 'type', 'summary', 'value1', 'value2', 'value3', 'rating', 'confidence', 'active', 'dns_active', 'whois_active', 'size',
  'first_seen', 'last_seen', 'description', 'source', 'created_by_id', 'date_added', 'last_modified',
] as const;
const GROUP_COLUMNS_WRITTEN = [
  'owner_id', 'type', 'xid', 'name', 'status', 'event_date', 'event_type', 'first_seen', 'last_seen', 'publish_date', 'due_date', 'file_name', 'file_type',
  'file_text', 'malware', 'password', 'subject', 'header', 'body', 'from_address', 'description', 'created_by_id', 'date_added', 'last_modified',
] as const;

/** The first attribute of `type` the list has (what the parent's column follows on a new item). */
const firstOf = (attributes: PreparedAttribute[] | undefined, type: string) => attributes?.find((a) => a.type === type)?.value ?? null;

/** The attributes a new target gets under the write type: Singleton keeps the last of each type; the others drop exact repeats. */
function attributesForNew(attributes: PreparedAttribute[], settings: ImportSettings): PreparedAttribute[] {
  if (attributes.length < 2) return attributes;
  if (settings.attributeWriteType === 'Singleton') {
    const last = new Map<string, PreparedAttribute>();
    for (const a of attributes) { last.delete(a.type); last.set(a.type, a); }
    return [...last.values()];
  }
  const seen = new Set<string>();
  return attributes.filter((a) => { const k = `${a.type}\0${a.value}`; if (seen.has(k)) return false; seen.add(k); return true; });
}

interface Parent { id: number; meta: Metadata; isNew: boolean }

async function writeMetadata(db: Kysely<any>, ctx: ApplyContext, kind: 'indicator' | 'group', parents: Parent[]): Promise<void> {
  const table = `${kind}_attributes`;
  const parentColumn = `${kind}_id`;
  const settings = ctx.settings;
  // Tags: find or create every name of the run at once.
  const tagNames = new Map<string, string>();
  for (const p of parents) for (const t of p.meta.tags ?? []) if (!tagNames.has(t.normalized)) tagNames.set(t.normalized, t.name);
  const tagIds = new Map<string, number>();
  if (tagNames.size > 0) {
    // In one order for every writer (two imports creating the same new tags wait on each other the same way round).
    await insertRows(db, 'tags', ['owner_id', 'name', 'normalized', 'technique_id', 'date_added'],
      [...tagNames].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([normalized, name]) => [ctx.ownerId, name, normalized, TECHNIQUE.test(name) ? name : null, ctx.now]), 'on conflict do nothing');
    for (const row of await inList<{ id: number; normalized: string }>(db, [...tagNames.keys()], (list) => `select id, normalized from tags where owner_id = ? and normalized in (${list})`, [ctx.ownerId])) {
      tagIds.set(row.normalized, Number(row.id));
    }
  }
  const replaceTags = parents.filter((p) => !p.isNew && p.meta.tags !== undefined && settings.tagWriteType === 'Replace').map((p) => p.id);
  await inList(db, replaceTags, (list) => `delete from ${kind}_tags where ${parentColumn} in (${list})`);
  const tagLinks: number[][] = [];
  for (const p of parents) for (const t of p.meta.tags ?? []) tagLinks.push([p.id, tagIds.get(t.normalized)!]);
  await insertRows(db, `${kind}_tags`, [parentColumn, 'tag_id'], tagLinks, 'on conflict do nothing');
  if (tagIds.size > 0) await inList(db, [...tagIds.values()], (list) => `update tags set last_used = ? where id in (${list})`, [ctx.now]);

  // Security labels.
  const replaceLabels = parents.filter((p) => !p.isNew && p.meta.labels !== undefined && settings.securityLabelWriteType === 'Replace').map((p) => p.id);
  await inList(db, replaceLabels, (list) => `delete from ${kind}_labels where ${parentColumn} in (${list})`);
  const labelLinks: number[][] = [];
  for (const p of parents) for (const l of p.meta.labels ?? []) labelLinks.push([p.id, l]);
  await insertRows(db, `${kind}_labels`, [parentColumn, 'label_id'], labelLinks, 'on conflict do nothing');

  // Attributes.
  const rows: unknown[][] = [];
  /** Per row of `rows`: the attribute's own labels, if it has any. */
  const labelled: (number[] | undefined)[] = [];
  const row = (parentId: number, a: PreparedAttribute) => {
    labelled.push(a.labels !== undefined && a.labels.length > 0 ? a.labels : undefined);
    return [ctx.ownerId, parentId, a.type, a.value, a.source, a.displayed, 0, 0, ctx.userId, ctx.now, ctx.now];
  };
  const stored = parents.filter((p) => !p.isNew && p.meta.attributes !== undefined);
  const storedAttributes = new Map<number, { id: number; type: string; value: string }[]>();
  if (stored.length > 0 && settings.attributeWriteType !== 'Replace') {
    for (const r of await inList<{ id: number; parent: number; type: string; value: string }>(db, stored.map((p) => p.id),
      (list) => `select id, ${parentColumn} as parent, type, value from ${table} where ${parentColumn} in (${list})`)) {
      const list = storedAttributes.get(Number(r.parent)) ?? [];
      list.push({ id: Number(r.id), type: r.type, value: r.value });
      storedAttributes.set(Number(r.parent), list);
    }
  }
  const removeAttributes: number[] = [];
  const replaceAll: number[] = [];
  const changedParents = new Set<number>();
  for (const p of parents) {
    if (p.meta.attributes === undefined) continue;
    const wanted = attributesForNew(p.meta.attributes, settings);
    if (p.isNew) { for (const a of wanted) rows.push(row(p.id, a)); continue; }
    const have = storedAttributes.get(p.id) ?? [];
    let write: PreparedAttribute[] = wanted;
    switch (settings.attributeWriteType) {
      case 'Replace':
        replaceAll.push(p.id);
        break;
      case 'Append':
        write = wanted.filter((a) => !have.some((h) => h.type === a.type && h.value === a.value));
        break;
      case 'Singleton':
        for (const h of have) if (wanted.some((a) => a.type === h.type)) removeAttributes.push(h.id);
        break;
      case 'Static':
        write = wanted.filter((a) => !have.some((h) => h.type === a.type));
        break;
    }
    if (write.length > 0 || settings.attributeWriteType === 'Replace' || removeAttributes.length > 0) changedParents.add(p.id);
    for (const a of write) rows.push(row(p.id, a));
  }
  await inList(db, replaceAll, (list) => `delete from ${table} where ${parentColumn} in (${list})`);
  await inList(db, removeAttributes, (list) => `delete from ${table} where id in (${list})`);
  const attributeColumns = ['owner_id', parentColumn, 'type', 'value', 'source', 'displayed', 'is_default', 'pinned', 'created_by_id', 'date_added', 'last_modified'];
  await insertRows(db, table, attributeColumns, rows.filter((r, i) => labelled[i] === undefined));
  // Attributes with labels of their own: inserted one by one for their ids, then labelled.
  for (const [i, labels] of labelled.entries()) {
    if (labels === undefined) continue;
    const [inserted] = await insertRows<{ id: number }>(db, table, attributeColumns, [rows[i]!], 'returning id');
    await insertRows(db, `${kind}_attribute_labels`, ['attribute_id', 'label_id'], labels.map((label) => [Number(inserted!.id), label]), 'on conflict do nothing');
  }
  if (changedParents.size > 0) await followStored(db, ctx, kind, [...changedParents]);
}

/**
 * A stored parent's description (and an indicator's source) after its attributes changed: the
 * default attribute of the type, else the first added, else NULL (core/intel/attributes.ts's
 * rule, for many parents at once). A column that changes moves last_modified to now.
 */
async function followStored(db: Kysely<any>, ctx: ApplyContext, kind: 'indicator' | 'group', parentIds: number[]): Promise<void> {
  const follows: [string, string][] = kind === 'indicator' ? [['Description', 'description'], ['Source', 'source']] : [['Description', 'description']];
  const parentTable = kind === 'indicator' ? 'indicators' : '"groups"';
  const chosen = new Map<string, string>();
  const attrs = await inList<{ parent: number; type: string; value: string }>(db, parentIds,
    (list) => `select ${kind}_id as parent, type, value from ${kind}_attributes where type in (${follows.map(() => '?').join(',')}) and ${kind}_id in (${list}) order by ${kind}_id, is_default desc, id asc`,
    follows.map(([t]) => t));
  for (const a of attrs) { const k = `${a.parent}\0${a.type}`; if (!chosen.has(k)) chosen.set(k, a.value); }
  const current = await inList<Row>(db, parentIds, (list) => `select id, ${follows.map(([, c]) => c).join(', ')} from ${parentTable} where id in (${list})`);
  for (const row of current) {
    const id = Number(row.id);
    const set: [string, unknown][] = [];
    for (const [type, column] of follows) {
      const value = chosen.get(`${id}\0${type}`) ?? null;
      if (value !== (row[column] ?? null)) set.push([column, value]);
    }
    if (set.length === 0) continue;
    await run(db, `update ${parentTable} set ${set.map(([c]) => `${c} = ?`).join(', ')}, last_modified = ? where id = ?`, [...set.map(([, v]) => v), ctx.now, id]);
  }
}

/** Updates one stored row with `set` (columns from this module only). */
async function updateRow(db: Kysely<any>, table: string, id: number, set: Row): Promise<void> {
  const columns = Object.keys(set).filter((c) => set[c] !== undefined);
  if (columns.length === 0) return;
  await run(db, `update ${table} set ${columns.map((c) => `${c} = ?`).join(', ')} where id = ?`, [...columns.map((c) => set[c]), id]);
}

async function write(db: Kysely<any>, ctx: ApplyContext, steps: Step[]): Promise<{ created: number; updated: number; deleted: number; problems: ItemProblem[] }> {
  let created = 0;
  let updated = 0;
  let deleted = 0;
  const problems: ItemProblem[] = [];
  const now = ctx.now;

  // Groups.
  const groups = steps.filter((s): s is GroupStep => s.kind === 'group');
  // In upload order: ids follow it, and an export lists groups by id, so a STIX bundle imported
  // elsewhere exports in its own order. Two PostgreSQL transactions inserting overlapping xids in
  // different orders would deadlock on the unique index; a lock per owner, held to the commit,
  // makes them take turns instead (SQLite has one writer anyway).
  const newGroups = groups.filter((g) => g.id === undefined);
  if (newGroups.length > 0 && isPostgresDb(db)) await run(db, 'select pg_advisory_xact_lock(?, ?)', [GROUP_INSERT_LOCK, ctx.ownerId]);
  if (newGroups.length > 0) {
    const rows = newGroups.map((g) => {
      const v: Row = { ...g.set, owner_id: ctx.ownerId, type: g.type.name, xid: g.xid, created_by_id: ctx.userId, description: firstOf(g.meta.attributes, 'Description') };
      v.date_added ??= now;
      v.last_modified ??= now;
      v.malware ??= 0;
      return GROUP_COLUMNS_WRITTEN.map((c) => v[c] ?? null);
    });
    const inserted = await insertRows<{ id: number; xid: string }>(db, 'groups', GROUP_COLUMNS_WRITTEN, rows, 'on conflict do nothing returning id, xid');
    const ids = new Map(inserted.map((r) => [String(r.xid), Number(r.id)]));
    const lost: GroupStep[] = [];
    for (const g of newGroups) {
      const id = ids.get(g.xid);
      if (id === undefined) lost.push(g); else { g.id = id; created++; }
    }
    // A concurrent writer made a group of the xid meanwhile: this item updates it.
    for (const g of lost) {
      const [row] = await run<Row>(db, 'select * from "groups" where owner_id = ? and xid = ?', [ctx.ownerId, g.xid]);
      if (!row) throw new Error(`The group with xid ${g.xid} was neither inserted nor found.`);
      g.existing = row;
      g.id = Number(row.id);
    }
  }
  for (const g of groups) {
    if (g.existing === undefined) continue;
    const set: Row = { ...g.set };
    delete set.date_added;
    set.last_modified ??= now;
    await updateRow(db, '"groups"', g.id!, set);
    updated++;
  }

  // Indicators: insert the new ones, claim their values, and take over where a claim was lost.
  const indicators = steps.filter((s): s is IndicatorStep => s.kind === 'indicator');
  const fresh: { step: IndicatorStep; target: IndicatorTarget }[] = [];
  for (const step of indicators) for (const target of step.targets) if (target.id === undefined) fresh.push({ step, target });
  if (fresh.length > 0) {
    const rows = fresh.map(({ step, target }) => {
      // In INDICATOR_COLUMNS order (an array, not an object per row: rows of a thousand items are built per chunk).
      const value = target.value!;
      const set = step.set;
      return [
        ctx.ownerId, step.type.name, value.summary, value.value1, value.value2, value.value3, set.rating ?? null, set.confidence ?? null, set.active ?? 1,
        set.dns_active ?? 0, set.whois_active ?? 0, set.size ?? null, set.first_seen ?? null, set.last_seen ?? null,
        firstOf(step.meta.attributes, 'Description'), firstOf(step.meta.attributes, 'Source'), ctx.userId, set.date_added ?? now, set.last_modified ?? now,
      ];
    });
    const inserted = await insertRows<{ id: number; type: string; summary: string }>(db, 'indicators', INDICATOR_COLUMNS, rows, 'returning id, type, summary');
    const idOf = new Map(inserted.map((r) => [`${r.type}\0${r.summary}`, Number(r.id)]));
    const claims: unknown[][] = [];
    for (const f of fresh) {
      f.target.id = idOf.get(`${f.step.type.name}\0${f.target.value!.summary}`);
      if (f.target.id === undefined) throw new Error('An inserted indicator was not returned.');
      for (const v of f.target.value!.addressing) claims.push([ctx.ownerId, f.step.type.name, v, f.target.id]);
    }
    // One order for every writer, so concurrent claims of overlapping values wait the same way round.
    claims.sort((a, b) => (a[1] === b[1] ? (String(a[2]) < String(b[2]) ? -1 : 1) : String(a[1]) < String(b[1]) ? -1 : 1));
    const won = await insertRows<{ indicator_id: number; value: string }>(db, 'indicator_values', ['owner_id', 'type', 'value', 'indicator_id'], claims, 'on conflict do nothing returning indicator_id, value');
    const wonBy = new Map<number, number>();
    for (const w of won) wonBy.set(Number(w.indicator_id), (wonBy.get(Number(w.indicator_id)) ?? 0) + 1);
    for (const f of fresh) {
      const target = f.target;
      if (wonBy.get(target.id!) === target.value!.addressing.length) { f.step.created = true; continue; }
      // Lost (PostgreSQL, a concurrent writer): this row goes, the item updates the holder instead.
      await run(db, 'delete from indicators where id = ?', [target.id]);
      const holders = await inList<{ indicator_id: number }>(db, target.value!.addressing,
        (list) => `select distinct indicator_id from indicator_values where owner_id = ? and type = ? and value in (${list}) order by indicator_id`, [ctx.ownerId, f.step.type.name]);
      const holderId = Number(holders[0]!.indicator_id);
      const [row] = await run<Row>(db, 'select * from indicators where id = ?', [holderId]);
      target.id = holderId;
      target.row = row;
      if (f.step.type.anyOneOf) {
        const merged = describeValue(f.step.type, Object.fromEntries(SLOTS.map((s) => [s, (row![s] as string | null) ?? target.value![s]])));
        target.value = merged.summary !== row!.summary ? merged : undefined;
      } else target.value = undefined;
    }
  }
  // Stored targets: their changed columns, hashes, and files merged into them.
  for (const step of indicators) {
    let touchedStored = false;
    for (const target of step.targets) {
      if (target.row === undefined) continue;
      touchedStored = true;
      const set: Row = { ...step.set };
      delete set.date_added;
      set.last_modified ??= now;
      if (target.value) Object.assign(set, { value1: target.value.value1, value2: target.value.value2, value3: target.value.value3, summary: target.value.summary });
      for (const absorbed of target.absorb ?? []) await absorbFile(db, ctx, Number(absorbed.id), target.id!);
      if (target.release && target.release.length > 0) await inList(db, target.release, (list) => `delete from indicator_values where indicator_id = ? and value in (${list})`, [target.id]);
      await updateRow(db, 'indicators', target.id!, set);
      if (target.value) {
        // The values it holds now: its own and those of the files merged into it.
        const before = new Set([target.row, ...(target.absorb ?? [])].flatMap((row) => describeValue(step.type, row).addressing));
        const add = target.value.addressing.filter((v) => !before.has(v));
        const claimed = await insertRows<{ value: string }>(db, 'indicator_values', ['owner_id', 'type', 'value', 'indicator_id'], add.map((v) => [ctx.ownerId, step.type.name, v, target.id]), 'on conflict do nothing returning value');
        if (claimed.length < add.length) {
          // Taken by another file meanwhile: the target keeps its other hashes.
          const taken = add.filter((v) => !claimed.some((c) => c.value === v));
          const slots = Object.fromEntries(SLOTS.map((s) => [s, taken.includes(String(target.value![s])) ? (target.row![s] as string | null) : target.value![s]]));
          const kept = describeValue(step.type, slots);
          await updateRow(db, 'indicators', target.id!, { value1: kept.value1, value2: kept.value2, value3: kept.value3, summary: kept.summary });
          problems.push({ index: ctx.firstIndex + step.local, kind: 'indicator', code: ITEM_ERROR_CODES.fileHashMerge, severity: 'Warning', reason: `The hashes ${taken.join(', ')} belong to another file; file ${target.id} keeps its own.`, source: sourceOf(step.item) });
        }
      }
    }
    if (step.created && !touchedStored) created++;
    else updated++;
  }
  const indicatorParents: Parent[] = [];
  for (const step of indicators) for (const target of step.targets) indicatorParents.push({ id: target.id!, meta: step.meta, isNew: target.row === undefined });
  await writeMetadata(db, ctx, 'indicator', indicatorParents);
  await writeMetadata(db, ctx, 'group', groups.map((g) => ({ id: g.id!, meta: g.meta, isNew: g.existing === undefined })));

  // File occurrences.
  const occurrences: unknown[][] = [];
  for (const step of indicators) for (const target of step.targets) for (const o of step.occurrences) occurrences.push([ctx.ownerId, target.id, o.file_name, o.path, o.date, now]);
  await insertRows(db, 'file_occurrences', ['owner_id', 'indicator_id', 'file_name', 'path', 'date', 'date_added'], occurrences);

  // Associations: the items' associatedGroups, then the association items.
  const wantedXids = new Set<string>();
  for (const s of indicators) for (const x of s.meta.groupXids) wantedXids.add(x);
  for (const g of groups) for (const x of g.meta.groupXids) wantedXids.add(x);
  const groupIdOf = new Map<string, number>();
  for (const g of groups) groupIdOf.set(g.xid, g.id!);
  const unknown = [...wantedXids].filter((x) => !groupIdOf.has(x));
  for (const row of await inList<{ id: number; xid: string }>(db, unknown, (list) => `select id, xid from "groups" where owner_id = ? and xid in (${list})`, [ctx.ownerId])) groupIdOf.set(String(row.xid), Number(row.id));
  const indicatorGroups: number[][] = [];
  const groupGroups: number[][] = [];
  const missingGroups = (step: IndicatorStep | GroupStep, kind: 'indicator' | 'group') => {
    const missing = step.meta.groupXids.filter((x) => !groupIdOf.has(x));
    if (missing.length > 0) {
      problems.push({ index: ctx.firstIndex + step.local, kind: 'association', code: ITEM_ERROR_CODES.association, severity: 'Warning',
        reason: `The ${kind} was written, but its associated group${missing.length > 1 ? 's' : ''} (xid ${missing.map((x) => `"${x.slice(0, 100)}"`).join(', ')}) ${missing.length > 1 ? 'are' : 'is'} not in this upload or this owner.`, source: sourceOf(step.item) });
    }
  };
  for (const s of indicators) {
    missingGroups(s, 'indicator');
    for (const x of s.meta.groupXids) if (groupIdOf.has(x)) for (const t of s.targets) indicatorGroups.push([t.id!, groupIdOf.get(x)!]);
  }
  for (const g of groups) {
    missingGroups(g, 'group');
    for (const x of g.meta.groupXids) {
      const other = groupIdOf.get(x);
      if (other !== undefined && other !== g.id) groupGroups.push([g.id!, other], [other, g.id!]);
    }
  }
  const indicatorPairs: number[][] = [];
  const endIds = (end: End): number[] => (end.kind === 'group' ? [end.id ?? end.step!.id!] : end.id !== undefined ? [end.id] : end.step!.targets.map((t) => t.id!));
  const typeIds = new Map<string, number>();
  const associationTypeId = async (name: string) => {
    if (!typeIds.has(name)) {
      const [row] = await run<{ id: number }>(db, 'select id from association_types where name = ?', [name]);
      typeIds.set(name, Number(row!.id));
    }
    return typeIds.get(name)!;
  };
  const associationRows = async (a: AssociationStep) => {
    const out: { table: string; row: number[] }[] = [];
    const { from, to } = a;
    if (from.kind === 'group' && to.kind === 'group') {
      for (const x of endIds(from)) for (const y of endIds(to)) if (x !== y) out.push({ table: 'group_groups', row: [x, y] }, { table: 'group_groups', row: [y, x] });
    } else if (from.kind === 'indicator' && to.kind === 'indicator') {
      const { type, reversed } = indicatorAssociation(from.type, to.type, a.item.associationType);
      const typeId = await associationTypeId(type.name);
      for (const x of endIds(from)) for (const y of endIds(to)) out.push({ table: 'indicator_indicators', row: reversed ? [y, x, typeId] : [x, y, typeId] });
    } else {
      const [indicatorEnd, groupEnd] = from.kind === 'indicator' ? [from, to] : [to, from];
      for (const x of endIds(indicatorEnd)) for (const y of endIds(groupEnd)) out.push({ table: 'indicator_groups', row: [x, y] });
    }
    return out;
  };
  for (const a of steps) {
    if (a.kind !== 'association') continue;
    for (const { table, row } of await associationRows(a)) (table === 'group_groups' ? groupGroups : table === 'indicator_groups' ? indicatorGroups : indicatorPairs).push(row);
    created++;
  }
  await insertRows(db, 'indicator_groups', ['indicator_id', 'group_id'], indicatorGroups, 'on conflict do nothing');
  await insertRows(db, 'group_groups', ['group_id', 'associated_group_id'], groupGroups, 'on conflict do nothing');
  await insertRows(db, 'indicator_indicators', ['indicator_id', 'associated_indicator_id', 'association_type_id'], indicatorPairs, 'on conflict do nothing');

  // Deletes (action Delete): what an indicator delete records (deleted_indicators), then the rows.
  const deletes = steps.filter((s): s is DeleteStep => s.kind === 'delete');
  const deleteIndicators = [...new Set(deletes.filter((d) => d.table === 'indicators').flatMap((d) => d.ids))];
  if (deleteIndicators.length > 0) {
    const rows = await inList<Row>(db, deleteIndicators, (list) => `select owner_id, type, summary, date_added from indicators where id in (${list})`);
    await insertRows(db, 'deleted_indicators', ['owner_id', 'type', 'summary', 'date_added', 'date_deleted'], rows.map((r) => [r.owner_id, r.type, r.summary, r.date_added, now]));
    await inList(db, deleteIndicators, (list) => `delete from indicators where id in (${list})`);
  }
  const deleteGroups = [...new Set(deletes.filter((d) => d.table === 'groups').flatMap((d) => d.ids))];
  await inList(db, deleteGroups, (list) => `delete from "groups" where id in (${list})`);
  for (const d of deletes) {
    if (d.table === 'association') {
      for (const { table, row } of await associationRows(d.association!)) {
        const columns = table === 'group_groups' ? ['group_id', 'associated_group_id'] : table === 'indicator_groups' ? ['indicator_id', 'group_id'] : ['indicator_id', 'associated_indicator_id', 'association_type_id'];
        await run(db, `delete from ${table} where ${columns.map((c) => `${c} = ?`).join(' and ')}`, row);
      }
    }
    deleted++;
  }
  return { created, updated, deleted, problems };
}

/** Moves file `fromId`'s values, tags, labels, attributes, occurrences and associations to `toId`, then deletes it (recorded as deleted). */
async function absorbFile(db: Kysely<any>, ctx: ApplyContext, fromId: number, toId: number): Promise<void> {
  await run(db, 'update indicator_values set indicator_id = ? where indicator_id = ?', [toId, fromId]);
  for (const [table, own, other] of [['indicator_tags', 'indicator_id', 'tag_id'], ['indicator_labels', 'indicator_id', 'label_id'], ['indicator_groups', 'indicator_id', 'group_id']] as const) {
    await run(db, `insert into ${table} (${own}, ${other}) select ?, ${other} from ${table} where ${own} = ? on conflict do nothing`, [toId, fromId]);
  }
  await run(db, 'insert into indicator_indicators (indicator_id, associated_indicator_id, association_type_id) select ?, associated_indicator_id, association_type_id from indicator_indicators where indicator_id = ? and associated_indicator_id <> ? on conflict do nothing', [toId, fromId, toId]);
  await run(db, 'insert into indicator_indicators (indicator_id, associated_indicator_id, association_type_id) select indicator_id, ?, association_type_id from indicator_indicators where associated_indicator_id = ? and indicator_id <> ? on conflict do nothing', [toId, fromId, toId]);
  await run(db, 'update indicator_attributes set indicator_id = ? where indicator_id = ?', [toId, fromId]);
  await run(db, 'update file_occurrences set indicator_id = ? where indicator_id = ?', [toId, fromId]);
  const [row] = await run<Row>(db, 'select owner_id, type, summary, date_added from indicators where id = ?', [fromId]);
  if (row) await insertRows(db, 'deleted_indicators', ['owner_id', 'type', 'summary', 'date_added', 'date_deleted'], [[row.owner_id, row.type, row.summary, row.date_added, ctx.now]]);
  await run(db, 'delete from indicators where id = ?', [fromId]);
  await followStored(db, ctx, 'indicator', [toId]);
}

/**
 * Applies `items` in the owner, in the caller's transaction (see the module comment). Per-item
 * failures are problems; with haltOnError the items from the first failure on are not applied.
 */
export async function applyItems(trx: Kysely<any>, ctx: ApplyContext, items: readonly ImportItem[]): Promise<ApplyOutcome & { unchanged: number }> {
  const catalogue = await loadCatalogue(trx, ctx.ownerId, items);
  let run = items;
  let planned = await plan(trx, ctx, run, catalogue);
  let haltedAt: number | undefined;
  let haltProblem: ItemProblem | undefined;
  if (ctx.settings.haltOnError) {
    // Cut at the first failed item and plan the rest again (an earlier item may have counted on a later one).
    while (planned.failed.size > 0) {
      const first = Math.min(...planned.failed);
      haltedAt = ctx.firstIndex + first;
      haltProblem = planned.problems.find((p) => p.index === haltedAt && p.severity === 'Error');
      run = run.slice(0, first);
      planned = await plan(trx, ctx, run, catalogue);
    }
  }
  const written = await write(trx, ctx, planned.steps);
  if (ctx.seen) for (const key of planned.keys) ctx.seen.add(key);
  const problems = [...planned.problems, ...written.problems];
  if (haltProblem) problems.push(haltProblem);
  problems.sort((a, b) => a.index - b.index);
  const failed = planned.failed.size + (haltProblem ? 1 : 0);
  return {
    created: written.created, updated: written.updated, deleted: written.deleted, failed, unchanged: planned.unchanged, problems,
    ...(haltedAt !== undefined ? { haltedAt } : {}),
  };
}
