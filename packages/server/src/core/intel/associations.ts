/**
 * Association rules (spec threatconnect.md §5.3, §7.5, §7.6, §9 "Associations"): which things may
 * be associated, and how an indicator ↔ indicator pair is typed. Indicators associate with each
 * other only through a named association type (`association_types`, seeded by migration 0008):
 * the type has a source and a target indicator type, and the pair is stored from the source to the
 * target whichever side linked it. Both the v3 engine (nested `associatedIndicators`) and the v2
 * routes (`/v2/types/associationTypes`, `…/associations/{apiBranch}/indicators`) read these rules.
 */
import type { Kysely } from 'kysely';
import { CairnError } from '../errors.js';

export interface AssociationType {
  /** As `/v2/types/associationTypes` names it (`DNS PTR Record`). */
  name: string;
  /** The v2 path segment (`/associations/dnsPtrRecord/indicators`). */
  apiBranch: string;
  /** The indicator type the association is stored from, and the one it points to. */
  sourceType: string;
  targetType: string;
  /** The target is a file the source delivered (File Download). */
  fileAction: boolean;
}

/**
 * The association types (the rows migration 0008 seeds into `association_types`; a test checks the
 * two agree). Each unordered pair of indicator types has at most one, so a pair names its type.
 */
export const ASSOCIATION_TYPES: readonly AssociationType[] = Object.freeze([
  { name: 'Address to User Agent', apiBranch: 'addressToUserAgent', sourceType: 'Address', targetType: 'User Agent', fileAction: false },
  { name: 'ASN to Address', apiBranch: 'asnToAddress', sourceType: 'ASN', targetType: 'Address', fileAction: false },
  { name: 'ASN to CIDR', apiBranch: 'asnToCidr', sourceType: 'ASN', targetType: 'CIDR', fileAction: false },
  { name: 'CIDR to Address', apiBranch: 'cidrToAddress', sourceType: 'CIDR', targetType: 'Address', fileAction: false },
  { name: 'DNS PTR Record', apiBranch: 'dnsPtrRecord', sourceType: 'Address', targetType: 'Host', fileAction: false },
  { name: 'Domain Registrant', apiBranch: 'domainRegistrant', sourceType: 'Host', targetType: 'EmailAddress', fileAction: false },
  { name: 'File Download', apiBranch: 'fileDownload', sourceType: 'URL', targetType: 'File', fileAction: true },
  { name: 'URL Host', apiBranch: 'urlHost', sourceType: 'URL', targetType: 'Host', fileAction: false },
].map((type) => Object.freeze(type)));

/** The message ThreatConnect answers (0x1001) for a pair no association type allows (spec §7.6). */
export const ASSOCIATION_NOT_APPLICABLE = 'Association cannot be applied to the indicator types.';

/** Longest association type name or api branch read from a request. */
const MAX_TYPE_NAME = 100;

/**
 * The association type `name` names, by its name or its api branch, ignoring case; undefined when
 * none does.
 */
export function associationTypeNamed(name: string): AssociationType | undefined {
  if (name.length > MAX_TYPE_NAME) return undefined;
  const wanted = name.trim().toLowerCase();
  return ASSOCIATION_TYPES.find((t) => t.name.toLowerCase() === wanted || t.apiBranch.toLowerCase() === wanted);
}

/**
 * The association type that may link an indicator of `sourceType` with one of `targetType`, in
 * either order; `reversed` is true when the type points from `targetType` to `sourceType` (the
 * pair is then stored the other way round). Undefined when no type allows the pair.
 */
export function associationTypeFor(sourceType: string, targetType: string): { type: AssociationType; reversed: boolean } | undefined {
  for (const type of ASSOCIATION_TYPES) {
    if (type.sourceType === sourceType && type.targetType === targetType) return { type, reversed: false };
  }
  for (const type of ASSOCIATION_TYPES) {
    if (type.sourceType === targetType && type.targetType === sourceType) return { type, reversed: true };
  }
  return undefined;
}

/**
 * How a link between indicators of the two types is stored: its type and direction. `named` (an
 * item's `associationType`, by name or api branch) must be that type when given. A pair no type
 * allows, or a named type that does not fit it, is ThreatConnect's 0x1001.
 */
export function indicatorAssociation(fromType: string, toType: string, named?: unknown): { type: AssociationType; reversed: boolean } {
  const found = associationTypeFor(fromType, toType);
  if (named !== undefined && named !== null) {
    const wanted = typeof named === 'string' ? associationTypeNamed(named) : undefined;
    if (!wanted) {
      throw new CairnError('bad-request', `Unknown association type "${String(named).slice(0, MAX_TYPE_NAME)}"; one of ${ASSOCIATION_TYPES.map((t) => t.apiBranch).join(', ')}.`);
    }
    if (found?.type !== wanted) throw new CairnError('bad-request', ASSOCIATION_NOT_APPLICABLE);
  }
  if (!found) throw new CairnError('bad-request', ASSOCIATION_NOT_APPLICABLE);
  return found;
}

/** The stored id of an association type (the `association_types` row of that name). */
export async function associationTypeId(db: Kysely<any>, type: AssociationType): Promise<number> {
  const row = await db.selectFrom('association_types').select('id').where('name', '=', type.name).executeTakeFirst();
  if (!row) throw new Error(`The association type "${type.name}" is not in association_types.`);
  return Number(row.id);
}

/** An indicator associated with another, as the v2 `associations/{apiBranch}/indicators` routes list them. */
export interface AssociatedIndicator { indicatorId: number; type: AssociationType }

/**
 * The indicators associated with `indicatorId` (from either side of the pair), among `ownerIds`,
 * optionally through one association type only; ordered by id.
 */
export async function associatedIndicators(db: Kysely<any>, indicatorId: number, ownerIds: readonly number[], only?: AssociationType): Promise<AssociatedIndicator[]> {
  if (ownerIds.length === 0) return [];
  const side = async (own: 'indicator_id' | 'associated_indicator_id', other: 'indicator_id' | 'associated_indicator_id') => {
    let query = db.selectFrom('indicator_indicators as ii')
      .innerJoin('indicators as i', 'i.id', `ii.${other}`)
      .innerJoin('association_types as at', 'at.id', 'ii.association_type_id')
      .select(['i.id as id', 'at.name as type'])
      .where(`ii.${own}`, '=', indicatorId)
      .where('i.owner_id', 'in', [...ownerIds]);
    if (only) query = query.where('at.name', '=', only.name);
    return query.execute();
  };
  const rows = [...await side('indicator_id', 'associated_indicator_id'), ...await side('associated_indicator_id', 'indicator_id')];
  const byName = new Map(ASSOCIATION_TYPES.map((t) => [t.name, t]));
  return rows
    .map((row: any) => ({ indicatorId: Number(row.id), type: byName.get(String(row.type))! }))
    .filter((a) => a.type !== undefined)
    .sort((a, b) => a.indicatorId - b.indicatorId);
}
