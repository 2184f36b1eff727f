/**
 * A STIX 2.1 bundle as Cairn import items (issue 10), read as a stream: the JSON is tokenised as it
 * arrives (stream-json) and each element of `objects` is assembled, mapped and forgotten before the
 * next, so a bundle of any size is never held. What is kept until the end is compact: a map from
 * each object's STIX id to the items it became (a relationship may come before the objects it
 * names), the relationships and report references (three strings each), and the observables
 * (SCOs) not yet known to be covered by an indicator. After the last object, the observables that
 * no indicator named and then the associations are emitted.
 *
 * Mapping (render.ts writes the same properties back; the two are each other's inverse):
 * - `indicator` with a `stix` pattern of a supported form (pattern.ts) → one indicator per
 *   alternative of the pattern; another `stix` pattern → a Signature group of file type
 *   `STIX Pattern` whose text is the pattern and whose xid is the indicator's id; another
 *   `pattern_type` (snort, suricata, yara, sigma, pcre, spl, …) → a Signature of that file type.
 * - SCOs (`ipv4-addr`, `ipv6-addr`, `domain-name`, `url`, `email-addr`, `file` hashes,
 *   `autonomous-system`, `mutex`, `windows-registry-key` with a value's name and type,
 *   `network-traffic` with an HTTP request's User-Agent, `email-message` subject) → indicators.
 * - SDOs → groups by GROUP_STIX_TYPES (xid = the STIX id); a report's `object_refs` and every
 *   `relationship` (whatever its relationship_type) → associations (indicator ↔ indicator ones
 *   typed by the association type of the pair).
 * - `labels` → tags; TLP marking refs → the TLP security labels; `confidence`; `x_cairn_rating`;
 *   `description` → a Description attribute; `aliases` → Aliases; `external_references` →
 *   Reference Link (url) and External ID attributes; `x_cairn_attributes`; an indicator's `name`
 *   other than its value → a Title attribute; `created` / `modified` kept; `revoked` → inactive.
 * - `created_by_ref` is ignored: the importer chooses the owner. Identities that create objects
 *   and the TLP marking-definitions are read, not imported.
 * Everything else is a per-object problem (index = the object's place in `objects`), never a
 * throw: a type Cairn has no place for, a malformed object, an invalid value. Input that is not a
 * bundle, malformed JSON or a bundle over `maxBytes` is one problem of kind `file`.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import Assembler from 'stream-json/assembler.js';
import { jsonParser } from 'stream-json/core/parser.js';
import { associationTypeFor, associationTypeNamed } from '../../intel/associations.js';
import { groupTypeNamed } from '../../intel/group-types.js';
import {
  ITEM_ERROR_CODES, type AssociationItem, type GroupItem, type ImportItem, type IndicatorItem, type ItemAttribute, type ItemErrorCode,
  type ItemProblem, type ItemRef,
} from '../items.js';
import { indicatorsOfPattern, normalizedIndicator, type PatternIndicator } from './pattern.js';
import { GROUP_STIX_TYPES, groupFieldNames, isStixId, SIGNATURE_PATTERN_TYPES, tlpLabelOfMarking } from './render.js';

export interface StixReadOptions {
  /** The largest bundle read; past it, a `file` problem and nothing more. */
  maxBytes: number;
  /** The largest single object (its text); a larger one is a problem and skipped. Default 4 MiB. */
  maxObjectBytes?: number;
}

/** What the reader yields: items to import, and problems (per object, or the file's). */
export type StixReadResult = ImportItem | ItemProblem;

export const isItemProblem = (value: StixReadResult): value is ItemProblem => 'code' in value && 'severity' in value;

/** TLP 2.0 marking-definitions (the STIX TLP 2.0 extension's fixed ids) and the Cairn label each means (never a weaker one). */
const TLP2_MARKINGS: Readonly<Record<string, string>> = {
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'TLP:WHITE', // TLP:CLEAR
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'TLP:GREEN',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'TLP:AMBER',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'TLP:RED', // TLP:AMBER+STRICT: Cairn has no such label; RED is the nearest that is not weaker
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'TLP:RED',
};
const TLP_BY_LEVEL: Readonly<Record<string, string>> = { white: 'TLP:WHITE', clear: 'TLP:WHITE', green: 'TLP:GREEN', amber: 'TLP:AMBER', 'amber+strict': 'TLP:RED', red: 'TLP:RED' };

/** The Cairn group type of each STIX type that maps to one (x-cairn-group says its own). */
const GROUP_OF_STIX_TYPE = new Map<string, string>(Object.entries(GROUP_STIX_TYPES).filter(([, stix]) => stix !== 'x-cairn-group' && stix !== 'indicator').map(([cairn, stix]) => [stix, cairn]));
const FILE_TYPE_OF_PATTERN_TYPE = new Map<string, string>(Object.entries(SIGNATURE_PATTERN_TYPES).map(([fileType, patternType]) => [patternType, fileType]));

/** Why the types Cairn has no place for are not imported. */
const NOT_IMPORTED: Readonly<Record<string, string>> = {
  identity: 'Cairn keeps no identities (the importer chooses the owner)',
  location: 'Cairn keeps no locations',
  note: 'Cairn keeps no notes on STIX objects',
  opinion: 'Cairn keeps no opinions',
  'observed-data': 'Cairn keeps no observed data',
  grouping: 'Cairn has no grouping (a report is a Report group)',
  infrastructure: 'Cairn has no infrastructure group type',
  'malware-analysis': 'Cairn keeps no malware analyses',
  sighting: 'Cairn keeps no sightings',
  'language-content': 'Cairn keeps no translations',
  'extension-definition': 'Cairn does not read extension definitions',
  'marking-definition': 'Cairn\'s security labels are the TLP labels and the owner\'s own; only TLP marking-definitions are read',
};
const OBSERVABLE_TYPES = new Set([
  'artifact', 'autonomous-system', 'directory', 'domain-name', 'email-addr', 'email-message', 'file', 'ipv4-addr', 'ipv6-addr', 'mac-addr', 'mutex',
  'network-traffic', 'process', 'software', 'url', 'user-account', 'windows-registry-key', 'x509-certificate', 'x-cairn-hashtag',
]);

type Json = Record<string, unknown>;
const article = (word: string) => `${/^[AEIOU]/i.test(word) ? 'an' : 'a'} ${word}`;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
/**
 * A copy of `text` that holds none of the input: the parser's strings may be slices of a whole
 * chunk of the upload, which a string kept until the end would keep alive with it.
 */
const own = (text: string) => (` ${text}`).slice(1);
const sourceOf = (object: unknown) => { try { return JSON.stringify(object).slice(0, 500); } catch { return ''; } };

/** A STIX timestamp as Cairn keeps one (UTC to the second), or undefined when it is none. */
function stixTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type Token = { name: string; value?: unknown };
type ItemMetadata = { tags?: string[]; securityLabels?: string[]; attributes?: ItemAttribute[]; confidence?: number; created?: string; modified?: string };

/**
 * The mapper: turns one STIX object at a time into items, and keeps the compact state the end
 * needs. Exposed for tests of single objects; `readStixBundle` is the way in.
 */
export class StixMapper {
  /**
   * STIX id → the indicators it became, compact: `type NUL summary` joined by SOH; '' when none
   * (all its values were invalid). Groups (and Signatures) are not kept: their xid is their id.
   */
  readonly #refs = new Map<string, string>();
  /** Relationships and report references: [index, from id, to id, association type named]. */
  readonly #links: [number, string, string, string | undefined][] = [];
  /** Observables not (yet) named by an indicator: key → [index, item]. */
  readonly #observables = new Map<string, [number, IndicatorItem]>();
  /** Indicators already emitted, by type and summary. */
  readonly #emitted = new Set<string>();
  /** Identities read (id → index) and the identities that created something. */
  readonly #identities = new Map<string, number>();
  readonly #creators = new Set<string>();
  /** Marking-definitions of this bundle that are TLP (by their definition), id → label. */
  readonly #markings = new Map<string, string>();

  #problem(index: number, kind: ItemProblem['kind'], code: ItemErrorCode, reason: string, object: unknown, severity: ItemProblem['severity'] = 'Error'): ItemProblem {
    return { index, kind, code, severity, reason, source: sourceOf(object) };
  }

  /** The items and problems of the object at `index`. */
  map(object: unknown, index: number): StixReadResult[] {
    if (!isObject(object)) return [this.#problem(index, 'group', ITEM_ERROR_CODES.jsonSyntax, `Object ${index} of the bundle is not a JSON object.`, object)];
    const type = str(object.type);
    const id = object.id;
    if (type === undefined) return [this.#problem(index, 'group', ITEM_ERROR_CODES.general, `Object ${index} has no type.`, object)];
    if (!isStixId(id, type)) return [this.#problem(index, type === 'relationship' ? 'association' : 'group', ITEM_ERROR_CODES.general, `The ${type} at ${index} has no valid id (${type}--<UUID>).`, object)];
    if (typeof object.created_by_ref === 'string' && !this.#creators.has(object.created_by_ref)) this.#creators.add(own(object.created_by_ref));
    const results = this.#mapValid(object, id, type, index);
    // An object that became nothing but problems: a relationship to it says so instead of naming a missing item.
    if (results.length > 0 && !results.some((r) => !isItemProblem(r)) && !this.#refs.has(id)) this.#refs.set(own(id), '');
    return results;
  }

  #mapValid(object: Json, id: string, type: string, index: number): StixReadResult[] {
    if (type === 'identity') { this.#identities.set(own(id), index); return []; }
    if (type === 'marking-definition') return this.#marking(object, id, index);
    if (type === 'relationship') return this.#relationship(object, index);
    if (type === 'indicator') return this.#indicator(object, id, index);
    if (type === 'x-cairn-group' || GROUP_OF_STIX_TYPE.has(type)) return this.#group(object, id, type, index);
    if (OBSERVABLE_TYPES.has(type)) return this.#observable(object, id, type, index);
    const reason = NOT_IMPORTED[type];
    if (reason) return [this.#problem(index, type === 'sighting' ? 'association' : 'group', ITEM_ERROR_CODES.general, `The ${type} ${id} was not imported: ${reason}.`, object)];
    return [this.#problem(index, 'group', ITEM_ERROR_CODES.general, `The ${type} ${id} was not imported: ${type} is not a STIX 2.1 type Cairn imports.`, object)];
  }

  /** After the last object: the observables no indicator named, the associations, the identities that were more than creators. */
  *finish(): Generator<StixReadResult> {
    for (const [key, [, item]] of this.#observables) {
      if (this.#emitted.has(key)) continue;
      this.#emitted.add(key);
      yield item;
    }
    this.#observables.clear();
    for (const [id, index] of this.#identities) {
      if (!this.#creators.has(id)) yield this.#problem(index, 'group', ITEM_ERROR_CODES.general, `The identity ${id} was not imported: ${NOT_IMPORTED.identity}.`, { type: 'identity', id });
    }
    const done = new Set<string>();
    for (const [index, from, to, named] of this.#links) {
      const sources = this.#resolve(from);
      const targets = this.#resolve(to);
      const link = { type: 'relationship', source_ref: from, target_ref: to };
      if (typeof sources === 'string' || typeof targets === 'string') {
        yield this.#problem(index, 'association', ITEM_ERROR_CODES.notFound, `The relationship ${from} → ${to} was not imported: ${typeof sources === 'string' ? sources : targets}.`, link);
        continue;
      }
      for (const a of sources) {
        for (const b of targets) {
          const item = this.#association(a, b, named);
          if (typeof item === 'string') { yield this.#problem(index, 'association', ITEM_ERROR_CODES.association, item, link); continue; }
          if (item === undefined) continue;
          const key = JSON.stringify([item.from, item.to]);
          const reverse = JSON.stringify([item.to, item.from]);
          if (done.has(key) || done.has(reverse)) continue;
          done.add(key);
          yield item;
        }
      }
    }
    this.#links.length = 0;
  }

  /** What a referenced id stands for: its items, or why it cannot be linked. */
  #resolve(id: string): ItemRef[] | string {
    const refs = this.#refs.get(id);
    if (refs === '') return `${id} was not imported (see its own problem)`;
    if (refs !== undefined) return refs.split('\u0001').map((ref) => { const [type, summary] = ref.split('\u0000') as [string, string]; return { indicator: { type, summary } }; });
    const type = id.slice(0, id.indexOf('--'));
    // A group (or a Signature) not in the bundle: the owner may hold it from an earlier import.
    if (GROUP_OF_STIX_TYPE.has(type) || type === 'indicator' || type === 'x-cairn-group') return [{ group: { xid: id } }];
    if (this.#identities.has(id) || type === 'identity' || type === 'marking-definition') return [];
    if (!isStixId(id)) return `${String(id).slice(0, 100)} is not a STIX id`;
    return `${id} is not in the bundle (or was not imported)`;
  }

  #association(a: ItemRef, b: ItemRef, named: string | undefined): AssociationItem | string | undefined {
    if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
    if ('indicator' in a && 'indicator' in b && 'type' in a.indicator && 'type' in b.indicator) {
      const pair = associationTypeFor(a.indicator.type, b.indicator.type);
      const wanted = named === undefined ? undefined : associationTypeNamed(named);
      if (!pair || (wanted && wanted.name !== pair.type.name)) return `No association type links ${article(a.indicator.type)} and ${article(b.indicator.type)} indicator (${a.indicator.summary.slice(0, 100)}, ${b.indicator.summary.slice(0, 100)}).`;
      return pair.reversed ? { kind: 'association', from: b, to: a, associationType: pair.type.name } : { kind: 'association', from: a, to: b, associationType: pair.type.name };
    }
    return { kind: 'association', from: a, to: b };
  }

  #marking(object: Json, id: string, index: number): StixReadResult[] {
    if (tlpLabelOfMarking(id) || TLP2_MARKINGS[id]) return [];
    const definition = isObject(object.definition) ? object.definition : undefined;
    const extensions = isObject(object.extensions) ? object.extensions : undefined;
    const level = object.definition_type === 'tlp' && definition ? str(definition.tlp) : undefined;
    const name = str(object.name);
    const label = (level && TLP_BY_LEVEL[level.toLowerCase()]) ?? (extensions && name && /^TLP:/i.test(name) ? TLP_BY_LEVEL[name.slice(4).toLowerCase()] : undefined);
    if (label) { this.#markings.set(own(id), label); return []; }
    return [this.#problem(index, 'group', ITEM_ERROR_CODES.general, `The marking-definition ${id} was not imported: ${NOT_IMPORTED['marking-definition']}.`, object, 'Warning')];
  }

  #relationship(object: Json, index: number): StixReadResult[] {
    const source = object.source_ref;
    const target = object.target_ref;
    if (!isStixId(source) || !isStixId(target)) return [this.#problem(index, 'association', ITEM_ERROR_CODES.association, `The relationship at ${index} needs a source_ref and a target_ref that are STIX ids.`, object)];
    const named = str(object.x_cairn_association_type);
    this.#links.push([index, own(source), own(target), named === undefined ? undefined : own(named)]);
    return [];
  }

  /** The metadata every item takes from its object. */
  #metadata(object: Json, forGroup: boolean): ItemMetadata {
    const meta: ItemMetadata = {};
    if (Array.isArray(object.labels)) {
      const tags = [...new Set(object.labels.filter((l): l is string => typeof l === 'string' && l.trim() !== '').map((l) => l.trim()))];
      if (tags.length > 0) meta.tags = tags;
    }
    if (Array.isArray(object.object_marking_refs)) {
      const labels = [...new Set(object.object_marking_refs.map((ref) => (typeof ref === 'string' ? tlpLabelOfMarking(ref) ?? TLP2_MARKINGS[ref] ?? this.#markings.get(ref) : undefined)).filter((l): l is string => l !== undefined))];
      if (labels.length > 0) meta.securityLabels = labels;
    }
    const attributes: ItemAttribute[] = [];
    const description = str(object.description);
    if (description) attributes.push({ type: 'Description', value: description });
    if (forGroup && Array.isArray(object.aliases)) {
      for (const alias of object.aliases) if (str(alias)) attributes.push({ type: 'Aliases', value: alias as string });
    }
    if (Array.isArray(object.external_references)) {
      for (const reference of object.external_references) {
        if (!isObject(reference)) continue;
        const sourceName = str(reference.source_name) ?? '';
        const url = str(reference.url);
        const externalId = str(reference.external_id);
        if (url) attributes.push({ type: 'Reference Link', value: url });
        if (externalId) attributes.push({ type: 'External ID', value: sourceName === 'External ID' || sourceName === '' ? externalId : `${sourceName}:${externalId}` });
      }
    }
    if (Array.isArray(object.x_cairn_attributes)) {
      for (const attribute of object.x_cairn_attributes) {
        if (isObject(attribute) && str(attribute.type) && typeof attribute.value === 'string') attributes.push({ type: attribute.type as string, value: attribute.value });
      }
    }
    if (attributes.length > 0) meta.attributes = attributes;
    if (typeof object.confidence === 'number' && Number.isInteger(object.confidence) && object.confidence >= 0 && object.confidence <= 100) meta.confidence = object.confidence;
    const created = stixTimestamp(object.created);
    const modified = stixTimestamp(object.modified);
    if (created) meta.created = created;
    if (modified) meta.modified = modified;
    return meta;
  }

  #indicatorItem(object: Json, found: PatternIndicator, extraAttributes: ItemAttribute[] = []): IndicatorItem {
    const { attributes, ...meta } = this.#metadata(object, false);
    const all = [...(attributes ?? []), ...extraAttributes];
    const item: IndicatorItem = { kind: 'indicator', type: found.type, summary: found.summary, ...meta, ...(all.length > 0 ? { attributes: all } : {}) };
    if (typeof object.x_cairn_rating === 'number' && object.x_cairn_rating >= 0 && object.x_cairn_rating <= 5) item.rating = object.x_cairn_rating;
    if (object.revoked === true) item.active = false;
    const fields = isObject(object.x_cairn_fields) ? object.x_cairn_fields : {};
    if (found.type === 'Host' && fields.dnsActive === true) item.dnsActive = true;
    if (found.type === 'Host' && fields.whoisActive === true) item.whoisActive = true;
    if (found.type === 'File' && typeof fields.size === 'number' && Number.isSafeInteger(fields.size) && fields.size >= 0) item.size = fields.size;
    const firstSeen = stixTimestamp(fields.firstSeen);
    const lastSeen = stixTimestamp(fields.lastSeen);
    if (firstSeen) item.firstSeen = firstSeen;
    if (lastSeen) item.lastSeen = lastSeen;
    return item;
  }

  #indicator(object: Json, id: string, index: number): StixReadResult[] {
    const pattern = object.pattern;
    if (typeof pattern !== 'string' || pattern.trim() === '') return [this.#problem(index, 'indicator', ITEM_ERROR_CODES.invalidIndicator, `The indicator ${id} has no pattern.`, object)];
    const patternType = typeof object.pattern_type === 'string' ? object.pattern_type.toLowerCase() : 'stix';
    if (patternType === 'stix') {
      const named = indicatorsOfPattern(pattern);
      if (named) {
        const out: StixReadResult[] = [];
        const refs: string[] = [];
        const name = str(object.name);
        for (const found of named.indicators) {
          const title = name !== undefined && name !== found.summary && name.length <= 255 ? [{ type: 'Title', value: name }] : [];
          const key = own(`${found.type}\u0000${found.summary}`);
          this.#emitted.add(key);
          refs.push(key);
          out.push(this.#indicatorItem(object, found, title));
        }
        // One indicator (the common case): the same string in both maps, held once.
        this.#refs.set(own(id), refs.length === 1 ? refs[0]! : own(refs.join('\u0001')));
        for (const problem of named.problems) {
          const partial = named.indicators.length > 0;
          out.push(this.#problem(index, 'indicator', partial ? ITEM_ERROR_CODES.indicatorPartialLoss : ITEM_ERROR_CODES.invalidIndicator,
            `The indicator ${id}: ${problem}${partial ? ' (the pattern\'s other indicators were imported)' : ''}.`, object, partial ? 'Warning' : 'Error'));
        }
        return out;
      }
    }
    const fileType = FILE_TYPE_OF_PATTERN_TYPE.get(patternType);
    if (fileType === undefined) {
      return [this.#problem(index, 'indicator', ITEM_ERROR_CODES.invalidIndicator, `The indicator ${id} was not imported: pattern_type ${patternType.slice(0, 50)} is none Cairn keeps (${[...FILE_TYPE_OF_PATTERN_TYPE.keys()].join(', ')}).`, object)];
    }
    return this.#signature(object, id, index, fileType, pattern, patternType);
  }

  /** A pattern no indicator type holds, kept whole as a Signature (xid: the indicator's id). */
  #signature(object: Json, id: string, index: number, fileType: string, pattern: string, patternType: string): StixReadResult[] {
    const meta = this.#metadata(object, true);
    const extra = isObject(object.x_cairn_fields) ? object.x_cairn_fields : {};
    const fileName = str(extra.fileName) ?? `${id.slice('indicator--'.length)}.${patternType.replace(/[^a-z0-9]/g, '') || 'txt'}`;
    const name = str(object.name) ?? `STIX indicator ${id.slice('indicator--'.length)}`;
    const item: GroupItem = { kind: 'group', type: 'Signature', name, xid: id, fields: { fileName, fileType, fileText: pattern }, ...meta };
    void index;
    return [item];
  }

  #group(object: Json, id: string, stixType: string, index: number): StixReadResult[] {
    let type = GROUP_OF_STIX_TYPE.get(stixType);
    if (stixType === 'x-cairn-group') {
      const named = typeof object.x_cairn_type === 'string' ? groupTypeNamed(object.x_cairn_type) : undefined;
      if (!named) return [this.#problem(index, 'group', ITEM_ERROR_CODES.invalidGroup, `The x-cairn-group ${id} names no Cairn group type in x_cairn_type.`, object)];
      type = named.name;
    }
    const name = str(object.name);
    if (name === undefined) return [this.#problem(index, 'group', ITEM_ERROR_CODES.invalidGroup, `The ${stixType} ${id} has no name.`, object)];
    const fields: Record<string, string | number | boolean> = {};
    const extra = isObject(object.x_cairn_fields) ? object.x_cairn_fields : {};
    for (const field of groupFieldNames(type!)) {
      const value = extra[field];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[field] = value;
    }
    const firstSeen = stixTimestamp(object.first_seen);
    const lastSeen = stixTimestamp(object.last_seen);
    if (firstSeen) fields.firstSeen = firstSeen;
    if (lastSeen) fields.lastSeen = lastSeen;
    const meta = this.#metadata(object, true);
    if (type === 'Report') {
      const published = stixTimestamp(object.published);
      if (published) fields.publishDate = published;
      if (fields.fileName === undefined) fields.fileName = name.slice(0, 255);
      if (Array.isArray(object.object_refs)) {
        for (const ref of object.object_refs) if (typeof ref === 'string' && ref !== id) this.#links.push([index, own(id), own(ref), undefined]);
      }
    }
    // A group type that needs an event date (Incident, Event) takes the object's first_seen or created when it names none.
    if (groupTypeNamed(type!)?.required.includes('eventDate') && fields.eventDate === undefined) {
      const date = firstSeen ?? meta.created;
      if (date) fields.eventDate = date;
    }
    const item: GroupItem = { kind: 'group', type: type!, name, xid: id, ...(Object.keys(fields).length > 0 ? { fields } : {}), ...meta };
    return [item];
  }

  /** An SCO: its indicators (held until the end, when no indicator SDO has named them). */
  #observable(object: Json, id: string, stixType: string, index: number): StixReadResult[] {
    const candidates: { type: string; slots: Partial<Record<'value1' | 'value2' | 'value3', string>> }[] = [];
    const value = typeof object.value === 'string' ? object.value : undefined;
    let why = 'it has none of the properties Cairn reads';
    switch (stixType) {
      case 'ipv4-addr': case 'ipv6-addr':
        if (value) candidates.push({ type: value.includes('/') ? 'CIDR' : 'Address', slots: { value1: value } });
        break;
      case 'domain-name': if (value) candidates.push({ type: 'Host', slots: { value1: value } }); break;
      case 'url': if (value) candidates.push({ type: 'URL', slots: { value1: value } }); break;
      case 'email-addr': if (value) candidates.push({ type: 'EmailAddress', slots: { value1: value } }); break;
      case 'x-cairn-hashtag': if (value) candidates.push({ type: 'Hashtag', slots: { value1: value } }); break;
      case 'mutex': if (typeof object.name === 'string') candidates.push({ type: 'Mutex', slots: { value1: object.name } }); break;
      case 'autonomous-system':
        if (typeof object.number === 'number' && Number.isInteger(object.number)) candidates.push({ type: 'ASN', slots: { value1: `ASN${object.number}` } });
        break;
      case 'email-message': if (typeof object.subject === 'string') candidates.push({ type: 'Email Subject', slots: { value1: object.subject } }); break;
      case 'file': {
        const hashes = isObject(object.hashes) ? object.hashes : {};
        const slots: Partial<Record<'value1' | 'value2' | 'value3', string>> = {};
        for (const [name, hash] of Object.entries(hashes)) {
          const kind = name.toUpperCase().replace(/-/g, '');
          if (typeof hash !== 'string') continue;
          if (kind === 'MD5') slots.value1 = hash;
          else if (kind === 'SHA1') slots.value2 = hash;
          else if (kind === 'SHA256') slots.value3 = hash;
        }
        if (Object.keys(slots).length > 0) candidates.push({ type: 'File', slots });
        else why = 'a Cairn File is its MD5, SHA-1 or SHA-256 hash, and it has none';
        break;
      }
      case 'windows-registry-key': {
        const key = typeof object.key === 'string' ? object.key : undefined;
        const values = Array.isArray(object.values) ? object.values.filter(isObject) : [];
        for (const v of values) {
          if (key && typeof v.name === 'string' && typeof v.data_type === 'string') candidates.push({ type: 'Registry Key', slots: { value1: key, value2: v.name, value3: v.data_type } });
        }
        if (candidates.length === 0) why = 'a Cairn Registry Key is a key with a value\'s name and data type';
        break;
      }
      case 'network-traffic': {
        const extensions = isObject(object.extensions) ? object.extensions : {};
        const http = isObject(extensions['http-request-ext']) ? extensions['http-request-ext'] : undefined;
        const headers = http && isObject(http.request_header) ? http.request_header : {};
        const agent = Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1];
        if (typeof agent === 'string') candidates.push({ type: 'User Agent', slots: { value1: agent } });
        else why = 'only an HTTP request\'s User-Agent header is read from network traffic';
        break;
      }
      default:
        why = `Cairn has no indicator type for ${stixType}`;
    }
    if (candidates.length === 0) return [this.#problem(index, 'indicator', ITEM_ERROR_CODES.invalidIndicator, `The ${stixType} ${id} was not imported: ${why}.`, object)];
    const out: StixReadResult[] = [];
    const refs: string[] = [];
    for (const candidate of candidates) {
      const found = normalizedIndicator(candidate.type, candidate.slots);
      if ('problem' in found) { out.push(this.#problem(index, 'indicator', ITEM_ERROR_CODES.invalidIndicator, `The ${stixType} ${id}: ${found.problem}.`, object)); continue; }
      const key = own(`${found.type}\u0000${found.summary}`);
      refs.push(key);
      // Held until the end: copied, so that it keeps none of the input's text alive.
      if (!this.#emitted.has(key) && !this.#observables.has(key)) this.#observables.set(key, [index, JSON.parse(JSON.stringify(this.#indicatorItem(object, found))) as IndicatorItem]);
    }
    this.#refs.set(own(id), refs.length === 1 ? refs[0]! : own(refs.join('\u0001')));
    return out;
  }
}

/**
 * Reads a STIX 2.1 bundle from `input` and yields its items and problems as it goes (see the
 * module comment). The generator ends after the last association; a `file` problem (not a bundle,
 * malformed JSON, past `maxBytes`) ends it early, after the items already yielded.
 */
export async function* readStixBundle(input: Readable, options: StixReadOptions): AsyncGenerator<StixReadResult> {
  const maxObjectBytes = options.maxObjectBytes ?? 4 * 1024 * 1024;
  const fileProblem = (reason: string): ItemProblem => ({ index: 0, kind: 'file', code: ITEM_ERROR_CODES.jsonSyntax, severity: 'Error', reason, source: '' });
  // The tokenizer itself (not its stream wrapper): a syntax error loses nothing already read.
  const tokenize = jsonParser({ packValues: true, streamValues: false, jsonStreaming: false });
  const decoder = new StringDecoder('utf8');
  // The tokenizer answers nothing (a symbol), one token, or several (`{values: [...]}`).
  const tokensOf = (out: unknown): Token[] => {
    if (typeof out !== 'object' || out === null) return [];
    const values = (out as { values?: unknown }).values;
    return Array.isArray(values) ? (values as Token[]) : [out as Token];
  };

  const mapper = new StixMapper();
  // Where the reader is: before the top object, in it (depth 1), skipping a value, in `objects`, in one object.
  let state: 'start' | 'top' | 'key' | 'skip' | 'objects' | 'object' | 'skipElement' | 'end' = 'start';
  let pendingKey = '';
  let skipDepth = 0;
  let bundleType: string | undefined;
  let sawObjects = false;
  let index = 0;
  let assembler: Assembler | undefined;
  let objectBytes = 0;
  let bytes = 0;
  let flushed = false;
  const iterator = input[Symbol.asyncIterator]();
  try {
    while (!flushed) {
      let batch: Token[];
      const next = await iterator.next();
      if (next.done) {
        flushed = true;
        const rest = decoder.end();
        batch = rest === '' ? [] : tokensOf(tokenize(rest as never));
        // The end of the input (stream-chain's `none`, a registered symbol): the tokenizer then refuses a truncated text.
        batch.push(...tokensOf(tokenize(Symbol.for('object-stream.none') as never)));
      } else {
        const chunk = next.value as Buffer | string;
        bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        if (bytes > options.maxBytes) {
          yield fileProblem(`The bundle is larger than the limit of ${options.maxBytes} bytes; the objects after that point were not read.`);
          yield* mapper.finish();
          return;
        }
        let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
        if (bytes === (typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length) && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        batch = tokensOf(tokenize(text as never));
      }
      for (const token of batch) {
        switch (state) {
          case 'start':
            if (token.name !== 'startObject') { yield fileProblem('The upload is not a STIX bundle: a bundle is a JSON object {"type":"bundle","objects":[…]}.'); return; }
            state = 'top';
            break;
          case 'top':
            if (token.name === 'keyValue') { pendingKey = String(token.value); state = 'key'; }
            else if (token.name === 'endObject') state = 'end';
            break;
          case 'key':
            if (pendingKey === 'type' && token.name === 'stringValue') {
              bundleType = String(token.value);
              if (bundleType !== 'bundle') { yield fileProblem(`The upload is not a STIX bundle: its type is "${bundleType.slice(0, 50)}", not "bundle".`); return; }
              state = 'top';
            } else if (pendingKey === 'objects' && token.name === 'startArray') {
              if (bundleType !== undefined && bundleType !== 'bundle') return;
              sawObjects = true;
              state = 'objects';
            } else if (token.name === 'startObject' || token.name === 'startArray') {
              if (pendingKey === 'objects') { yield fileProblem('The bundle\'s "objects" is not an array.'); return; }
              skipDepth = 1;
              state = 'skip';
            } else {
              if (pendingKey === 'objects') { yield fileProblem('The bundle\'s "objects" is not an array.'); return; }
              state = 'top';
            }
            break;
          case 'skip':
            if (token.name === 'startObject' || token.name === 'startArray') skipDepth++;
            else if (token.name === 'endObject' || token.name === 'endArray') { skipDepth--; if (skipDepth === 0) state = 'top'; }
            break;
          case 'objects':
            if (token.name === 'endArray') { state = 'top'; break; }
            if (token.name === 'startObject') {
              assembler = new Assembler();
              assembler.consume(token as never);
              objectBytes = 2;
              state = 'object';
              break;
            }
            if (token.name === 'startArray') {
              yield { index, kind: 'group', code: ITEM_ERROR_CODES.jsonSyntax, severity: 'Error', reason: `Object ${index} of the bundle is not a JSON object.`, source: '[…]' };
              skipDepth = 1;
              state = 'skipElement';
              break;
            }
            for (const result of mapper.map(token.value, index)) yield result;
            index++;
            break;
          case 'object': {
            objectBytes += typeof token.value === 'string' ? token.value.length + 3 : 1;
            if (objectBytes > maxObjectBytes) {
              // Too large to hold: reported, and its remaining tokens skipped.
              yield { index, kind: 'group', code: ITEM_ERROR_CODES.general, severity: 'Error', reason: `Object ${index} of the bundle is larger than ${maxObjectBytes} bytes and was not imported.`, source: sourceOf(assembler!.stack[0] ?? assembler!.current) };
              skipDepth = assembler!.depth;
              assembler = undefined;
              state = 'skipElement';
              // This token counts in the skip.
              if (token.name === 'startObject' || token.name === 'startArray') skipDepth++;
              else if (token.name === 'endObject' || token.name === 'endArray') skipDepth--;
              if (skipDepth === 0) { index++; state = 'objects'; }
              break;
            }
            assembler!.consume(token as never);
            if (assembler!.done) {
              const object = assembler!.current;
              assembler = undefined;
              for (const result of mapper.map(object, index)) yield result;
              index++;
              state = 'objects';
            }
            break;
          }
          case 'skipElement':
            if (token.name === 'startObject' || token.name === 'startArray') skipDepth++;
            else if (token.name === 'endObject' || token.name === 'endArray') {
              skipDepth--;
              if (skipDepth === 0) { index++; state = 'objects'; }
            }
            break;
          case 'end':
            break;
        }
      }
    }
  } catch (error) {
    if (error instanceof Error && /^Parser/.test(error.message)) {
      yield fileProblem('The upload is not valid JSON (the objects read before the error were kept).');
      yield* mapper.finish();
      return;
    }
    throw error;
  } finally {
    await iterator.return?.();
  }
  if (state === 'start' || (!sawObjects && bundleType !== 'bundle')) { yield fileProblem('The upload is not a STIX bundle: a bundle is a JSON object {"type":"bundle","objects":[…]}.'); return; }
  if (state !== 'end') yield fileProblem('The upload ended before the bundle did: it is not valid JSON (the objects read before the end were kept).');
  yield* mapper.finish();
}

/**
 * Whether the start of a file (its first few KiB, as text) looks like a STIX bundle: a JSON object
 * whose `type` is `bundle` (for `cairn import`'s format detection).
 */
export function looksLikeStixBundle(start: string): boolean {
  return /^\uFEFF?\s*\{/.test(start) && /"type"\s*:\s*"bundle"/.test(start);
}

/** Every item and problem of a bundle, in arrays (for small bundles and tests). */
export async function readWholeStixBundle(input: Readable, options: StixReadOptions): Promise<{ items: ImportItem[]; problems: ItemProblem[] }> {
  const items: ImportItem[] = [];
  const problems: ItemProblem[] = [];
  for await (const result of readStixBundle(input, options)) {
    if (isItemProblem(result)) problems.push(result); else items.push(result);
  }
  return { items, problems };
}
