/**
 * Cairn intelligence as STIX 2.1 objects (issue 10): one stored indicator or group, with its tags,
 * security labels, attributes and associations (the rows below), becomes the STIX objects that
 * carry it. Every function is pure: the same row gives the same objects, key for key, so an export
 * is the same bytes for the same data (export.ts) and the TAXII surface serves the same objects.
 *
 * Identity (the rule of deterministic ids): every id is a UUID v5 under CAIRN_STIX_NAMESPACE over
 * the object's identity, never a database id:
 * - an indicator: `indicator--v5("indicator|<owner name>|<type>|<summary>")` (the normalised value);
 * - a group: its xid when the xid already is a STIX id of the type the group exports as (a group
 *   imported from STIX keeps the id it came with), else `<stix type>--v5("group|<owner name>|<type>|<xid>")`;
 * - the owner: `identity--v5("identity|<owner name>")`, every object's `created_by_ref`;
 * - a relationship: `relationship--v5("relationship|<source id>|<relationship type>|<target id>")`;
 * - the TLP labels: the four marking-definitions of the STIX 2.1 specification (fixed ids).
 * So the owner's name is part of every id: an export imported into an owner of the same name (in
 * another Cairn) and exported again gives the same ids; into an owner of another name, other ids.
 *
 * What an object carries (and the importer, import.ts, reads back the same way):
 * - `created` / `modified`: the item's date_added / last_modified (ms precision, as STIX asks);
 * - tags → `labels` (sorted); TLP security labels → `object_marking_refs` (other labels are the
 *   owner's own and are not exported);
 * - the first Description attribute (by value) → `description`; Aliases (on types with aliases)
 *   → `aliases`; Reference Link → `external_references[{source_name:"Reference Link",url}]`;
 *   External ID → `external_references[{source_name:"External ID",external_id}]`; every other
 *   attribute → `x_cairn_attributes[{type,value}]` (sorted by type, value);
 * - an indicator: an `indicator` SDO whose `pattern` is its value (pattern.ts), `name` its summary,
 *   `valid_from` its date_added, `confidence`, `x_cairn_rating`, and in `x_cairn_fields` a Host's
 *   dnsActive / whoisActive, a File's size, first / last seen (when set); no SCO is written beside it (the
 *   pattern says it all, and the import maps SCOs and patterns to the same indicators);
 * - a group: the SDO its type maps to (GROUP_STIX_TYPES), `name`, the STIX properties its fields
 *   fill (`first_seen`, `last_seen`, `published`, `is_family`), and its other type fields in
 *   `x_cairn_fields`; a Signature is an `indicator` SDO with its text as the pattern and its file
 *   type as `pattern_type`; a Report's `object_refs` are the groups and indicators associated with
 *   it (the owner's identity when none: STIX requires one);
 * - associations → `relationship` objects, dated by their source's date_added (indicator → group `indicates` or `related-to`; group ↔
 *   group `related-to`, written once, from the lower id; indicator ↔ indicator `related-to` with
 *   `x_cairn_association_type`, written from the association type's source).
 */
import { v5 as uuidv5 } from 'uuid';
import { GROUP_TYPE_FIELDS, groupTypeNamed, type GroupTypeFieldName } from '../../intel/group-types.js';
import { indicatorPattern } from './pattern.js';

/** The namespace of every Cairn STIX id (a fixed random UUID: never change it, ids depend on it). */
export const CAIRN_STIX_NAMESPACE = 'ddea4e4d-88dc-43a1-aafa-7b6afee236eb';

/** The `created` / `modified` of the owner's identity (a constant: an identity has no stored date). */
export const STIX_EPOCH = '1970-01-01T00:00:00.000Z';

/** A STIX object as written: plain JSON, keys in the order they are built. */
export type StixObject = Record<string, unknown> & { type: string; id: string };

/** The TLP 1.0 marking-definitions of the STIX 2.1 specification (§7.2.1.4), by Cairn's label name. */
export const TLP_MARKINGS: Readonly<Record<string, StixObject>> = Object.freeze(Object.fromEntries(([
  ['TLP:WHITE', 'white', '613f2e26-407d-48c7-9eca-b8e91df99dc9'],
  ['TLP:GREEN', 'green', '34098fce-860f-48ae-8e50-ebd3cc5e41da'],
  ['TLP:AMBER', 'amber', 'f88d31f6-486f-44da-b317-01333bde0b82'],
  ['TLP:RED', 'red', '5e57c739-391a-4eb3-b6be-7d15ca92d5ed'],
] as const).map(([label, tlp, uuid]) => [label, Object.freeze({
  type: 'marking-definition', spec_version: '2.1', id: `marking-definition--${uuid}`, created: '2017-01-20T00:00:00.000Z',
  definition_type: 'tlp', name: label, definition: { tlp },
})])));

/** The Cairn label of a TLP marking-definition id (the four of STIX 2.1), or undefined. */
export function tlpLabelOfMarking(id: string): string | undefined {
  return Object.values(TLP_MARKINGS).find((m) => m.id === id)?.name as string | undefined;
}

/** The STIX type each Cairn group type exports as (and imports from). */
export const GROUP_STIX_TYPES: Readonly<Record<string, string>> = Object.freeze({
  Adversary: 'threat-actor',
  'Attack Pattern': 'attack-pattern',
  Campaign: 'campaign',
  'Course of Action': 'course-of-action',
  'Intrusion Set': 'intrusion-set',
  Incident: 'incident',
  Malware: 'malware',
  Report: 'report',
  Signature: 'indicator',
  Tactic: 'x-mitre-tactic',
  Tool: 'tool',
  Vulnerability: 'vulnerability',
  // No STIX 2.1 object is one of these: Cairn's own object type, read back by Cairn.
  Document: 'x-cairn-group',
  Email: 'x-cairn-group',
  Event: 'x-cairn-group',
  Task: 'x-cairn-group',
  Threat: 'x-cairn-group',
});

/** The STIX `pattern_type` of each Signature file type (and back, in import.ts). */
export const SIGNATURE_PATTERN_TYPES: Readonly<Record<string, string>> = Object.freeze({
  'STIX Pattern': 'stix', Snort: 'snort', Suricata: 'suricata', YARA: 'yara', Sigma: 'sigma', Regex: 'pcre', SPL: 'spl',
  ClamAV: 'clamav', OpenIOC: 'openioc', CybOX: 'cybox', Bro: 'bro',
});

/** STIX types with `aliases`, `first_seen` / `last_seen`. */
const WITH_ALIASES = new Set(['threat-actor', 'intrusion-set', 'campaign', 'malware', 'tool', 'attack-pattern', 'x-mitre-tactic']);
const WITH_SEEN = new Set(['threat-actor', 'intrusion-set', 'campaign', 'malware']);
/** The targets an indicator `indicates` (STIX 2.1 §5.8 relationships); `related-to` otherwise. */
const INDICATED = new Set(['attack-pattern', 'campaign', 'infrastructure', 'intrusion-set', 'malware', 'threat-actor', 'tool']);

const STIX_ID = /^([a-z0-9][a-z0-9-]{1,248}[a-z0-9])--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Whether `id` is a STIX identifier (`type--uuid`, lower case); with `type`, of that type. */
export function isStixId(id: unknown, type?: string): id is string {
  if (typeof id !== 'string') return false;
  const match = STIX_ID.exec(id);
  return match !== null && (type === undefined || match[1] === type);
}

/** `<stixType>--` a UUID v5 over `parts` joined by `|`. */
export function stixIdFor(stixType: string, ...parts: string[]): string {
  return `${stixType}--${uuidv5(parts.join('|'), CAIRN_STIX_NAMESPACE)}`;
}

export const identityStixId = (ownerName: string) => stixIdFor('identity', 'identity', ownerName);
export const indicatorStixId = (ownerName: string, type: string, summary: string) => stixIdFor('indicator', 'indicator', ownerName, type, summary);
export function groupStixId(ownerName: string, type: string, xid: string): string {
  const stixType = GROUP_STIX_TYPES[type] ?? 'x-cairn-group';
  return isStixId(xid, stixType) ? xid : stixIdFor(stixType, 'group', ownerName, type, xid);
}
export const relationshipStixId = (sourceId: string, relationshipType: string, targetId: string) =>
  stixIdFor('relationship', 'relationship', sourceId, relationshipType, targetId);

// ---------------------------------------------------------------------------------------------
// The rows the renderer takes (read by rows.ts, or by anyone holding the same data).

export interface StixAttributeRow { type: string; value: string }
/** A group at the other end of an association. */
export interface StixGroupRef { type: string; xid: string }
/** An indicator at the other end of an association; `associationType` for indicator ↔ indicator. */
export interface StixIndicatorRef { type: string; summary: string; associationType?: string; /** this row is the association type's source */ outgoing?: boolean }

interface StixRowCommon {
  /** The stored id (not exported; the reader's keyset). */
  id: number;
  ownerName: string;
  type: string;
  /** Stored times (`2026-11-23T16:06:32Z`). */
  dateAdded: string;
  lastModified: string;
  tags: string[];
  securityLabels: string[];
  attributes: StixAttributeRow[];
  /** Associated groups. */
  groups: StixGroupRef[];
}

export interface StixIndicatorRow extends StixRowCommon {
  summary: string;
  value1: string | null;
  value2: string | null;
  value3: string | null;
  rating: number | null;
  confidence: number | null;
  /** Indicator ↔ indicator associations (with their association type). */
  indicators: StixIndicatorRef[];
  /** The type's own fields when set (a Host's dnsActive / whoisActive, a File's size) and first / last seen: `x_cairn_fields`. */
  extras?: { dnsActive?: boolean; whoisActive?: boolean; size?: number; firstSeen?: string; lastSeen?: string };
}

export interface StixGroupRow extends StixRowCommon {
  xid: string;
  name: string;
  /** The type's stored fields by v3 name (`eventDate`, `status`, `fileText`, `firstSeen`, `lastSeen`, …); null when unset. */
  fields: Partial<Record<GroupTypeFieldName | 'firstSeen' | 'lastSeen', string | number | null>>;
  /** Associated indicators (read for Reports: their `object_refs`; the relationships come from the indicators' side). */
  indicators: StixIndicatorRef[];
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** A stored time as a STIX timestamp (UTC, millisecond precision); an unparseable one as given. */
export function stixTime(stored: string): string {
  const date = new Date(stored);
  return Number.isNaN(date.getTime()) ? stored : date.toISOString();
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (values: Iterable<string>) => [...new Set(values)].sort(compare);

/** The owner as a STIX identity (every exported object's creator). */
export function stixIdentityObject(ownerName: string): StixObject {
  return {
    type: 'identity', spec_version: '2.1', id: identityStixId(ownerName), created: STIX_EPOCH, modified: STIX_EPOCH,
    name: ownerName, identity_class: 'organization',
  };
}

/** The marking-definitions a row's labels name (TLP only), sorted by id. */
export function stixMarkingsOf(row: { securityLabels: readonly string[] }): StixObject[] {
  return sortedUnique(row.securityLabels.filter((l) => TLP_MARKINGS[l] !== undefined)).map((l) => TLP_MARKINGS[l]!).sort((a, b) => compare(a.id, b.id));
}

/**
 * The properties of a row every object has: `head` (creator and dates, before the name) and
 * `tail` (description, aliases, labels, references, markings, other attributes, after it).
 */
function commonProperties(row: StixRowCommon, stixType: string): { head: Record<string, unknown>; tail: Record<string, unknown> } {
  const attributes = [...row.attributes].sort((a, b) => compare(a.type, b.type) || compare(a.value, b.value));
  const description = attributes.find((a) => a.type === 'Description');
  const aliases = WITH_ALIASES.has(stixType) ? attributes.filter((a) => a.type === 'Aliases') : [];
  const references: Record<string, unknown>[] = [];
  const others: StixAttributeRow[] = [];
  for (const attribute of attributes) {
    if (attribute === description || aliases.includes(attribute)) continue;
    if (attribute.type === 'Reference Link') references.push({ source_name: 'Reference Link', url: attribute.value });
    else if (attribute.type === 'External ID') references.push({ source_name: 'External ID', external_id: attribute.value });
    else others.push({ type: attribute.type, value: attribute.value });
  }
  const markings = stixMarkingsOf(row).map((m) => m.id);
  const labels = sortedUnique(row.tags);
  return {
    head: { created_by_ref: identityStixId(row.ownerName), created: stixTime(row.dateAdded), modified: stixTime(row.lastModified) },
    tail: {
      ...(description ? { description: description.value } : {}),
      ...(aliases.length > 0 ? { aliases: aliases.map((a) => a.value) } : {}),
      ...(labels.length > 0 ? { labels } : {}),
      ...(references.length > 0 ? { external_references: references } : {}),
      ...(markings.length > 0 ? { object_marking_refs: markings } : {}),
      ...(others.length > 0 ? { x_cairn_attributes: others } : {}),
    },
  };
}

/** The relationship_type of an indicator → group relationship, by the group's STIX id: `indicates` or `related-to`. */
export function indicatorRelationshipType(targetId: string): 'indicates' | 'related-to' {
  return INDICATED.has(targetId.slice(0, targetId.indexOf('--'))) ? 'indicates' : 'related-to';
}

/** A relationship from an exported object; created/modified its source's date_added (links keep no date). */
function relationship(ownerName: string, sourceId: string, relationshipType: string, targetId: string, created: string, extra: Record<string, unknown> = {}): StixObject {
  return {
    type: 'relationship', spec_version: '2.1', id: relationshipStixId(sourceId, relationshipType, targetId),
    created_by_ref: identityStixId(ownerName), created, modified: created,
    relationship_type: relationshipType, source_ref: sourceId, target_ref: targetId, ...extra,
  };
}

/**
 * One stored indicator as STIX: its `indicator` SDO, then a relationship per associated group
 * (sorted by id) and per indicator ↔ indicator association it is the source of. Nothing for a
 * type with no pattern (none of Cairn's today).
 */
export function stixIndicatorObjects(row: StixIndicatorRow): StixObject[] {
  const pattern = indicatorPattern(row.type, row);
  if (pattern === undefined) return [];
  const id = indicatorStixId(row.ownerName, row.type, row.summary);
  const common = commonProperties(row, 'indicator');
  const sdo: StixObject = {
    type: 'indicator', spec_version: '2.1', id,
    ...common.head,
    name: row.summary,
    ...common.tail,
    pattern, pattern_type: 'stix', pattern_version: '2.1',
    valid_from: stixTime(row.dateAdded),
    ...(row.confidence !== null && row.confidence !== undefined ? { confidence: Math.max(0, Math.min(100, Math.trunc(Number(row.confidence)))) } : {}),
    ...(row.rating !== null && row.rating !== undefined ? { x_cairn_rating: Number(row.rating) } : {}),
  };
  const extras = row.extras ?? {};
  const fields = Object.fromEntries((['dnsActive', 'firstSeen', 'lastSeen', 'size', 'whoisActive'] as const).filter((k) => extras[k] !== undefined).map((k) => [k, extras[k]]));
  if (Object.keys(fields).length > 0) sdo.x_cairn_fields = fields;
  const created = stixTime(row.dateAdded);
  const relationships: StixObject[] = [];
  for (const group of row.groups) {
    const targetId = groupStixId(row.ownerName, group.type, group.xid);
    relationships.push(relationship(row.ownerName, id, indicatorRelationshipType(targetId), targetId, created));
  }
  for (const other of row.indicators) {
    if (!other.outgoing || !other.associationType) continue;
    const targetId = indicatorStixId(row.ownerName, other.type, other.summary);
    relationships.push(relationship(row.ownerName, id, 'related-to', targetId, created, { x_cairn_association_type: other.associationType }));
  }
  relationships.sort((a, b) => compare(a.id, b.id));
  return [sdo, ...relationships];
}

/** The STIX properties a group's fields fill, and the rest as `x_cairn_fields` (sorted keys). */
function groupFields(row: StixGroupRow, stixType: string): { properties: Record<string, unknown>; rest: Record<string, unknown> } {
  const type = groupTypeNamed(row.type);
  const properties: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => { if (value !== null && value !== undefined && value !== '') rest[key] = value; };
  for (const name of type?.fields ?? []) {
    // A document's archive password goes with a malware document only (which cannot be stored without it).
    if (name === 'password' && Number(row.fields.malware ?? 0) !== 1) continue;
    if (name === 'status' && type?.statusReadOnly) continue; // follows the file, which is not exported
    if (name === 'publishDate' && stixType === 'report') continue;
    if (name === 'fileText' && stixType === 'indicator') continue;
    if (name === 'fileType' && stixType === 'indicator') continue;
    const value = row.fields[name];
    set(name, name === 'malware' && value !== null && value !== undefined ? Number(value) === 1 : value);
  }
  for (const name of ['firstSeen', 'lastSeen'] as const) {
    const value = row.fields[name];
    if (value === null || value === undefined || value === '') continue;
    if (WITH_SEEN.has(stixType)) properties[name === 'firstSeen' ? 'first_seen' : 'last_seen'] = stixTime(String(value));
    else set(name, value);
  }
  const sortedRest = Object.fromEntries(Object.keys(rest).sort(compare).map((k) => [k, rest[k]]));
  return { properties, rest: sortedRest };
}

/**
 * One stored group as STIX: its SDO, then a relationship per associated group whose id is greater
 * than its own (so a pair is written once), sorted by id.
 */
export function stixGroupObjects(row: StixGroupRow): StixObject[] {
  const id = groupStixId(row.ownerName, row.type, row.xid);
  const stixType = id.slice(0, id.indexOf('--'));
  const common = commonProperties(row, stixType);
  const { properties, rest } = groupFields(row, stixType);
  const sdo: StixObject = { type: stixType, spec_version: '2.1', id, ...common.head, name: row.name, ...common.tail, ...properties };
  if (stixType === 'malware') sdo.is_family = true;
  if (stixType === 'indicator') {
    const fileType = String(row.fields.fileType ?? '');
    sdo.pattern = String(row.fields.fileText ?? '');
    sdo.pattern_type = SIGNATURE_PATTERN_TYPES[fileType] ?? fileType.toLowerCase();
    if (sdo.pattern_type === 'stix') sdo.pattern_version = '2.1';
    sdo.valid_from = stixTime(row.dateAdded);
  }
  if (stixType === 'report') {
    sdo.published = stixTime(String(row.fields.publishDate ?? row.dateAdded));
    const refs = sortedUnique([
      ...row.groups.map((g) => groupStixId(row.ownerName, g.type, g.xid)),
      ...row.indicators.map((i) => indicatorStixId(row.ownerName, i.type, i.summary)),
    ]);
    sdo.object_refs = refs.length > 0 ? refs : [identityStixId(row.ownerName)];
  }
  if (stixType === 'x-cairn-group') sdo.x_cairn_type = row.type;
  if (Object.keys(rest).length > 0) sdo.x_cairn_fields = rest;
  const created = stixTime(row.dateAdded);
  const relationships: StixObject[] = [];
  for (const group of row.groups) {
    const otherId = groupStixId(row.ownerName, group.type, group.xid);
    if (otherId <= id) continue;
    relationships.push(relationship(row.ownerName, id, 'related-to', otherId, created));
  }
  relationships.sort((a, b) => compare(a.id, b.id));
  return [sdo, ...relationships];
}

/** The field names a group of `type` may carry in `x_cairn_fields` (import.ts reads these). */
export function groupFieldNames(type: string): string[] {
  const groupType = groupTypeNamed(type);
  return [...(groupType?.fields ?? []), 'firstSeen', 'lastSeen'];
}

export { GROUP_TYPE_FIELDS };
