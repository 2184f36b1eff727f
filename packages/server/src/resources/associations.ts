/**
 * The association collections of indicators, groups, cases and artifacts (spec §9 "Associations"),
 * declared once here and spread into each declaration's `collections`. Each association is one
 * relation seen from both sides: the same link table, its columns swapped on the other side
 * (group → indicators reads `indicator_groups` from `group_id`). From them the registry derives the
 * `has…()` sub-queries and the engine the nested writes (engine/associations.ts); the rules of
 * indicator ↔ indicator pairs live in core/intel/associations.ts.
 */
import { sql, type SqlBool } from 'kysely';
import { associationTypeId, indicatorAssociation } from '../core/intel/associations.js';
import { anyOfKeyword } from './define.js';
import type { LinkedCollection, TqlKeyword } from './types.js';

type Extra = Pick<LinkedCollection, 'createsTargets' | 'symmetric' | 'oriented'>;

function association(target: string, itemType: string, table: string, parentColumn: string, targetColumn: string, description: string, extra: Extra = {}): LinkedCollection {
  return { kind: 'linked', target, itemType, table, parentColumn, targetColumn, description, acrossOwners: true, ...extra };
}

/** Indicator ↔ indicator: stored from the association type's source to its target, the type inferred from the pair (or named by the item's `associationType`). */
const indicatorPairs: Extra = {
  createsTargets: true,
  oriented: {
    async orient(parent, target, item, ctx) {
      const { type, reversed } = indicatorAssociation(String(parent.type), String(target.type), item.associationType);
      return { reversed, columns: { association_type_id: await associationTypeId(ctx.db, type) } };
    },
  },
};

export const indicatorAssociations = {
  associatedGroups: association('groups', 'Group', 'indicator_groups', 'indicator_id', 'group_id', 'The groups associated with the indicator', { createsTargets: true }),
  associatedIndicators: association('indicators', 'Indicator', 'indicator_indicators', 'indicator_id', 'associated_indicator_id',
    'The indicators associated with the indicator through an association type (GET /v2/types/associationTypes)', indicatorPairs),
  associatedCases: association('cases', 'Case', 'case_indicators', 'indicator_id', 'case_id', 'The cases associated with the indicator'),
  associatedArtifacts: association('artifacts', 'Artifact', 'artifact_indicators', 'indicator_id', 'artifact_id', 'The artifacts associated with the indicator'),
} satisfies Record<string, LinkedCollection>;

export const groupAssociations = {
  associatedGroups: association('groups', 'Group', 'group_groups', 'group_id', 'associated_group_id', 'The groups associated with the group', { createsTargets: true, symmetric: true }),
  associatedIndicators: association('indicators', 'Indicator', 'indicator_groups', 'group_id', 'indicator_id', 'The indicators associated with the group', { createsTargets: true }),
  associatedCases: association('cases', 'Case', 'case_groups', 'group_id', 'case_id', 'The cases associated with the group'),
  associatedArtifacts: association('artifacts', 'Artifact', 'artifact_groups', 'group_id', 'artifact_id', 'The artifacts associated with the group'),
} satisfies Record<string, LinkedCollection>;

export const caseAssociations = {
  associatedCases: association('cases', 'Case', 'case_cases', 'case_id', 'associated_case_id', 'The cases associated with the case', { symmetric: true }),
  associatedGroups: association('groups', 'Group', 'case_groups', 'case_id', 'group_id', 'The groups associated with the case', { createsTargets: true }),
  associatedIndicators: association('indicators', 'Indicator', 'case_indicators', 'case_id', 'indicator_id', 'The indicators associated with the case', { createsTargets: true }),
} satisfies Record<string, LinkedCollection>;

export const artifactAssociations = {
  associatedGroups: association('groups', 'Group', 'artifact_groups', 'artifact_id', 'group_id', 'The groups associated with the artifact', { createsTargets: true }),
  associatedIndicators: association('indicators', 'Indicator', 'artifact_indicators', 'artifact_id', 'indicator_id', 'The indicators associated with the artifact', { createsTargets: true }),
} satisfies Record<string, LinkedCollection>;

/**
 * `associatedGroup EQ 11` (spec §8): the id of an associated object the caller can see, any of
 * which may match; through the collection's link table (both ways where the relation is oriented).
 */
function associatedIdKeyword(keyword: string, description: string, collection: LinkedCollection, targetTable: string): TqlKeyword {
  return anyOfKeyword(keyword, 'Integer', (alias, test, ownerIds) => {
    const link = `${alias}_al`;
    const other = `${alias}_ao`;
    const owned = ownerIds.length > 0 ? sql<SqlBool>`${sql.ref(`${other}.owner_id`)} in (${sql.join(ownerIds.map((id) => sql`${id}`))})` : sql<SqlBool>`1 = 0`;
    const through = (own: string, far: string) => sql<SqlBool>`${sql.ref(`${alias}.id`)} in (select ${sql.ref(`${link}.${own}`)} from ${sql.table(collection.table)} as ${sql.raw(link)} join ${sql.table(targetTable)} as ${sql.raw(other)} on ${sql.ref(`${other}.id`)} = ${sql.ref(`${link}.${far}`)} where ${owned} and ${test(sql.ref(`${other}.id`))})`;
    const forward = through(collection.parentColumn, collection.targetColumn);
    return collection.oriented ? sql<SqlBool>`(${forward} or ${through(collection.targetColumn, collection.parentColumn)})` : forward;
  }, description);
}

export const indicatorAssociationKeywords: TqlKeyword[] = [
  associatedIdKeyword('associatedGroup', 'The ID of a group associated with the indicator', indicatorAssociations.associatedGroups, 'groups'),
  associatedIdKeyword('associatedIndicator', 'The ID of an indicator associated with the indicator', indicatorAssociations.associatedIndicators, 'indicators'),
];

export const groupAssociationKeywords: TqlKeyword[] = [
  associatedIdKeyword('associatedGroup', 'The ID of a group associated with the group', groupAssociations.associatedGroups, 'groups'),
  associatedIdKeyword('associatedIndicator', 'The ID of an indicator associated with the group', groupAssociations.associatedIndicators, 'indicators'),
];

export const caseAssociationKeywords: TqlKeyword[] = [
  associatedIdKeyword('associatedCase', 'The ID of a case associated with the case', caseAssociations.associatedCases, 'cases'),
  associatedIdKeyword('associatedGroup', 'The ID of a group associated with the case', caseAssociations.associatedGroups, 'groups'),
  associatedIdKeyword('associatedIndicator', 'The ID of an indicator associated with the case', caseAssociations.associatedIndicators, 'indicators'),
];
