/**
 * The ThreatConnect v2 batch API's formats (spec threatconnect.md §5.4): the job settings
 * (`parseImportSettings`) and the upload bodies, read as a stream into Cairn's items
 * (`readTcBatch`), never held whole.
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
import { jsonParser, type Token } from 'stream-json/core/parser.js';
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

const newObject = (): JsonObject => ({});

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
  const attrs = attributes(entry, code);
  if (attrs) item.attributes = attrs;
  const tags = names(entry.tag, 'tag', code);
  if (tags) item.tags = tags;
  const labels = names(entry.securityLabel, 'securityLabel', code);
  if (labels) item.securityLabels = labels;
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
  const attrs = attributes(entry, code);
  if (attrs) item.attributes = attrs;
  const tags = names(entry.tag, 'tag', code);
  if (tags) item.tags = tags;
  const labels = names(entry.securityLabel, 'securityLabel', code);
  if (labels) item.securityLabels = labels;
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

/** The token machine: packed tokens in, assembled entries (with their JSON path) out. */
class Reader {
  /** `array` (V1) or `object` (V2) once the body has begun. */
  shape: 'array' | 'object' | undefined;
  /** The V2 section being read, or null for a key whose value is skipped. */
  section: Section | null | undefined;
  sectionIndex = 0;
  /** Depth inside the value being skipped or assembled (0: none). */
  depth = 0;
  skipping = false;
  stack: (JsonObject | Json[])[] = [];
  keys: (string | null)[] = [];
  key: string | null = null;
  lastPath = '$';
  /** Where a V2 section's array is expected (after its key). */
  awaitingSection = false;
  bodyDepth = 0;
  done = false;

  constructor(readonly onEntry: (section: Section, index: number, value: Json) => void, readonly onSectionProblem: (message: string) => void) {}

  /** Adds a finished value to its parent, or hands an entry over when it is one. */
  private finish(value: Json): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      this.onEntry(this.section ?? 'indicator', this.sectionIndex, value);
      this.lastPath = `$${this.shape === 'object' ? `.${this.section}` : ''}[${this.sectionIndex}]`;
      this.sectionIndex++;
      return;
    }
    if (Array.isArray(parent)) parent.push(value);
    // `__proto__` is an ordinary key here, as JSON.parse makes it (an assignment would set the prototype).
    else if (this.key === '__proto__') Object.defineProperty(parent, this.key, { value, enumerable: true, writable: true, configurable: true });
    else parent[this.key!] = value;
  }

  private open(container: JsonObject | Json[]): void {
    this.keys.push(this.key);
    this.stack.push(container);
    this.key = null;
  }

  private close(): void {
    const value = this.stack.pop()!;
    this.key = this.keys.pop() ?? null;
    this.finish(value);
  }

  push(token: Token): void {
    if (this.done) return;
    // Skipping a value under a key that is no section.
    if (this.skipping) {
      if (token.name === 'startObject' || token.name === 'startArray') this.depth++;
      else if (token.name === 'endObject' || token.name === 'endArray') this.depth--;
      if (this.depth === 0) this.skipping = false;
      return;
    }
    // Inside an entry: assemble.
    if (this.stack.length > 0 || this.inEntryPosition()) {
      if (this.stack.length === 0 && (token.name === 'endArray')) { this.endOfList(); return; }
      switch (token.name) {
        case 'startObject': this.open(newObject()); return;
        case 'startArray': this.open([]); return;
        case 'endObject': case 'endArray': this.close(); return;
        case 'keyValue': this.key = token.value; return;
        case 'stringValue': this.finish(token.value); return;
        case 'numberValue': this.finish(Number(token.value)); return;
        case 'nullValue': this.finish(null); return;
        case 'trueValue': this.finish(true); return;
        case 'falseValue': this.finish(false); return;
        default: return;
      }
    }
    // The body's own structure.
    if (this.shape === undefined) {
      if (token.name === 'startArray') { this.shape = 'array'; this.section = 'indicator'; this.bodyDepth = 1; return; }
      if (token.name === 'startObject') { this.shape = 'object'; this.bodyDepth = 1; return; }
      throw new BodyBroken('The upload must be a JSON array of indicators (V1) or an object with "indicator", "group" and "association" arrays (V2).');
    }
    if (this.shape === 'object') {
      if (this.awaitingSection) {
        this.awaitingSection = false;
        if (token.name === 'startArray') { this.bodyDepth = 2; this.sectionIndex = 0; return; }
        this.onSectionProblem(`"${this.section}" must be an array; its value was skipped.`);
        this.section = undefined;
        this.skipValue(token);
        return;
      }
      if (token.name === 'keyValue') {
        const section = SECTIONS.find((s) => s === token.value);
        if (section) { this.section = section; this.awaitingSection = true; this.lastPath = `$.${section}`; return; }
        // Another key (tcex's "file", a client's own): its value is not intelligence.
        this.section = null;
        this.skipping = false;
        this.pendingSkip = true;
        return;
      }
      if (this.pendingSkip) { this.pendingSkip = false; this.skipValue(token); return; }
      if (token.name === 'endObject') { this.done = true; return; }
    }
  }

  pendingSkip = false;

  private skipValue(token: Token): void {
    if (token.name === 'startObject' || token.name === 'startArray') { this.skipping = true; this.depth = 1; }
  }

  /** Whether the next token begins an entry (an element of the V1 array or of a V2 section). */
  private inEntryPosition(): boolean {
    if (this.shape === 'array') return this.bodyDepth === 1;
    return this.shape === 'object' && this.bodyDepth === 2 && !this.awaitingSection;
  }

  private endOfList(): void {
    if (this.shape === 'array') { this.done = true; return; }
    this.bodyDepth = 1;
    this.section = undefined;
  }
}

/** Malformed JSON or a body of the wrong shape: where reading stopped. */
class BodyBroken extends Error {}

/** `none` of stream-chain: what the tokenizer is given to finish. */
const FLUSH = Symbol.for('object-stream.none');
const PIECE = 256;

function tokensOf(result: unknown): Token[] {
  return result !== FLUSH && result !== undefined && typeof result === 'object' && result !== null && Array.isArray((result as { values?: unknown }).values)
    ? (result as { values: Token[] }).values
    : [];
}

/**
 * Reads a V1 or V2 batch body into items and problems, streamed: the input is tokenised chunk by
 * chunk and each entry is assembled alone. `index` of a problem is the entry's place in the upload
 * (0-based, over every entry read). Errors of the input itself are thrown as they are.
 */
export async function* readTcBatch(input: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>): AsyncGenerator<TcBatchEvent> {
  const tokenize = jsonParser({ packValues: true, streamValues: false }) as unknown as (chunk: string | symbol) => unknown;
  const decoder = new StringDecoder('utf8');
  const out: TcBatchEvent[] = [];
  const later: AssociationItem[] = [];
  let position = 0;
  let started = false;
  let chars = 0;

  const problem = (kind: ItemProblem['kind'], code: ItemErrorCode, reason: string, source: string, index = position): ItemProblem =>
    ({ index, kind, code, severity: 'Error', reason, source });

  const reader = new Reader((section, index, value) => {
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
  }, (message) => out.push({ problem: problem('file', ITEM_ERROR_CODES.jsonSyntax, message, reader.lastPath) }));

  const broken = (error: unknown): ItemProblem => {
    const at = `near character ${chars}; last known JSON path: '${reader.lastPath}'. Nothing after that point was read.`;
    if (error instanceof BodyBroken) return problem('file', ITEM_ERROR_CODES.jsonSyntax, `${error.message} (${at})`, `Last known JSON path: '${reader.lastPath}'`);
    const why = (error instanceof Error ? error.message : String(error)).replace(/^Parser (cannot parse input: |has )/, '').slice(0, 200);
    return problem('file', ITEM_ERROR_CODES.jsonSyntax, `The upload is not valid JSON (${why}) ${at}`, `Last known JSON path: '${reader.lastPath}'`);
  };

  /** Tokenises a piece and reads its tokens; a tokenizer error or a body of the wrong shape is the one file problem. */
  const feedPiece = (piece: string | symbol): ItemProblem | undefined => {
    let tokens: Token[];
    try {
      tokens = tokensOf(tokenize(piece));
    } catch (error) {
      return broken(error);
    }
    try {
      for (const token of tokens) reader.push(token);
    } catch (error) {
      if (error instanceof BodyBroken) return broken(error);
      throw error;
    }
    if (typeof piece === 'string') chars += piece.length;
    return undefined;
  };

  /**
   * Feeds text in pieces of at most PIECE characters: the tokenizer drops the tokens of a piece it
   * fails in, so a small piece keeps what precedes a break (the problem names the last entry read).
   */
  const feed = (chunk: string | symbol): TcBatchEvent[] | ItemProblem => {
    if (typeof chunk === 'symbol') return feedPiece(chunk) ?? out.splice(0);
    for (let start = 0; start < chunk.length; start += PIECE) {
      const failed = feedPiece(chunk.length <= PIECE ? chunk : chunk.slice(start, start + PIECE));
      if (failed) return failed;
    }
    return out.splice(0);
  };

  for await (const chunk of input) {
    let piece = typeof chunk === 'string' ? chunk : decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    if (!started && piece.length > 0) {
      started = true;
      if (piece.charCodeAt(0) === 0xfeff) piece = piece.slice(1);
    }
    if (piece.length === 0) continue;
    const events = feed(piece);
    if (!Array.isArray(events)) { yield* out.splice(0); yield { problem: events }; return; }
    yield* events;
  }
  const tail = decoder.end();
  const last = tail.length > 0 ? feed(tail) : [];
  if (!Array.isArray(last)) { yield* out.splice(0); yield { problem: last }; return; }
  yield* last;
  if (!started) {
    yield { problem: problem('file', ITEM_ERROR_CODES.jsonSyntax, 'The upload is empty: send a JSON array of indicators (V1) or an object with "indicator", "group" and "association" arrays (V2).', '') };
    return;
  }
  const flushed = feed(FLUSH);
  if (!Array.isArray(flushed)) { yield* out.splice(0); yield { problem: flushed }; return; }
  yield* flushed;
  for (const association of later) yield { item: association };
}
