/**
 * The ThreatConnect v2 batch API's formats (spec threatconnect.md §5.4): the job settings
 * (`parseImportSettings`) and the upload bodies, read as a stream into Cairn's items
 * (`readTcBatch`), never held whole: the body's structure is scanned as it arrives and each entry is
 * cut out and read by JSON.parse alone (one entry in memory at a time). This is ~3x faster than
 * assembling entries from stream-json's tokens (measured: 185k vs 60k indicators/s with 2 tags and an
 * attribute each), accepts exactly what JSON.parse accepts, and finds a break at its exact entry.
 *
 * Bodies:
 * - V1: an array of indicators `[{summary,type,rating,confidence,description,source,attribute:[{type,value,displayed}],
 *   tag:[{name}],securityLabel:[{name}],associatedGroup:[…]}]` (the JS SDK's IndicatorsBatch).
 * - V2: `{"indicator":[…],"group":[…],"association":[…]}` with the keys of tcex's batch indicator.py,
 *   group.py and association.py and the v2 batch docs' field tables: an indicator's value as
 *   `summary` or under its type's value keys (`ip`, `hostName`, `md5`/`sha1`/`sha256`, `Key Name`…),
 *   `flag1`/`flag2`/`intValue1` as tcex writes dnsActive/whoisActive/size, `associatedGroups:[{groupXid}]`,
 *   `associatedIndicators:[{indicatorType,summary}]`, a group's `associatedGroupXid:[…]`, and
 *   associations `{ref_1|id_1,type_1,ref_2|id_2,type_2,associationType}`.
 * The shape decides how a body is read (a V1 job may get a V2 body and the reverse), so a client
 * that sends no `version` (the JS SDK) is read right whatever it uploads.
 *
 * Associations written inside an item (`associatedGroups`, `associatedGroupXid`,
 * `associatedIndicators`) become AssociationItems after every item of the upload: an indicator may
 * name a group that comes later in the file (the docs' own example does), and by then it exists.
 *
 * An entry that is no object, names an unknown type or lacks what its kind needs is an ItemProblem
 * (0x1005 indicator, 0x1006 group, 0x1009 association, with the entry's JSON path in the reason);
 * the entries around it are still read. Malformed JSON ends the reading with one `file` problem
 * (0x1003) saying where it broke; what was read before it stands. Nothing here throws for bad
 * input: only the input's own errors (a size limit, a broken connection) pass through.
 */
import { StringDecoder } from 'node:string_decoder';
import { CairnError } from '../errors.js';
import { groupTypeNamed, groupTypeOfBranch, GROUP_TYPE_FIELDS, type GroupType } from '../intel/group-types.js';
import { indicatorTypeNamed, SUMMARY_SEPARATOR, type IndicatorType } from '../intel/indicator-types.js';
import {
  DEFAULT_SETTINGS, ITEM_ERROR_CODES, type AssociationItem, type GroupItem, type ImportItem, type ImportSettings, type IndicatorItem,
  type ItemAttribute, type ItemErrorCode, type ItemProblem, type ItemRef,
} from './items.js';

// ---------------------------------------------------------------------------------------------
// Job settings

export type BatchVersion = 'V1' | 'V2';

/** The settings of a v2 batch job as parsed: the import settings, with the batch API version. */
export type BatchSettings = ImportSettings & { version: BatchVersion };

const CHOICES = {
  version: ['V1', 'V2'],
  action: ['Create', 'Delete'],
  attributeWriteType: ['Append', 'Replace', 'Singleton', 'Static'],
  tagWriteType: ['Append', 'Replace'],
  securityLabelWriteType: ['Append', 'Replace'],
  fileMergeMode: ['Distribute', 'Merge'],
  hashCollisionMode: ['Split', 'IgnoreIncoming', 'IgnoreExisting', 'FavorIncoming', 'FavorExisting'],
} as const;

function choice<K extends keyof typeof CHOICES>(field: K, raw: unknown, fallback: (typeof CHOICES)[K][number]): (typeof CHOICES)[K][number] {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const allowed = CHOICES[field] as readonly string[];
  const found = typeof raw === 'string' ? allowed.find((a) => a.toLowerCase() === raw.trim().toLowerCase()) : undefined;
  if (found === undefined) throw new CairnError('bad-request', `${field} must be one of ${allowed.join(', ')}; got ${JSON.stringify(raw).slice(0, 60)}.`);
  return found as (typeof CHOICES)[K][number];
}

/** `true`/`false`, or tcex's strings `"true"`/`"false"` (any case). */
function booleanSetting(field: string, raw: unknown, fallback: boolean): boolean {
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
  throw new CairnError('bad-request', `${field} must be true or false (or the strings "true" / "false"); got ${JSON.stringify(raw).slice(0, 60)}.`);
}

/**
 * A batch job's settings from the `POST /v2/batch` body (or createAndUpload's `config` part):
 * tcex's string booleans accepted, a missing `version` is V1 (the JS SDK sends none), anything
 * absent takes DEFAULT_SETTINGS, and a value outside a field's choices is a 400 naming the field and
 * its choices. `owner` and `playbookTriggersEnabled` are not settings (the surface reads the owner;
 * Cairn runs no playbooks) and other keys are ignored, as clients add their own.
 */
export function parseImportSettings(body: unknown): BatchSettings {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new CairnError('bad-request', 'The batch job settings must be a JSON object such as {"version":"V2","owner":"…","action":"Create","haltOnError":"false"}.');
  }
  const raw = body as Record<string, unknown>;
  booleanSetting('playbookTriggersEnabled', raw.playbookTriggersEnabled, false);
  return {
    version: choice('version', raw.version, 'V1'),
    action: choice('action', raw.action, DEFAULT_SETTINGS.action),
    haltOnError: booleanSetting('haltOnError', raw.haltOnError, DEFAULT_SETTINGS.haltOnError),
    attributeWriteType: choice('attributeWriteType', raw.attributeWriteType, DEFAULT_SETTINGS.attributeWriteType),
    tagWriteType: choice('tagWriteType', raw.tagWriteType, DEFAULT_SETTINGS.tagWriteType),
    securityLabelWriteType: choice('securityLabelWriteType', raw.securityLabelWriteType, DEFAULT_SETTINGS.securityLabelWriteType),
    fileMergeMode: choice('fileMergeMode', raw.fileMergeMode, DEFAULT_SETTINGS.fileMergeMode),
    hashCollisionMode: choice('hashCollisionMode', raw.hashCollisionMode, DEFAULT_SETTINGS.hashCollisionMode),
  };
}

// ---------------------------------------------------------------------------------------------
// Bodies

/** What reading a body gives, in upload order: an item to store, or a problem to record. */
export type TcBatchEvent = { item: ImportItem } | { problem: ItemProblem };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** An entry that cannot become an item: why, under which code. */
class EntryProblem extends Error {
  constructor(readonly code: ItemErrorCode, message: string) { super(message); }
}

const SOURCE_LIMIT = 500;
const sourceOf = (value: Json) => JSON.stringify(value).slice(0, SOURCE_LIMIT);
const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const present = (value: Json | undefined) => value !== undefined && value !== null && value !== '';


function text(value: Json | undefined, field: string, code: ItemErrorCode, max = 65_536): string | undefined {
  if (!present(value)) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw new EntryProblem(code, `${field} must be a string.`);
  if (value.length > max) throw new EntryProblem(code, `${field} is longer than ${max} characters.`);
  return value;
}

function numberIn(value: Json | undefined, field: string, code: ItemErrorCode, min: number, max: number, integer: boolean): number | undefined {
  if (!present(value)) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new EntryProblem(code, `${field} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}; got ${JSON.stringify(value).slice(0, 40)}.`);
  }
  return n;
}

function flag(value: Json | undefined, field: string, code: ItemErrorCode): boolean | undefined {
  if (!present(value)) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw new EntryProblem(code, `${field} must be true or false; got ${JSON.stringify(value).slice(0, 40)}.`);
}

/** A date as tcex writes it (`2024-08-04T00:00:00Z`) or any ISO 8601 form with a zone; stored as UTC ISO. */
function date(value: Json | undefined, field: string, code: ItemErrorCode): string | undefined {
  if (!present(value)) return undefined;
  const parsed = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(value.trim())
    ? Date.parse(value.trim().replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
    : NaN;
  if (!Number.isFinite(parsed)) throw new EntryProblem(code, `${field} must be an ISO 8601 date such as 2024-08-04T00:00:00Z; got ${JSON.stringify(value).slice(0, 40)}.`);
  return new Date(parsed).toISOString().replace(/\.000Z$/, 'Z');
}

/** A list written as an array, or as one value (clients send `"fileOccurrence": {…}`). */
function listOf(value: Json | undefined): Json[] {
  if (!present(value)) return [];
  return Array.isArray(value) ? value : [value!];
}

/** Tags and labels: `[{name}]` or `["name"]`. */
function names(value: Json | undefined, field: string, code: ItemErrorCode): string[] | undefined {
  const list = listOf(value);
  if (list.length === 0) return undefined;
  const out: string[] = [];
  for (const [i, entry] of list.entries()) {
    const name = isObject(entry) ? entry.name : entry;
    const given = typeof name === 'string' ? name.trim() : '';
    if (given === '' || given.length > 255) throw new EntryProblem(code, `${field}[${i}] must have a name of 1 to 255 characters.`);
    if (!out.includes(given)) out.push(given);
  }
  return out;
}

function attributes(entry: JsonObject, code: ItemErrorCode): ItemAttribute[] | undefined {
  const out: ItemAttribute[] = [];
  // V1 (and the v2 docs): `description` and `source` are the default Description and Source attributes.
  const description = text(entry.description, 'description', code);
  if (description !== undefined) out.push({ type: 'Description', value: description, displayed: true });
  const source = text(entry.source, 'source', code);
  if (source !== undefined) out.push({ type: 'Source', value: source, displayed: true });
  for (const [i, raw] of listOf(entry.attribute).entries()) {
    if (!isObject(raw)) throw new EntryProblem(code, `attribute[${i}] must be an object with a type and a value.`);
    const type = text(raw.type, `attribute[${i}].type`, code, 255);
    const value = text(raw.value, `attribute[${i}].value`, code);
    if (type === undefined || value === undefined) throw new EntryProblem(code, `attribute[${i}] needs a type and a value.`);
    const attribute: ItemAttribute = { type, value };
    const displayed = flag(raw.displayed, `attribute[${i}].displayed`, code);
    if (displayed !== undefined) attribute.displayed = displayed;
    const attributeSource = text(raw.source, `attribute[${i}].source`, code);
    if (attributeSource !== undefined) attribute.source = attributeSource;
    const labels = names(raw.securityLabel, `attribute[${i}].securityLabel`, code);
    if (labels) attribute.securityLabels = labels;
    out.push(attribute);
  }
  return out.length > 0 ? out : undefined;
}

/** The indicator type a client names: Cairn's names, in any case (`EmailAddress`, `Email Address`, `Registry Key`). */
function indicatorType(value: Json | undefined): IndicatorType | undefined {
  return typeof value === 'string' ? indicatorTypeNamed(value.trim()) : undefined;
}

function groupType(value: Json | undefined): GroupType | undefined {
  return typeof value === 'string' ? groupTypeNamed(value.trim()) ?? groupTypeOfBranch(value.trim()) : undefined;
}

const INDICATOR_TYPE_LIST = 'Address, EmailAddress, File, Host, URL, ASN, CIDR, Mutex, Registry Key, User Agent, Email Subject, Hashtag';

/**
 * An indicator's summary: `summary`, or its type's value keys (the v2 docs: `ip`, `hostName`, `text`,
 * `address`, `AS Number`, `Block`, `Mutex`, `Key Name` + `Value Name` + `Value Type`, `User Agent String`;
 * a File's `md5`/`sha1`/`sha256`, which win over `summary` when present).
 */
function summaryOf(entry: JsonObject, type: IndicatorType): string | undefined {
  const code = ITEM_ERROR_CODES.invalidIndicator;
  const keyed = type.keys.map((k) => text(entry[k.v2Key] ?? entry[k.v3Key], k.v2Key, code, 4000));
  if (type.anyOneOf && keyed.some((v) => v !== undefined)) return keyed.filter((v) => v !== undefined).map((v) => v!.trim()).join(SUMMARY_SEPARATOR);
  const summary = text(entry.summary, 'summary', code, 8000);
  if (summary !== undefined && summary.trim() !== '') return summary.trim();
  if (!type.anyOneOf && keyed.every((v) => v !== undefined)) return keyed.map((v) => v!.trim()).join(SUMMARY_SEPARATOR);
  return undefined;
}

/** Deferred associations an entry writes inside itself. */
type Later = (from: ItemRef) => AssociationItem[];

function groupRefsLater(value: Json | undefined, field: string, code: ItemErrorCode): Later | undefined {
  const list = listOf(value);
  if (list.length === 0) return undefined;
  const refs: ItemRef[] = list.map((raw, i) => {
    // `{groupXid}` (tcex), a bare xid, a group id (the JS SDK's V1 associatedGroup), `{id}`.
    const inner = isObject(raw) ? (raw.groupXid ?? raw.xid ?? raw.id) : raw;
    if (typeof inner === 'number' && Number.isSafeInteger(inner) && inner > 0) return { group: { id: inner } };
    if (typeof inner === 'string' && inner.trim() !== '' && inner.length <= 255) return { group: { xid: inner.trim() } };
    throw new EntryProblem(code, `${field}[${i}] must name a group by its xid (or id).`);
  });
  return (from) => refs.map((to) => ({ kind: 'association', from, to }));
}

function indicatorRefsLater(value: Json | undefined, field: string, code: ItemErrorCode): Later | undefined {
  const list = listOf(value);
  if (list.length === 0) return undefined;
  const targets = list.map((raw, i) => {
    if (!isObject(raw)) throw new EntryProblem(code, `${field}[${i}] must be an object with indicatorType and summary.`);
    const type = indicatorType(raw.indicatorType ?? raw.type);
    const summary = text(raw.summary, `${field}[${i}].summary`, code, 8000);
    if (!type || summary === undefined) throw new EntryProblem(code, `${field}[${i}] needs an indicatorType (one of ${INDICATOR_TYPE_LIST}) and a summary.`);
    const associationType = text(raw.associationType, `${field}[${i}].associationType`, code, 255);
    return { to: { indicator: { type: type.name, summary: summary.trim() } } as ItemRef, associationType };
  });
  return (from) => targets.map(({ to, associationType }) => (associationType === undefined ? { kind: 'association', from, to } : { kind: 'association', from, to, associationType }));
}

function indicatorOf(entry: Json): { item: IndicatorItem; later: Later[] } {
  const code = ITEM_ERROR_CODES.invalidIndicator;
  if (!isObject(entry)) throw new EntryProblem(ITEM_ERROR_CODES.jsonSyntax, 'An indicator must be a JSON object.');
  const type = indicatorType(entry.type);
  if (!present(entry.type)) throw new EntryProblem(code, 'type is required.');
  if (!type) throw new EntryProblem(code, `Unknown indicator type ${JSON.stringify(entry.type).slice(0, 60)}; the types are ${INDICATOR_TYPE_LIST}.`);
  const summary = summaryOf(entry, type);
  if (summary === undefined) throw new EntryProblem(code, `summary is required (or ${type.keys.map((k) => k.v2Key).join(type.anyOneOf ? ' / ' : ' + ')}).`);
  const item: IndicatorItem = { kind: 'indicator', type: type.name, summary };
  const rating = numberIn(entry.rating, 'rating', code, 0, 5, false);
  if (rating !== undefined) item.rating = rating;
  const confidence = numberIn(entry.confidence, 'confidence', code, 0, 100, true);
  if (confidence !== undefined) item.confidence = confidence;
  const active = flag(entry.active, 'active', code);
  if (active !== undefined) item.active = active;
  // tcex writes dnsActive / whoisActive / size as flag1 / flag2 / intValue1.
  const dnsActive = flag(entry.dnsActive ?? entry.flag1, 'dnsActive', code);
  if (dnsActive !== undefined) item.dnsActive = dnsActive;
  const whoisActive = flag(entry.whoisActive ?? entry.flag2, 'whoisActive', code);
  if (whoisActive !== undefined) item.whoisActive = whoisActive;
  const size = numberIn(entry.size ?? entry.intValue1, 'size', code, 0, Number.MAX_SAFE_INTEGER, true);
  if (size !== undefined) item.size = size;
  for (const [key, field] of [['firstSeen', 'firstSeen'], ['lastSeen', 'lastSeen'], ['dateAdded', 'created'], ['lastModified', 'modified']] as const) {
    const value = date(entry[key], key, code);
    if (value !== undefined) item[field] = value;
  }
  readMetadata(entry, item, code);
  if (type.name === 'File') {
    const occurrences = listOf(entry.fileOccurrence).map((raw, i) => {
      if (!isObject(raw)) throw new EntryProblem(code, `fileOccurrence[${i}] must be an object with fileName, path or date.`);
      const occurrence: { fileName?: string; path?: string; date?: string } = {};
      const fileName = text(raw.fileName, `fileOccurrence[${i}].fileName`, code, 1024);
      if (fileName !== undefined) occurrence.fileName = fileName;
      const path = text(raw.path, `fileOccurrence[${i}].path`, code, 4096);
      if (path !== undefined) occurrence.path = path;
      const when = date(raw.date, `fileOccurrence[${i}].date`, code);
      if (when !== undefined) occurrence.date = when;
      if (Object.keys(occurrence).length === 0) throw new EntryProblem(code, `fileOccurrence[${i}] needs at least one of fileName, path, date.`);
      return occurrence;
    });
    if (occurrences.length > 0) item.fileOccurrences = occurrences;
  }
  const later = [
    groupRefsLater(entry.associatedGroups ?? entry.associatedGroup, 'associatedGroups', code),
    indicatorRefsLater(entry.associatedIndicators, 'associatedIndicators', code),
  ].filter((l): l is Later => l !== undefined);
  return { item, later };
}

/** An entry's attributes, tags and security labels (indicators and groups alike), onto its item. */
function readMetadata(entry: Record<string, Json>, item: IndicatorItem | GroupItem, code: ItemErrorCode): void {
  const attrs = attributes(entry, code);
  if (attrs) item.attributes = attrs;
  const tags = names(entry.tag, 'tag', code);
  if (tags) item.tags = tags;
  const labels = names(entry.securityLabel, 'securityLabel', code);
  if (labels) item.securityLabels = labels;
}

/** Group fields by v2 batch key: the type's own fields (checked against the type on apply) and the common dates. */
const GROUP_FIELD_KEYS = Object.keys(GROUP_TYPE_FIELDS) as (keyof typeof GROUP_TYPE_FIELDS)[];
const GROUP_DATE_FIELDS = new Set(['eventDate', 'publishDate', 'dueDate', 'firstSeen', 'lastSeen']);

function groupOf(entry: Json): { item: GroupItem; later: Later[] } {
  const code = ITEM_ERROR_CODES.invalidGroup;
  if (!isObject(entry)) throw new EntryProblem(ITEM_ERROR_CODES.jsonSyntax, 'A group must be a JSON object.');
  if (!present(entry.type)) throw new EntryProblem(code, 'type is required.');
  const type = groupType(entry.type);
  if (!type) throw new EntryProblem(code, `Unknown group type ${JSON.stringify(entry.type).slice(0, 60)}.`);
  const name = text(entry.name, 'name', code, 500)?.trim();
  if (!name) throw new EntryProblem(code, 'name is required.');
  const xid = text(entry.xid, 'xid', code, 255)?.trim();
  if (!xid) throw new EntryProblem(code, 'xid is required (the group\'s external id, by which the upload\'s associations and later uploads name it).');
  const item: GroupItem = { kind: 'group', type: type.name, name, xid };
  const fields: Record<string, string | number | boolean> = {};
  for (const key of [...GROUP_FIELD_KEYS, 'firstSeen', 'lastSeen']) {
    const raw = entry[key];
    if (!present(raw)) continue;
    if (GROUP_DATE_FIELDS.has(key)) fields[key] = date(raw, key, code)!;
    else if (key === 'malware') fields[key] = flag(raw, key, code)!;
    else fields[key] = text(raw, key, code)!;
  }
  if (Object.keys(fields).length > 0) item.fields = fields;
  for (const [key, field] of [['dateAdded', 'created'], ['lastModified', 'modified']] as const) {
    const value = date(entry[key], key, code);
    if (value !== undefined) item[field] = value;
  }
  readMetadata(entry, item, code);
  const later = [
    groupRefsLater(entry.associatedGroupXid ?? entry.associatedGroups, 'associatedGroupXid', code),
    indicatorRefsLater(entry.associatedIndicators, 'associatedIndicators', code),
  ].filter((l): l is Later => l !== undefined);
  return { item, later };
}

/** One end of an association entry: `id_N` (preferred, as the docs say) or `ref_N`, typed by `type_N`. */
function endOf(entry: JsonObject, n: 1 | 2): ItemRef {
  const code = ITEM_ERROR_CODES.association;
  const rawType = entry[`type_${n}`];
  const indicator = present(rawType) ? indicatorType(rawType) : undefined;
  if (present(rawType) && !indicator && !groupType(rawType)) {
    throw new EntryProblem(code, `type_${n} ${JSON.stringify(rawType).slice(0, 60)} is neither an indicator type (${INDICATOR_TYPE_LIST}) nor a group type.`);
  }
  const id = entry[`id_${n}`];
  if (present(id)) {
    const number = typeof id === 'number' ? id : typeof id === 'string' && /^\d{1,15}$/.test(id.trim()) ? Number(id) : NaN;
    if (!Number.isSafeInteger(number) || number <= 0) throw new EntryProblem(code, `id_${n} must be a positive whole number.`);
    return indicator ? { indicator: { id: number } } : { group: { id: number } };
  }
  const ref = text(entry[`ref_${n}`], `ref_${n}`, code, 8000)?.trim();
  if (!ref) throw new EntryProblem(code, `ref_${n} or id_${n} is required.`);
  return indicator ? { indicator: { type: indicator.name, summary: ref } } : { group: { xid: ref } };
}

function associationOf(entry: Json): AssociationItem {
  if (!isObject(entry)) throw new EntryProblem(ITEM_ERROR_CODES.jsonSyntax, 'An association must be a JSON object.');
  const item: AssociationItem = { kind: 'association', from: endOf(entry, 1), to: endOf(entry, 2) };
  const associationType = text(entry.associationType ?? entry.association_type, 'associationType', ITEM_ERROR_CODES.association, 255)?.trim();
  if (associationType) item.associationType = associationType;
  return item;
}

type Section = 'indicator' | 'group' | 'association';
const SECTIONS: readonly Section[] = ['indicator', 'group', 'association'];

const refOf = (item: IndicatorItem | GroupItem): ItemRef =>
  (item.kind === 'indicator' ? { indicator: { type: item.type, summary: item.summary } } : { group: { xid: item.xid! } });

/** Malformed JSON or a body of the wrong shape: why reading stopped. */
class BodyBroken extends Error {
  /** False where the body is JSON but not one Cairn reads (a shape, a limit). */
  constructor(message: string, readonly syntax = true) { super(message); }
}

const WS_SPACE = 0x20, WS_TAB = 0x09, WS_LF = 0x0a, WS_CR = 0x0d;
const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d, COMMA = 0x2c, COLON = 0x3a;
const isSpace = (c: number) => c === WS_SPACE || c === WS_LF || c === WS_CR || c === WS_TAB;
/** A primitive entry (number, true, false, null, garbage) ends at one of these. */
const endsPrimitive = (c: number) => c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || isSpace(c);

/** The largest value of a top-level key that is no section (it is skipped, but still checked as JSON). */
const MAX_SKIPPED_VALUE = 1 << 20;

type Mode =
  | 'start'
  | 'array-first' | 'array-entry' | 'array-next'          // in the V1 array or a V2 section
  | 'object-first' | 'object-key' | 'object-colon' | 'object-value' | 'object-next'
  | 'end';

/**
 * The body's structure, scanned character by character (strings, escapes and nesting tracked),
 * with each entry cut out whole and read by JSON.parse: the structure between entries is checked
 * here, the entries by JSON.parse, so what is accepted is exactly what JSON.parse accepts, and a
 * break is found at the exact entry where it is. Holds one entry at a time.
 */
class Scanner {
  mode: Mode = 'start';
  shape: 'array' | 'object' | undefined;
  /** The V2 section being read (V1: indicator); null while a value of another key is skipped. */
  section: Section | null = 'indicator';
  sectionIndex = 0;
  lastPath = '$';
  /** The entry (or key, or skipped value) being cut out: its pieces so far. */
  capture: string[] | undefined;
  captureSize = 0;
  captureKind: 'entry' | 'key' | 'skip' = 'entry';
  /** Inside the captured value: nesting depth (0: a string, -1: a number or literal), in a string, after a backslash. */
  depth = 0;
  inString = false;
  escaped = false;
  /** Characters consumed before the current chunk, and where the scan is (what a break reports). */
  offset = 0;
  at = 0;

  constructor(readonly onEntry: (section: Section, index: number, value: Json) => void, readonly onSectionProblem: (message: string) => void) {}

  /** Reads one piece of text; throws BodyBroken where the body stops being valid. */
  push(text: string): void {
    let i = 0;
    const n = text.length;
    while (i < n) {
      this.at = this.offset + i;
      if (this.capture) {
        i = this.scanValue(text, i);
        continue;
      }
      const c = text.charCodeAt(i);
      if (isSpace(c)) { i++; continue; }
      switch (this.mode) {
        case 'start':
          if (c === OPEN_BRACKET) { this.shape = 'array'; this.section = 'indicator'; this.mode = 'array-first'; this.sectionIndex = 0; }
          else if (c === OPEN_BRACE) { this.shape = 'object'; this.mode = 'object-first'; }
          else throw new BodyBroken('The upload must be a JSON array of indicators (V1) or an object with "indicator", "group" and "association" arrays (V2)', false);
          i++;
          break;
        case 'array-first':
          if (c === CLOSE_BRACKET) { this.closeArray(); i++; break; }
          this.beginValue('entry', c);
          break;
        case 'array-entry':
          this.beginValue('entry', c);
          break;
        case 'array-next':
          if (c === COMMA) { this.mode = 'array-entry'; i++; break; }
          if (c === CLOSE_BRACKET) { this.closeArray(); i++; break; }
          throw new BodyBroken(`expected ',' or ']' after ${this.lastPath}`);
        case 'object-first':
          if (c === CLOSE_BRACE) { this.mode = 'end'; i++; break; }
          if (c !== QUOTE) throw new BodyBroken('expected a key');
          this.beginValue('key', c);
          break;
        case 'object-key':
          if (c !== QUOTE) throw new BodyBroken('expected a key');
          this.beginValue('key', c);
          break;
        case 'object-colon':
          if (c !== COLON) throw new BodyBroken("expected ':'");
          this.mode = 'object-value';
          i++;
          break;
        case 'object-value':
          if (this.section !== null && c === OPEN_BRACKET) { this.mode = 'array-first'; this.sectionIndex = 0; i++; break; }
          if (this.section !== null) this.onSectionProblem(`"${this.section}" must be an array; its value was skipped.`);
          this.section = null;
          this.beginValue('skip', c);
          break;
        case 'object-next':
          if (c === COMMA) { this.mode = 'object-key'; i++; break; }
          if (c === CLOSE_BRACE) { this.mode = 'end'; i++; break; }
          throw new BodyBroken("expected ',' or '}'");
        case 'end':
          throw new BodyBroken('unexpected text after the end of the body');
      }
    }
    this.offset += n;
    this.at = this.offset;
  }

  /** The end of the input: the body must be complete. */
  finish(): void {
    if (this.capture) {
      // A primitive at the very end (`[1` → no); a top-level value cannot be a primitive here.
      throw new BodyBroken(`the upload ends inside ${this.captureKind === 'entry' ? `${this.sectionPath()}[${this.sectionIndex}]` : 'a value'}`);
    }
    if (this.mode !== 'end') throw new BodyBroken('the upload ends before the body is complete');
  }

  private sectionPath(): string {
    return this.shape === 'object' ? `$.${this.section}` : '$';
  }

  private closeArray(): void {
    if (this.shape === 'array') { this.mode = 'end'; return; }
    this.mode = 'object-next';
  }

  private beginValue(kind: 'entry' | 'key' | 'skip', c: number): void {
    if (c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || c === COLON) throw new BodyBroken('expected a value');
    this.captureKind = kind;
    this.capture = [];
    this.captureSize = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  /** Scans the value being captured from `i`; returns where scanning stopped (its end, or the text's). */
  private scanValue(text: string, from: number): number {
    const n = text.length;
    let i = from;
    let first = this.captureSize === 0 && this.capture!.length === 0;
    let done = false;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (first) {
        first = false;
        if (c === OPEN_BRACE || c === OPEN_BRACKET) { this.depth = 1; continue; }
        if (c === QUOTE) { this.inString = true; this.depth = 0; continue; }
        this.depth = -1; // a primitive: until a delimiter
        continue;
      }
      if (this.depth === -1) {
        if (endsPrimitive(c)) { done = true; break; }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.depth === 0) { i++; done = true; break; }
        }
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.depth === 0) { i++; done = true; break; }
      }
    }
    const piece = text.slice(from, i);
    this.capture!.push(piece);
    this.captureSize += piece.length;
    if (this.captureKind === 'skip' && this.captureSize > MAX_SKIPPED_VALUE) {
      throw new BodyBroken(`The value of a key other than indicator, group and association is larger than ${MAX_SKIPPED_VALUE} characters`, false);
    }
    if (done) this.endValue();
    return i;
  }

  private endValue(): void {
    const raw = this.capture!.length === 1 ? this.capture![0]! : this.capture!.join('');
    const kind = this.captureKind;
    this.capture = undefined;
    this.captureSize = 0;
    let value: Json;
    try {
      value = JSON.parse(raw) as Json;
    } catch (error) {
      const where = kind === 'entry' ? `in ${this.sectionPath()}[${this.sectionIndex}]` : kind === 'key' ? 'in a key' : 'in a skipped value';
      throw new BodyBroken(`${(error as Error).message.replace(/ in JSON at position \d+.*$/s, '').slice(0, 160)} ${where}`);
    }
    if (kind === 'key') {
      const section = SECTIONS.find((sec) => sec === value);
      this.section = section ?? null;
      if (section) this.lastPath = `$.${section}`;
      this.mode = 'object-colon';
      return;
    }
    if (kind === 'skip') { this.mode = 'object-next'; this.section = null; return; }
    this.onEntry(this.section ?? 'indicator', this.sectionIndex, value);
    this.lastPath = `${this.sectionPath()}[${this.sectionIndex}]`;
    this.sectionIndex++;
    this.mode = 'array-next';
  }
}

/**
 * Reads a V1 or V2 batch body into items and problems, streamed: the input is scanned chunk by
 * chunk and each entry is read alone. `index` of a problem is the entry's place in the upload
 * (0-based, over every entry read). Errors of the input itself are thrown as they are.
 */
export async function* readTcBatch(input: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>): AsyncGenerator<TcBatchEvent> {
  const decoder = new StringDecoder('utf8');
  const out: TcBatchEvent[] = [];
  const later: AssociationItem[] = [];
  let position = 0;
  let started = false;

  const problem = (kind: ItemProblem['kind'], code: ItemErrorCode, reason: string, source: string, index = position): ItemProblem =>
    ({ index, kind, code, severity: 'Error', reason, source });

  const scanner: Scanner = new Scanner((section, index, value) => {
    const at = `${section}[${index}]`;
    const entryIndex = position++;
    try {
      if (section === 'association') { out.push({ item: associationOf(value) }); return; }
      const { item, later: deferred } = section === 'indicator' ? indicatorOf(value) : groupOf(value);
      out.push({ item });
      for (const make of deferred) later.push(...make(refOf(item)));
    } catch (error) {
      if (!(error instanceof EntryProblem)) throw error;
      out.push({ problem: problem(section, error.code, `${at}: ${error.message}`, sourceOf(value), entryIndex) });
    }
  }, (message) => out.push({ problem: problem('file', ITEM_ERROR_CODES.jsonSyntax, message, scanner.lastPath) }));

  const broken = (error: BodyBroken): ItemProblem => problem('file', ITEM_ERROR_CODES.jsonSyntax,
    `${error.syntax ? `The upload is not valid JSON (${error.message})` : error.message} near character ${scanner.at}; last known JSON path: '${scanner.lastPath}'. Nothing after that point was read.`,
    `Last known JSON path: '${scanner.lastPath}'`);

  /** Scans text; the events it gave, or (after them) the one problem where the body broke. */
  const feed = (text: string | undefined): { events: TcBatchEvent[]; broke?: ItemProblem } => {
    try {
      if (text === undefined) scanner.finish();
      else scanner.push(text);
    } catch (error) {
      if (!(error instanceof BodyBroken)) throw error;
      return { events: out.splice(0), broke: broken(error) };
    }
    return { events: out.splice(0) };
  };

  for await (const chunk of input) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    if (!started && text.length > 0) {
      started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length === 0) continue;
    const { events, broke } = feed(text);
    yield* events;
    if (broke) { yield { problem: broke }; return; }
  }
  const tail = decoder.end();
  if (tail.length > 0) {
    const { events, broke } = feed(tail);
    yield* events;
    if (broke) { yield { problem: broke }; return; }
  }
  if (!started) {
    yield { problem: problem('file', ITEM_ERROR_CODES.jsonSyntax, 'The upload is empty: send a JSON array of indicators (V1) or an object with "indicator", "group" and "association" arrays (V2).', '') };
    return;
  }
  const { events, broke } = feed(undefined);
  yield* events;
  if (broke) { yield { problem: broke }; return; }
  for (const association of later) yield { item: association };
}
