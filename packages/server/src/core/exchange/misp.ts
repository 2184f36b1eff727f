/**
 * MISP event JSON import (issue 10): what teams migrating from MISP have. Accepted documents:
 * one event `{"Event":{…}}`, a list of them `[{"Event":{…}}, …]`, and restSearch's answer
 * `{"response":[{"Event":{…}}, …]}`.
 *
 * How an event maps (decisions, documented in the README's MISP section):
 * - The event is an **Event** group (Cairn's group type for "something that happened", with its
 *   required date): name = `info` (cut at 255 characters, the whole text then kept as its
 *   Description), eventDate = `date`, xid = the event's `uuid` (so re-importing an event updates
 *   the same group), a `Source` attribute `MISP event <id> (<creator org>)`. It is emitted before
 *   the event's indicators, and each indicator is associated with it.
 * - Each attribute (in `Attribute` and in every `Object`'s `Attribute`) becomes an indicator by its
 *   MISP type (MISP_TYPE_MAP below): ip-src/ip-dst (and `|port`) → Address (a CIDR block → CIDR),
 *   domain/hostname (and `|port`) → Host, domain|ip → a Host and an Address, url/link → URL, email
 *   addresses → EmailAddress, email-subject → Email Subject, md5/sha1/sha256 and filename|hash,
 *   malware-sample → File (the file name kept as a file occurrence), AS → ASN, mutex → Mutex,
 *   regkey(|value) → Registry Key (`key : (Default) : REG_NONE`, or REG_SZ with its value),
 *   user-agent → User Agent. A `file` object's hashes become one File. Any other type is a
 *   per-attribute problem naming it (never a silent drop); a `deleted` attribute is skipped with a
 *   warning.
 * - `to_ids` → the indicator's `active` flag (MISP's "use for detection": an attribute not for
 *   IDS is kept but inactive, so lists and bulk reports leave it out by default); `comment` → a
 *   Description attribute; `first_seen` / `last_seen` → firstSeen / lastSeen.
 * - Tags: an attribute's tags go on its indicator, the event's on the group. `tlp:*` tags are
 *   security labels instead (`tlp:white`/`tlp:clear` → TLP:WHITE, `tlp:green`, `tlp:amber`
 *   (and `amber+strict`), `tlp:red`); the event's TLP also marks each indicator that has none of
 *   its own. A galaxy cluster (`Galaxy[].GalaxyCluster[]`, or its tag
 *   `misp-galaxy:threat-actor="APT29"`) is the tag `APT29` (the cluster's value).
 *
 * - A value named again later in the file (ip-src and ip-dst of one address, one domain in two
 *   events) is not a second indicator: it adds only the association with its own event, with a
 *   warning (its tags and comment are not merged).
 *
 * Streamed: the file is read twice (`open` is called twice), first for each event's own fields,
 * tags and galaxies (its attributes skipped unread), then for the attributes one at a time, so an
 * event of any size never sits in memory. Malformed JSON is a problem at the point it was found.
 */
import { Readable } from 'node:stream';
import Assembler from 'stream-json/assembler.js';
import { parser } from 'stream-json/parser.js';
import { indicatorTypeNamed, valuesNamedBy } from '../intel/indicator-types.js';
import { ITEM_ERROR_CODES, type GroupItem, type IndicatorItem, type ItemAttribute } from './items.js';
import type { ParsedEntry } from './upload.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Path = (string | number)[];
type Token = { name: string; value?: string };

/** What to do with the value starting at a path: assemble it whole, walk into it, or skip it unread. */
type Decision = 'capture' | 'descend' | 'skip';

/**
 * The values of a JSON text that `decide` captures, each assembled alone, in document order;
 * everything skipped is read past without being built. Throws on malformed JSON.
 */
async function* selectJson(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, decide: (path: Path) => Decision): AsyncGenerator<{ path: Path; value: Json }> {
  const source = Readable.from(input as AsyncIterable<Buffer | string>, { objectMode: false });
  const tokens = parser.asStream({ streamValues: false });
  source.on('error', (error) => tokens.destroy(error));
  source.pipe(tokens);
  // The path of the value about to start: keys and indices of the containers we are in.
  const path: Path = [];
  // Per open container walked into: is it an array (its next index), or an object (its key set by keyValue)?
  const frames: { array: boolean; index: number }[] = [];
  let assembler: Assembler<Json> | undefined;
  let capturedAt: Path = [];
  let skipDepth = 0;
  const valueStarts = (name: string) => name === 'startObject' || name === 'startArray' || name === 'stringValue' || name === 'numberValue'
    || name === 'nullValue' || name === 'trueValue' || name === 'falseValue';
  /** After a value ended inside the current container: an array's next element gets the next index. */
  const valueEnded = () => {
    const frame = frames[frames.length - 1];
    if (frame?.array) {
      frame.index += 1;
      path[path.length - 1] = frame.index;
    }
  };
  try {
    for await (const token of tokens as AsyncIterable<Token>) {
      if (assembler) {
        assembler.consume(token as never);
        if (assembler.done) {
          yield { path: capturedAt, value: assembler.current as Json };
          assembler = undefined;
          valueEnded();
        }
        continue;
      }
      if (skipDepth > 0) {
        if (token.name === 'startObject' || token.name === 'startArray') skipDepth += 1;
        else if (token.name === 'endObject' || token.name === 'endArray') skipDepth -= 1;
        if (skipDepth === 0) valueEnded();
        continue;
      }
      if (token.name === 'keyValue') {
        path[path.length - 1] = token.value!;
        continue;
      }
      if (token.name === 'endObject' || token.name === 'endArray') {
        frames.pop();
        path.pop();
        valueEnded();
        continue;
      }
      if (!valueStarts(token.name)) continue;
      const decision = decide(path);
      const container = token.name === 'startObject' || token.name === 'startArray';
      if (decision === 'capture') {
        capturedAt = [...path];
        assembler = new Assembler<Json>();
        assembler.consume(token as never);
        if (!container) {
          yield { path: capturedAt, value: assembler.current as Json };
          assembler = undefined;
          valueEnded();
        }
      } else if (!container) {
        valueEnded();
      } else if (decision === 'skip') {
        skipDepth = 1;
      } else {
        const array = token.name === 'startArray';
        frames.push({ array, index: 0 });
        path.push(array ? 0 : '');
      }
    }
  } finally {
    source.unpipe(tokens);
    source.destroy();
    tokens.destroy();
  }
}

/** Where events are: `{"Event"}`, `[{"Event"}]`, `{"response":[{"Event"}]}` (and `{"response":{"Event"}}`). */
function eventDepth(path: Path): number | undefined {
  if (path.length === 1 && path[0] === 'Event') return 1;
  if (path.length === 2 && typeof path[0] === 'number' && path[1] === 'Event') return 2;
  if (path.length === 2 && path[0] === 'response' && path[1] === 'Event') return 2;
  if (path.length === 3 && path[0] === 'response' && typeof path[1] === 'number' && path[2] === 'Event') return 3;
  return undefined;
}

/** The event a path is inside: the path of its `Event` value, as a key. */
function eventKeyOf(path: Path): { key: string; rest: Path } | undefined {
  for (let depth = 1; depth <= Math.min(3, path.length); depth += 1) {
    if (eventDepth(path.slice(0, depth)) === depth) return { key: JSON.stringify(path.slice(0, depth)), rest: path.slice(depth) };
  }
  return undefined;
}

/** Outside any event: the containers events are found in (a list, restSearch's `response`) are entered; anything else at the top is skipped. */
function outsideEvents(path: Path): Decision {
  if (path.length === 1 && (typeof path[0] === 'number' || path[0] === 'response')) return 'descend';
  if (path.length === 2 && path[0] === 'response' && typeof path[1] === 'number') return 'descend';
  return 'skip';
}

/** The first pass: where to go for an event's own fields, tags and galaxies. */
function decideHeader(path: Path): Decision {
  if (path.length === 0) return 'descend';
  const inEvent = eventKeyOf(path);
  if (!inEvent) return outsideEvents(path);
  const { rest } = inEvent;
  if (rest.length === 0) return 'descend';
  if (rest.length === 1) return rest[0] === 'Attribute' || rest[0] === 'Object' || rest[0] === 'ShadowAttribute' || rest[0] === 'RelatedEvent' || rest[0] === 'EventReport' ? 'skip' : 'capture';
  return 'skip';
}

/** The second pass: each attribute and each object, one at a time. */
function decideAttributes(path: Path): Decision {
  if (path.length === 0) return 'descend';
  const inEvent = eventKeyOf(path);
  if (!inEvent) return outsideEvents(path);
  const { rest } = inEvent;
  if (rest.length === 0) return 'descend';
  if (rest.length === 1) return rest[0] === 'Attribute' || rest[0] === 'Object' ? 'descend' : 'skip';
  if (rest.length === 2) return 'capture';
  return 'skip';
}

/** What the first pass learns of one event. */
interface EventHeader { fields: JsonObject; tags: string[]; labels: string[] }

const text = (value: Json | undefined): string | undefined => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);
const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const objects = (value: Json | undefined): JsonObject[] => (Array.isArray(value) ? value.filter(isObject) : []);

const TLP_LABELS: Readonly<Record<string, string>> = {
  'tlp:white': 'TLP:WHITE', 'tlp:clear': 'TLP:WHITE', 'tlp:green': 'TLP:GREEN', 'tlp:amber': 'TLP:AMBER', 'tlp:amber+strict': 'TLP:AMBER', 'tlp:red': 'TLP:RED',
};

/** A MISP tag name as Cairn keeps it: a security label (TLP), a tag (a galaxy tag's cluster value), or nothing (empty). */
export function mispTag(name: string): { label: string } | { tag: string } | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return undefined;
  const label = TLP_LABELS[trimmed.toLowerCase()];
  if (label) return { label };
  const galaxy = /^misp-galaxy:[^=]+="(.*)"$/s.exec(trimmed);
  const tag = (galaxy ? galaxy[1]! : trimmed).trim();
  return tag === '' ? undefined : { tag: tag.slice(0, 128) };
}

/** The tags and labels of a `Tag` list and a `Galaxy` list. */
function tagsOf(tagList: Json | undefined, galaxies: Json | undefined): { tags: string[]; labels: string[] } {
  const tags = new Set<string>();
  const labels = new Set<string>();
  for (const t of objects(tagList)) {
    const kept = mispTag(text(t.name) ?? '');
    if (kept && 'label' in kept) labels.add(kept.label);
    else if (kept) tags.add(kept.tag);
  }
  for (const galaxy of objects(galaxies)) {
    for (const cluster of objects(galaxy.GalaxyCluster)) {
      const value = text(cluster.value)?.trim();
      if (value) tags.add(value.slice(0, 128));
    }
  }
  return { tags: [...tags], labels: [...labels] };
}

/** A MISP attribute type → how its value becomes indicators (a list: `domain|ip` makes two). */
type Mapper = (value: string) => { type: string; summary: string; fileName?: string; registryData?: string }[] | undefined;

const beforeBar = (value: string) => value.split('|')[0]!.trim();
const afterBar = (value: string) => value.slice(value.indexOf('|') + 1).trim();
const address: Mapper = (v) => [{ type: v.includes('/') ? 'CIDR' : 'Address', summary: v.trim() }];
const one = (type: string): Mapper => (v) => [{ type, summary: v.trim() }];
const fileWithName: Mapper = (v) => (v.includes('|') ? [{ type: 'File', summary: afterBar(v), fileName: beforeBar(v) }] : undefined);

/** MISP attribute types Cairn has an indicator type for. */
export const MISP_TYPE_MAP: Readonly<Record<string, Mapper>> = {
  'ip-src': address, 'ip-dst': address,
  'ip-src|port': (v) => address(beforeBar(v)), 'ip-dst|port': (v) => address(beforeBar(v)),
  domain: one('Host'), hostname: one('Host'),
  'hostname|port': (v) => [{ type: 'Host', summary: beforeBar(v) }],
  'domain|ip': (v) => (v.includes('|') ? [{ type: 'Host', summary: beforeBar(v) }, ...address(afterBar(v))!] : undefined),
  url: one('URL'), link: one('URL'),
  email: one('EmailAddress'), 'email-src': one('EmailAddress'), 'email-dst': one('EmailAddress'), 'email-reply-to': one('EmailAddress'),
  'target-email': one('EmailAddress'), 'whois-registrant-email': one('EmailAddress'),
  'email-subject': one('Email Subject'),
  md5: one('File'), sha1: one('File'), sha256: one('File'),
  'filename|md5': fileWithName, 'filename|sha1': fileWithName, 'filename|sha256': fileWithName, 'malware-sample': fileWithName,
  AS: (v) => [{ type: 'ASN', summary: v.trim() }],
  mutex: one('Mutex'),
  regkey: (v) => [{ type: 'Registry Key', summary: `${v.trim()} : (Default) : REG_NONE` }],
  'regkey|value': (v) => (v.includes('|') ? [{ type: 'Registry Key', summary: `${beforeBar(v)} : (Default) : REG_SZ`, registryData: afterBar(v) }] : undefined),
  'user-agent': one('User Agent'),
};

/** MISP attribute types that are hashes of a `file` object, merged into one File. */
const FILE_HASHES = new Set(['md5', 'sha1', 'sha256']);

const mispSource = (value: Json) => JSON.stringify(value).slice(0, 500);

const problem = (reason: string, source: Json, kind: 'indicator' | 'group' | 'file' = 'indicator', severity: 'Error' | 'Warning' = 'Error'): ParsedEntry => ({
  problem: {
    kind, severity, reason, source: mispSource(source),
    code: kind === 'file' ? ITEM_ERROR_CODES.jsonSyntax : kind === 'group' ? ITEM_ERROR_CODES.invalidGroup : ITEM_ERROR_CODES.invalidIndicator,
  },
});

/** The event's group (or why there is none). */
function eventGroup(header: EventHeader): GroupItem | { problem: string } {
  const f = header.fields;
  const uuid = text(f.uuid)?.trim();
  const info = text(f.info)?.trim() ?? '';
  const date = text(f.date)?.trim();
  if (!uuid) return { problem: 'the event has no uuid' };
  if (info === '') return { problem: `event ${uuid} has no info (its name)` };
  if (!date || Number.isNaN(Date.parse(date))) return { problem: `event ${uuid} has no valid date (${JSON.stringify(date ?? null)})` };
  const orgc = isObject(f.Orgc) ? text(f.Orgc.name) : undefined;
  const attributes: ItemAttribute[] = [{ type: 'Source', value: `MISP event ${text(f.id) ?? uuid}${orgc ? ` (${orgc})` : ''}` }];
  if (info.length > 255) attributes.push({ type: 'Description', value: info });
  const group: GroupItem = {
    kind: 'group', type: 'Event', name: info.length > 255 ? `${info.slice(0, 254)}…` : info, xid: uuid,
    fields: { eventDate: /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T00:00:00Z` : date }, attributes,
  };
  if (header.tags.length > 0) group.tags = header.tags;
  if (header.labels.length > 0) group.securityLabels = header.labels;
  return group;
}

const unixTime = (value: Json | undefined): string | undefined => {
  const t = text(value);
  if (t === undefined || t.trim() === '') return undefined;
  const date = /^\d+$/.test(t) ? new Date(Number(t) * 1000) : new Date(t);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

/** The indicators one attribute makes, or the problem it is. */
function attributeEntries(attribute: JsonObject, where: string, eventXid: string | undefined, eventLabels: string[]): ParsedEntry[] {
  const type = text(attribute.type) ?? '';
  const value = text(attribute.value) ?? '';
  if (attribute.deleted === true || attribute.deleted === '1') return [problem(`${where}: deleted in MISP; not imported`, attribute, 'indicator', 'Warning')];
  const mapper = Object.hasOwn(MISP_TYPE_MAP, type) ? MISP_TYPE_MAP[type]! : undefined;
  if (!mapper) return [problem(`${where}: MISP type "${type.slice(0, 64)}" has no Cairn indicator type; not imported`, attribute)];
  if (value.trim() === '') return [problem(`${where}: ${type} attribute with an empty value`, attribute)];
  const mapped = mapper(value);
  if (!mapped) return [problem(`${where}: "${value.slice(0, 200)}" is not a ${type} value`, attribute)];
  const { tags, labels } = tagsOf(attribute.Tag, attribute.Galaxy);
  return mapped.map(({ type: cairnType, summary, fileName, registryData }) => {
    const item: IndicatorItem = { kind: 'indicator', type: cairnType, summary };
    if (attribute.to_ids === false || attribute.to_ids === '0') item.active = false;
    else if (attribute.to_ids === true || attribute.to_ids === '1') item.active = true;
    const attributes: ItemAttribute[] = [];
    const comment = text(attribute.comment)?.trim();
    if (comment) attributes.push({ type: 'Description', value: comment });
    if (registryData) attributes.push({ type: 'Additional Analysis and Context', value: `Registry value data: ${registryData}` });
    if (attributes.length > 0) item.attributes = attributes;
    if (tags.length > 0) item.tags = tags;
    const marking = labels.length > 0 ? labels : eventLabels;
    if (marking.length > 0) item.securityLabels = marking;
    if (eventXid) item.associatedGroups = [eventXid];
    const firstSeen = unixTime(attribute.first_seen);
    const lastSeen = unixTime(attribute.last_seen);
    if (firstSeen) item.firstSeen = firstSeen;
    if (lastSeen) item.lastSeen = lastSeen;
    if (fileName) item.fileOccurrences = [{ fileName }];
    return { item };
  });
}

/** A MISP object's entries: a `file` object's hashes as one File, every other attribute on its own. */
function objectEntries(object: JsonObject, where: string, eventXid: string | undefined, eventLabels: string[]): ParsedEntry[] {
  const attributes = objects(object.Attribute);
  const entries: ParsedEntry[] = [];
  const name = text(object.name) ?? '';
  if (name === 'file') {
    const hashes = attributes.filter((a) => FILE_HASHES.has(text(a.type) ?? '') && a.deleted !== true && (text(a.value) ?? '').trim() !== '');
    if (hashes.length > 0) {
      const first = hashes[0]!;
      const merged: JsonObject = {
        ...first,
        value: hashes.map((h) => text(h.value)!.trim()).join(' : '),
        Tag: hashes.flatMap((h) => (Array.isArray(h.Tag) ? h.Tag : [])),
        comment: text(object.comment) ?? text(first.comment) ?? '',
        to_ids: hashes.some((h) => h.to_ids === true || h.to_ids === '1') ? true : hashes.some((h) => h.to_ids === false || h.to_ids === '0') ? false : null,
      };
      const [fileEntry] = attributeEntries({ ...merged, type: 'sha256' }, `${where} (file object)`, eventXid, eventLabels);
      if (fileEntry && 'item' in fileEntry && fileEntry.item.kind === 'indicator') {
        fileEntry.item.type = 'File';
        const fileName = attributes.find((a) => text(a.type) === 'filename');
        const size = attributes.find((a) => text(a.type) === 'size-in-bytes');
        if (fileName && text(fileName.value)) fileEntry.item.fileOccurrences = [{ fileName: text(fileName.value)! }];
        if (size && /^\d+$/.test(text(size.value) ?? '')) fileEntry.item.size = Number(text(size.value));
      }
      if (fileEntry) entries.push(fileEntry);
      for (const [i, a] of attributes.entries()) {
        const type = text(a.type) ?? '';
        if (FILE_HASHES.has(type) || type === 'filename' || type === 'size-in-bytes') continue;
        entries.push(...attributeEntries(a, `${where} attribute ${i + 1}`, eventXid, eventLabels));
      }
      return entries;
    }
  }
  for (const [i, a] of attributes.entries()) entries.push(...attributeEntries(a, `${where} attribute ${i + 1}`, eventXid, eventLabels));
  return entries;
}

/**
 * One value named twice in a file (ip-src and ip-dst of one address, a domain in two events) would
 * be a duplicate item of the upload: the first stays the indicator, a later one becomes only an
 * association with its own event (when that is new), with a warning saying what of it was not
 * merged. Remembers each value once (its normalised form) and each value–event pair.
 */
class SeenValues {
  readonly #values = new Set<string>();
  readonly #pairs = new Set<string>();

  /** The entries for `item`, found at `where`: itself the first time, else an association and a warning. */
  entries(item: IndicatorItem, where: string, source: Json): ParsedEntry[] {
    const type = indicatorTypeNamed(item.type);
    const addressing = type ? valuesNamedBy(type, item.summary) : undefined;
    if (!type || !addressing) return [{ item }];
    const keys = addressing.map((v) => `${type.name}\0${v}`);
    const xid = item.associatedGroups?.[0];
    const pair = (key: string) => `${key}\0${xid ?? ''}`;
    if (!keys.some((k) => this.#values.has(k))) {
      for (const k of keys) {
        this.#values.add(k);
        this.#pairs.add(pair(k));
      }
      return [{ item }];
    }
    const entries: ParsedEntry[] = [];
    const what = `${type.name} ${item.summary.slice(0, 200)}`;
    if (xid !== undefined && !keys.some((k) => this.#pairs.has(pair(k)))) {
      for (const k of keys) this.#pairs.add(pair(k));
      entries.push({ item: { kind: 'association', from: { indicator: { type: type.name, summary: item.summary } }, to: { group: { xid } } } });
      entries.push(problem(`${where}: ${what} is an earlier attribute's value; only its association with this event was added (tags, labels and comment not merged)`, source, 'indicator', 'Warning'));
    } else {
      entries.push(problem(`${where}: ${what} is an earlier attribute's value; skipped (tags, labels and comment not merged)`, source, 'indicator', 'Warning'));
    }
    return entries;
  }
}

/** Why a JSON text could not be read, for a person. */
const jsonFailure = (error: unknown) => `Malformed JSON: ${(error as Error).message.slice(0, 300)}`;

/**
 * Reads MISP events (see the module comment) as they stream in, in two passes over `open()`'s
 * bytes. Yields, per event, its group first, then its indicators; a problem per attribute that
 * maps to nothing, and one for a document with no event.
 */
export async function* parseMispEvents(open: () => AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<ParsedEntry> {
  const headers = new Map<string, EventHeader>();
  try {
    for await (const { path, value } of selectJson(open(), decideHeader)) {
      const inEvent = eventKeyOf(path);
      if (!inEvent || inEvent.rest.length !== 1) continue;
      const header = headers.get(inEvent.key) ?? { fields: {}, tags: [], labels: [] };
      headers.set(inEvent.key, header);
      header.fields[String(inEvent.rest[0])] = value;
    }
  } catch (error) {
    yield problem(jsonFailure(error), null, 'file');
    return;
  }
  if (headers.size === 0) {
    yield problem('No MISP event in the file: expected {"Event":{…}}, a list of them, or {"response":[{"Event":{…}}]}', null, 'file');
    return;
  }
  const groups = new Map<string, { xid?: string; labels: string[]; number: number }>();
  let number = 0;
  for (const [key, header] of headers) {
    number += 1;
    const { tags, labels } = tagsOf(header.fields.Tag, header.fields.Galaxy);
    header.tags = tags;
    header.labels = labels;
    const group = eventGroup(header);
    if ('problem' in group) {
      yield problem(`Event ${number}: ${group.problem}; its attributes are imported without it`, header.fields.uuid ?? null, 'group');
      groups.set(key, { labels, number });
    } else {
      yield { item: group };
      groups.set(key, { xid: group.xid, labels, number });
    }
  }
  const seen = new SeenValues();
  try {
    for await (const { path, value } of selectJson(open(), decideAttributes)) {
      const inEvent = eventKeyOf(path);
      if (!inEvent || inEvent.rest.length !== 2 || !isObject(value)) {
        if (inEvent && inEvent.rest.length === 2) yield problem(`Event ${groups.get(inEvent.key)?.number ?? '?'}: ${String(inEvent.rest[0])} ${Number(inEvent.rest[1]) + 1} is not an object`, value);
        continue;
      }
      const event = groups.get(inEvent.key) ?? { labels: [], number: 0 };
      const where = `Event ${event.number} ${inEvent.rest[0] === 'Object' ? 'object' : 'attribute'} ${Number(inEvent.rest[1]) + 1}`;
      const found = inEvent.rest[0] === 'Object' ? objectEntries(value, where, event.xid, event.labels) : attributeEntries(value, where, event.xid, event.labels);
      for (const entry of found) {
        if ('item' in entry && entry.item.kind === 'indicator') yield* seen.entries(entry.item, where, value);
        else yield entry;
      }
    }
  } catch (error) {
    yield problem(jsonFailure(error), null, 'file');
  }
}
