/**
 * Rows → API objects: the default fields, requested extras and nested collections, each value
 * rendered by its field's kind. The users a page names are read in one query.
 */
import { sql, type SqlBool } from 'kysely';
import type { Principal } from '../../auth/principal.js';
import { childParent } from '../define.js';
import { kindOf, type RenderLookups } from '../kinds/index.js';
import type { CollectionDefinition, FieldDefinition, ResourceDefinition, UserRef } from '../types.js';
import type { EngineContext, Row } from './context.js';
import { ownerCondition } from './owners.js';
import { selectRows } from './query.js';

/** Items rendered per nested collection of one item (`fields=tasks`). */
const MAX_COLLECTION_ITEMS = 1000;

type Shown = readonly (readonly [string, FieldDefinition])[];

/** The fields a response shows, chosen once per request rather than once per row. */
function shownFields(resource: ResourceDefinition, include: (name: string, def: FieldDefinition) => boolean): Shown {
  return Object.entries(resource.fields).filter(([name, def]) => !def.writeOnly && def.kind !== 'collection' && include(name, def));
}

export async function render(engine: EngineContext, resource: ResourceDefinition, rows: Row[], requested: string[], ownerIds: readonly number[], principal: Principal): Promise<Row[]> {
  const wanted = new Set(requested.map((f) => f.split('.')[0]!.toLowerCase()));
  const all = wanted.has('_all_');
  const collections = Object.entries(resource.collections ?? {}).filter(([name]) => all || wanted.has(name.toLowerCase()));
  const nested = new Map<string, Map<number, Row[]>>();
  const nestedRows: [ResourceDefinition, Row[]][] = [];
  const ids = rows.map((r) => Number(r.id));
  for (const [name, collection] of collections) {
    const target = engine.registry.named(collection.target);
    const childRows = ids.length === 0 ? [] : await collectionRows(engine, collection, target, ids, ownerIds);
    const byParent = new Map<number, Row[]>();
    for (const child of childRows) {
      const parent = Number(child.__parent);
      const list = byParent.get(parent) ?? [];
      if (list.length < MAX_COLLECTION_ITEMS) list.push(child);
      byParent.set(parent, list);
    }
    nested.set(name, byParent);
    nestedRows.push([target, childRows]);
  }
  const found = await lookups(engine, [[resource, rows], ...nestedRows], principal);
  const shown = shownFields(resource, (name, def) => def.includedByDefault === true || all || wanted.has(name.toLowerCase()));
  const shownChildren = new Map(collections.map(([name, collection]) => {
    const target = engine.registry.named(collection.target);
    return [name, shownFields(target, (_n, def) => def.includedByDefault === true)] as const;
  }));
  return rows.map((row) => {
    const item = toApi(shown, row, found);
    for (const [name] of collections) {
      const children = nested.get(name)!.get(Number(row.id)) ?? [];
      const childFields = shownChildren.get(name)!;
      item[name] = { data: children.map((child) => toApi(childFields, child, found)) };
    }
    return item;
  });
}

async function collectionRows(engine: EngineContext, collection: CollectionDefinition, target: ResourceDefinition, parentIds: number[], ownerIds: readonly number[]): Promise<Row[]> {
  const ids = sql.join(parentIds.map((id) => sql`${id}`));
  let query = selectRows(engine.db, target).where(ownerCondition(target, 't0', ownerIds));
  if (collection.kind === 'children') {
    const column = childParent(target, collection).column;
    query = query.select(sql.ref(`t0.${column}`).as('__parent')).where(sql<SqlBool>`${sql.ref(`t0.${column}`)} in (${ids})`);
  } else {
    query = query.innerJoin(`${collection.table} as j`, `j.${collection.targetColumn}`, 't0.id')
      .select(sql.ref(`j.${collection.parentColumn}`).as('__parent'))
      .where(sql<SqlBool>`${sql.ref(`j.${collection.parentColumn}`)} in (${ids})`);
  }
  return await query.orderBy('t0.id').execute() as Row[];
}

/**
 * The users a page names, in one query. Owner names need none: every row shown belongs to one
 * of the caller's visible owners, which the credential cache already holds.
 */
async function lookups(engine: EngineContext, sets: [ResourceDefinition, Row[]][], principal: Principal): Promise<RenderLookups> {
  const userIds = new Set<number>();
  for (const [resource, rows] of sets) {
    for (const row of rows) {
      for (const column of resource.userColumns) if (row[column] !== null && row[column] !== undefined) userIds.add(Number(row[column]));
    }
  }
  const users = userIds.size === 0 ? [] : await engine.db.selectFrom('users').innerJoin('owners', 'owners.id', 'users.organization_id')
    .select(['users.id', 'users.user_name', 'users.first_name', 'users.last_name', 'users.pseudonym', 'owners.name as owner'])
    .where('users.id', 'in', [...userIds]).execute();
  const userMap = new Map<number, UserRef>(users.map((u: any) => [Number(u.id), { id: Number(u.id), userName: u.user_name, firstName: u.first_name, lastName: u.last_name, pseudonym: u.pseudonym, owner: u.owner }]));
  const ownerMap = new Map(principal.visibleOwners.map((o) => [o.id, o.name]));
  return {
    user: (id) => (id === null || id === undefined ? undefined : userMap.get(Number(id))),
    ownerName: (id) => (id === null || id === undefined ? 'System' : ownerMap.get(Number(id)) ?? ''),
  };
}

/** One row as the API shows it, field by field in declaration order (`shown` from shownFields). */
function toApi(shown: Shown, row: Row, found: RenderLookups): Row {
  const item: Row = {};
  for (const [name, def] of shown) {
    const value = kindOf(def.kind).render(def, row, found);
    if (value !== undefined && value !== null) item[name] = value;
  }
  return item;
}
