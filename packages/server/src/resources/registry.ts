/**
 * The set of v3 resources one engine serves. buildRegistry completes the declarations with what
 * needs every resource at hand (the `has…()` sub-queries join two of them); the result is passed
 * to the ResourceEngine and read by the v3 router. Nothing is filled in by importing a module.
 */
import { artifactTypes, securityLabels, securityOwners, tags } from './catalogue.js';
import { artifacts, cases, notes, tasks, workflowEvents } from './case-management.js';
import { sql, type SqlBool } from 'kysely';
import { attributeTypes, caseAttributes, groupAttributes, indicatorAttributes } from './attributes.js';
import { anyOfKeyword, childParent, keywordKey } from './define.js';
import { groups } from './groups.js';
import { indicators } from './indicators.js';
import type { NestedQuery, ResourceDefinition, TqlKeyword } from './types.js';

export interface ResourceRegistry {
  /** Every resource, by its path under /v3. */
  readonly resources: ReadonlyMap<string, ResourceDefinition>;
  /** The resource declared as `name`; a name no declaration has is a programming error. */
  named(name: string): ResourceDefinition;
}

/** `WorkflowEvent` → `Workflow Event`. */
const words = (itemType: string) => itemType.replace(/(?<=[a-z])(?=[A-Z])/g, ' ');

/**
 * The `has…()` sub-queries of a resource: one per parent (`hasCase` on a task: its case) and one
 * per collection (`hasTask` on a case: any of its tasks), named after the other side's item type.
 */
function nestedQueries(resource: ResourceDefinition, resourceNamed: (name: string) => ResourceDefinition): NestedQuery[] {
  const queries: NestedQuery[] = [];
  const add = (target: ResourceDefinition, description: string, link: NestedQuery['link']) => {
    const named = target.subQueryName ?? target.itemType;
    const keyword = `has${named}`;
    if (queries.some((q) => q.keyword === keyword)) throw new Error(`${resource.name} would have two ${keyword}() sub-queries.`);
    queries.push({ keyword, name: `Associated ${words(named)}`, description, target: target.name, link });
  };
  for (const parent of resource.parents ?? []) {
    const target = resourceNamed(parent.resource);
    add(target, `A nested query for the ${words(target.itemType).toLowerCase()} of the ${words(resource.itemType).toLowerCase()}`, { outerColumn: parent.column, innerColumn: 'id' });
  }
  for (const collection of Object.values(resource.collections ?? {})) {
    const target = resourceNamed(collection.target);
    const description = `A nested query for ${collection.description.replace(/^The /, 'the ')}`;
    if (collection.kind === 'children') add(target, description, { outerColumn: 'id', innerColumn: childParent(target, collection).column });
    else add(target, description, { outerColumn: 'id', innerColumn: 'id', via: { table: collection.table, outerColumn: collection.parentColumn, innerColumn: collection.targetColumn, ...(collection.oriented ? { bothWays: true } : {}) } });
  }
  return queries;
}

/** The `every` sub-queries a declaration adds over one of its linked collections (hasAllTags). */
function everyQueries(resource: ResourceDefinition, nested: NestedQuery[]): NestedQuery[] {
  return (resource.everyQueries ?? []).map(({ keyword, collection: name, description }) => {
    const collection = resource.collections?.[name];
    if (collection?.kind !== 'linked') throw new Error(`${resource.name}.${keyword} names ${name}, which is not a linked collection.`);
    const over = nested.find((n) => n.link.via?.table === collection.table)!;
    if (nested.some((n) => n.keyword === keyword)) throw new Error(`${resource.name} would have two ${keyword}() sub-queries.`);
    return { ...over, keyword, name: keyword.replace(/^has/, 'Has ').replace(/([A-Z])/g, ' $1').replace(/\s+/g, ' ').trim(), description, every: true };
  });
}

/**
 * The TQL keywords a resource's collections declare (an indicator's `tag`): true for a row when
 * any of its items' column passes the comparison. Made here, where the children's tables are known.
 */
function collectionKeywords(resource: ResourceDefinition, resourceNamed: (name: string) => ResourceDefinition): TqlKeyword[] {
  const keywords: TqlKeyword[] = [];
  for (const [name, collection] of Object.entries(resource.collections ?? {})) {
    const target = resourceNamed(collection.target);
    for (const k of collection.keywords ?? []) {
      const anyOf = (alias: string, test: (value: ReturnType<typeof sql.ref>) => ReturnType<typeof sql<SqlBool>>) => {
        // Lower case: an unquoted alias is folded to lower case by PostgreSQL, a reference to it is quoted.
        const item = `${alias}_${name.toLowerCase()}`;
        const matches = test(sql.ref(`${item}.${k.column}`));
        if (collection.kind === 'children') {
          const column = sql.ref(`${item}.${childParent(target, collection).column}`);
          return sql<SqlBool>`${sql.ref(`${alias}.id`)} in (select ${column} from ${sql.table(target.table)} as ${sql.raw(item)} where ${column} is not null and ${matches})`;
        }
        const link = `${item}_l`;
        return sql<SqlBool>`${sql.ref(`${alias}.id`)} in (select ${sql.ref(`${link}.${collection.parentColumn}`)} from ${sql.table(collection.table)} as ${sql.raw(link)} join ${sql.table(target.table)} as ${sql.raw(item)} on ${sql.ref(`${item}.id`)} = ${sql.ref(`${link}.${collection.targetColumn}`)} where ${matches})`;
      };
      keywords.push(anyOfKeyword(k.keyword, k.type, anyOf, k.description));
    }
  }
  return keywords;
}

/** The declaration with its collections' keywords added to its own. */
function withCollectionKeywords(resource: ResourceDefinition, resourceNamed: (name: string) => ResourceDefinition): Pick<ResourceDefinition, 'tql' | 'tqlByKey'> {
  const added = collectionKeywords(resource, resourceNamed);
  if (added.length === 0) return { tql: resource.tql, tqlByKey: resource.tqlByKey };
  const tqlByKey = new Map(resource.tqlByKey);
  for (const k of added) {
    if (tqlByKey.has(keywordKey(k.keyword))) throw new Error(`${resource.name} declares the TQL keyword ${k.keyword} twice.`);
    tqlByKey.set(keywordKey(k.keyword), k);
  }
  return { tql: [...resource.tql, ...added], tqlByKey };
}

/** A registry of `declarations`, each completed with its sub-queries; names must be unique. */
export function buildRegistry(declarations: readonly ResourceDefinition[]): ResourceRegistry {
  const declared = new Map<string, ResourceDefinition>();
  for (const declaration of declarations) {
    if (declared.has(declaration.name)) throw new Error(`Two resources are declared as "${declaration.name}".`);
    declared.set(declaration.name, declaration);
  }
  const lookUp = (map: ReadonlyMap<string, ResourceDefinition>) => (name: string): ResourceDefinition => {
    const resource = map.get(name);
    if (!resource) throw new Error(`No resource declared as "${name}".`);
    return resource;
  };
  const resources = new Map<string, ResourceDefinition>();
  for (const declaration of declarations) {
    const nested = nestedQueries(declaration, lookUp(declared));
    resources.set(declaration.name, Object.freeze({ ...declaration, ...withCollectionKeywords(declaration, lookUp(declared)), nested, everyNested: everyQueries(declaration, nested) }));
  }
  return { resources, named: lookUp(resources) };
}

/** Cairn's v3 resources. */
export const CAIRN_RESOURCES: ResourceRegistry = buildRegistry([
  cases, tasks, notes, artifacts, workflowEvents, tags, securityLabels, artifactTypes, securityOwners, indicators, groups,
  indicatorAttributes, groupAttributes, caseAttributes, attributeTypes,
]);

/** Every v3 resource of CAIRN_RESOURCES, by its path under /v3 (what the v3 router mounts). */
export const RESOURCES: ReadonlyMap<string, ResourceDefinition> = CAIRN_RESOURCES.resources;

/** A resource of CAIRN_RESOURCES by name. */
export const resourceNamed = (name: string): ResourceDefinition => CAIRN_RESOURCES.named(name);
