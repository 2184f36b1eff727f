/**
 * Rows → API objects: the default fields, requested extras and nested collections, each value
 * rendered by its field's kind. The users a page names are read in one query.
 */
import { sql, type SqlBool } from 'kysely';
import type { Principal } from '../../core/principal.js';
import { childParent } from '../define.js';
import { LRUCache } from 'lru-cache';
import { kindOf, type RenderLookups } from '../kinds/index.js';
import { storedValue } from '../kinds/kind.js';
import type { CollectionDefinition, FieldDefinition, ResourceDefinition, UserRef } from '../types.js';
import type { EngineContext, Row } from './context.js';
import { ownerCondition } from './owners.js';
import { selectRows } from './query.js';
import { slot } from '../../store/query-shapes.js';

/** Items rendered per nested collection of one item (`fields=tasks`). */
const MAX_COLLECTION_ITEMS = 1000;

/** One row as the API shows it: the chosen fields in declaration order, those without a value left out. */
type Shown = (row: Row, found: RenderLookups) => Row;

/** A field whose value is not the stored column as it is: rendered through its kind. */
type RenderedByKind = (row: Row, found: RenderLookups) => unknown;

/**
 * The fields a response shows, chosen and bound to their kinds once per (resource, choice) rather
 * than per request, as one function that reads a row's columns straight into an item of one shape
 * (a loop over bound fields cost about a quarter of rendering a page). Its source names only the
 * declaration's field and column names, each written as a JSON string literal; values stay data.
 */
function shownFields(resource: ResourceDefinition, include: (name: string, def: FieldDefinition) => boolean): Shown {
  const byKind: RenderedByKind[] = [];
  const lines = ['const item = {};', 'let value;'];
  for (const [name, def] of Object.entries(resource.fields)) {
    if (def.writeOnly || def.kind === 'collection' || !include(name, def)) continue;
    const kind = kindOf(def.kind);
    const column = def.column;
    // A stored value shown as it is (text, dates, enums) needs no call through its kind.
    const appliesTo = def.appliesTo;
    if (appliesTo) {
      // Shown on the items it belongs to only (a Document's fileName, not an Adversary's malware flag).
      const kinds = new Set(appliesTo.values);
      lines.push(`value = byKind[${byKind.push((row, found) => (kinds.has(String(row[appliesTo.column])) ? kind.render(def, row, found) : undefined)) - 1}](row, found);`);
    } else if (kind.render === storedValue && column !== undefined) lines.push(`value = row[${JSON.stringify(column)}];`);
    else lines.push(`value = byKind[${byKind.push((row, found) => kind.render(def, row, found)) - 1}](row, found);`);
    lines.push(`if (value !== undefined && value !== null) item[${JSON.stringify(name)}] = value;`);
  }
  lines.push('return item;');
  return new Function('byKind', `return function shownItem(row, found) {\n${lines.join('\n')}\n};`)(byKind) as Shown;
}

/** What a response shows of a resource for one `fields` choice: its own fields and the collections it nests. */
interface Renderer { shown: Shown; collections: [name: string, collection: CollectionDefinition, target: ResourceDefinition, childFields: Shown][] }

/** Choices kept per resource; `fields` comes from the client, so the set is bounded. */
const RENDERERS_PER_RESOURCE = 100;
const renderers = new WeakMap<ResourceDefinition, LRUCache<string, Renderer>>();

function rendererFor(engine: EngineContext, resource: ResourceDefinition, requested: string[], exact: boolean): Renderer {
  const wanted = new Set(requested.map((f) => f.split('.')[0]!.toLowerCase()));
  const key = `${exact ? 'exact:' : ''}${[...wanted].sort().join(',')}`;
  let cache = renderers.get(resource);
  if (cache === undefined) renderers.set(resource, cache = new LRUCache({ max: RENDERERS_PER_RESOURCE }));
  let renderer = cache.get(key);
  if (renderer === undefined) {
    const all = wanted.has('_all_');
    const collections = Object.entries(resource.collections ?? {}).filter(([name]) => all || wanted.has(name.toLowerCase())).map(([name, collection]) => {
      const target = engine.registry.named(collection.target);
      return [name, collection, target, shownFields(target, (_n, def) => def.includedByDefault === true)] as [string, CollectionDefinition, ResourceDefinition, Shown];
    });
    renderer = { shown: shownFields(resource, (name, def) => (exact ? wanted.has(name.toLowerCase()) : def.includedByDefault === true || all || wanted.has(name.toLowerCase()))), collections };
    cache.set(key, renderer);
  }
  return renderer;
}

/**
 * Rows as the API shows them: the default fields and those `requested`, or with `exact` only those
 * requested (a surface that shows a few of a resource's fields, v2, renders no more than it reads).
 */
export async function render(engine: EngineContext, resource: ResourceDefinition, rows: Row[], requested: string[], ownerIds: readonly number[], principal: Principal, exact = false): Promise<Row[]> {
  const { shown, collections } = rendererFor(engine, resource, requested, exact);
  const nested = new Map<string, Map<number, Row[]>>();
  const nestedRows: [ResourceDefinition, Row[]][] = [];
  const ids = collections.length === 0 ? [] : rows.map((r) => Number(r.id));
  for (const [name, collection, target] of collections) {
    // An association shows every linked object the caller can see, whichever owners `?owner=` chose for the items themselves.
    const shownOwners = collection.kind === 'linked' && collection.acrossOwners ? principal.visibleOwnerIds : ownerIds;
    const childRows = ids.length === 0 ? [] : await collectionRows(engine, collection, target, ids, [...shownOwners]);
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
  return rows.map((row) => {
    const item = shown(row, found);
    for (const [name, , , childFields] of collections) {
      const children = nested.get(name)!.get(Number(row.id)) ?? [];
      item[name] = { data: children.map((child) => childFields(child, found)) };
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
    const through = (parentColumn: string, targetColumn: string) => query.innerJoin(`${collection.table} as j`, `j.${targetColumn}`, 't0.id')
      .select(sql.ref(`j.${parentColumn}`).as('__parent'))
      .where(sql<SqlBool>`${sql.ref(`j.${parentColumn}`)} in (${ids})`);
    if (collection.oriented) {
      // Stored once in either order (indicator ↔ indicator): the parent may be on either side.
      const rows = [...await through(collection.parentColumn, collection.targetColumn).execute(), ...await through(collection.targetColumn, collection.parentColumn).execute()] as Row[];
      return rows.sort((a, b) => Number(a.id) - Number(b.id));
    }
    query = through(collection.parentColumn, collection.targetColumn);
  }
  return await query.orderBy('t0.id').execute() as Row[];
}

/**
 * The users a page names, in one query. Owner names need none: every row shown belongs to one
 * of the caller's visible owners, which the credential cache already holds.
 */
async function lookups(engine: EngineContext, sets: [ResourceDefinition, Row[]][], principal: Principal): Promise<RenderLookups> {
  // The caller names itself on most rows it writes (opened by, created by): the credential cache
  // already holds that user, so only other users are read.
  const userIds = new Set<number>();
  for (const [resource, rows] of sets) {
    for (const row of rows) {
      for (const column of resource.userColumns) if (row[column] !== null && row[column] !== undefined) userIds.add(Number(row[column]));
    }
  }
  const callerNamed = userIds.delete(principal.userId);
  // One compiled statement per number of users (a page names few): the ids are its only parameters.
  const ids = [...userIds];
  const bound: Row = {};
  for (let i = 0; i < ids.length; i++) bound[`u${i}`] = ids[i];
  const users = ids.length === 0 ? [] : (await engine.db.executeQuery(engine.shapes.compiled(`users\0${ids.length}`, () => ({
    query: engine.db.selectFrom('users').innerJoin('owners', 'owners.id', 'users.organization_id')
      .select(['users.id', 'users.user_name', 'users.first_name', 'users.last_name', 'users.pseudonym', 'owners.name as owner'])
      .where('users.id', 'in', ids.map((_, i) => slot<number>(`u${i}`))),
    reusable: true,
  }), bound))).rows;
  const userMap = new Map<number, UserRef>(users.map((u: any) => [Number(u.id), { id: Number(u.id), userName: u.user_name, firstName: u.first_name, lastName: u.last_name, pseudonym: u.pseudonym, owner: u.owner }]));
  if (callerNamed) {
    userMap.set(principal.userId, { id: principal.userId, userName: principal.userName, firstName: principal.firstName, lastName: principal.lastName, pseudonym: principal.pseudonym, owner: principal.organizationName });
  }
  const ownerMap = new Map(principal.visibleOwners.map((o) => [o.id, o.name]));
  return {
    user: (id) => (id === null || id === undefined ? undefined : userMap.get(Number(id))),
    ownerName: (id) => (id === null || id === undefined ? 'System' : ownerMap.get(Number(id)) ?? ''),
    publicUrl: engine.publicUrl ?? '',
  };
}

