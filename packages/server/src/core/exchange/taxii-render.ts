/**
 * The STIX 2.1 form of the rows a TAXII collection serves. The objects, their ids and the mapping
 * of Cairn types to STIX types are core/exchange/stix's (render.ts); this module only adapts the
 * rows TAXII pages over to it.
 */
import { v5 as uuidv5 } from 'uuid';

import type { Kysely } from 'kysely';

/** What paging and id look-up read of an indicator or a group (its identity and its times). */
export interface IndicatorRow { kind: 'indicator'; ownerName: string; id: number; type: string; summary: string; date_added: string; last_modified: string }
export interface GroupRow { kind: 'group'; ownerName: string; id: number; type: string; xid: string; date_added: string; last_modified: string }
/** The owner itself, as the STIX identity every object names as its creator (`created_by_ref`). */
export interface IdentityRow { kind: 'identity'; ownerName: string; id: 0; date_added: string; last_modified: string }
export type TaxiiRow = IndicatorRow | GroupRow | IdentityRow;

/** The identity's one version (a constant: an owner keeps no date of its own). */
export const IDENTITY_TIME = '1970-01-01T00:00:00Z';
export const identityRowOf = (ownerName: string): IdentityRow => ({ kind: 'identity', ownerName, id: 0, date_added: IDENTITY_TIME, last_modified: IDENTITY_TIME });

export const INDICATOR_KEY_COLUMNS = ['id', 'type', 'summary', 'date_added', 'last_modified'] as const;
export const GROUP_KEY_COLUMNS = ['id', 'type', 'xid', 'date_added', 'last_modified'] as const;

const NAMESPACE = '9c1d8f0e-4b7a-5d2c-8e3f-6a1b2c3d4e5f';

const GROUP_STIX_TYPES: Readonly<Record<string, string>> = {
  Adversary: 'threat-actor', 'Attack Pattern': 'attack-pattern', Campaign: 'campaign', 'Course of Action': 'course-of-action',
  Document: 'report', Email: 'note', Event: 'observed-data', Incident: 'incident', 'Intrusion Set': 'intrusion-set', Malware: 'malware',
  Report: 'report', Signature: 'indicator', Tactic: 'x-mitre-tactic', Task: 'note', Threat: 'threat-actor', Tool: 'tool', Vulnerability: 'vulnerability',
};

export function groupStixType(type: string): string {
  return GROUP_STIX_TYPES[type] ?? 'grouping';
}

/** The Cairn group types each STIX type is rendered from. */
export const GROUP_TYPES_BY_STIX_TYPE: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const [cairn, stix] of Object.entries(GROUP_STIX_TYPES)) map.set(stix, [...(map.get(stix) ?? []), cairn]);
  return map;
})();

const STIX_ID = /^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function stixIdOf(row: TaxiiRow): string {
  if (row.kind === 'identity') return `identity--${uuidv5(`identity\u0000${row.ownerName}`, NAMESPACE)}`;
  if (row.kind === 'group') {
    const type = groupStixType(row.type);
    if (STIX_ID.test(row.xid) && row.xid.startsWith(`${type}--`)) return row.xid;
    return `${type}--${uuidv5(`${row.ownerName}\u0000group\u0000${row.type}\u0000${row.xid}`, NAMESPACE)}`;
  }
  return `indicator--${uuidv5(`${row.ownerName}\u0000indicator\u0000${row.type}\u0000${row.summary}`, NAMESPACE)}`;
}

/** A stored time as a STIX timestamp (millisecond precision). */
export function stixTime(stored: string): string {
  const date = new Date(stored);
  return Number.isNaN(date.getTime()) ? stored : date.toISOString();
}

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function patternOf(row: IndicatorRow): string {
  const v = row.summary;
  switch (row.type) {
    case 'Address': return v.includes(':') ? `[ipv6-addr:value = ${quote(v)}]` : `[ipv4-addr:value = ${quote(v)}]`;
    case 'CIDR': return v.includes(':') ? `[ipv6-addr:value = ${quote(v)}]` : `[ipv4-addr:value = ${quote(v)}]`;
    case 'Host': return `[domain-name:value = ${quote(v)}]`;
    case 'URL': return `[url:value = ${quote(v)}]`;
    case 'EmailAddress': return `[email-addr:value = ${quote(v)}]`;
    case 'ASN': return `[autonomous-system:number = ${Number(v.replace(/^ASN/i, '')) || 0}]`;
    case 'Mutex': return `[mutex:name = ${quote(v)}]`;
    case 'Registry Key': return `[windows-registry-key:key = ${quote(v)}]`;
    case 'File': {
      return `[file:hashes.'MD5' = ${quote(v)}]`;
    }
    default: return `[x-cairn-indicator:value = ${quote(v)}]`;
  }
}

/** The STIX objects of a page of the owner's rows, by `kind:id`. */
export async function renderTaxiiRows(db: Kysely<any>, owner: { id: number; name: string }, rows: readonly TaxiiRow[]): Promise<Map<string, Record<string, unknown>>> {
  const groupIds = rows.filter((r) => r.kind === 'group').map((r) => r.id);
  const names = groupIds.length === 0 ? [] : await db.selectFrom('groups').select(['id', 'name']).where('owner_id', '=', owner.id).where('id', 'in', groupIds).execute();
  const nameOf = new Map(names.map((r) => [Number(r.id), String(r.name)]));
  const objects = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    if (row.kind === 'identity') {
      objects.set('identity:0', { type: 'identity', spec_version: '2.1', id: stixIdOf(row), created: stixTime(IDENTITY_TIME), modified: stixTime(IDENTITY_TIME), name: row.ownerName, identity_class: 'organization' });
      continue;
    }
    const common = { type: row.kind === 'indicator' ? 'indicator' : groupStixType(row.type), spec_version: '2.1', id: stixIdOf(row), created: stixTime(row.date_added), modified: stixTime(row.last_modified) };
    objects.set(`${row.kind}:${row.id}`, row.kind === 'indicator'
      ? { ...common, name: row.summary, pattern: patternOf(row), pattern_type: 'stix', valid_from: stixTime(row.date_added) }
      : { ...common, name: nameOf.get(row.id) ?? row.xid });
  }
  return objects;
}
