/**
 * The one implementation behind every v3 resource: list with TQL, paging, sorting and count;
 * read by id or xid; create with nested children and links in one transaction; partial update
 * with collection modes; delete and bulk delete. Owner scoping is applied to every statement,
 * including sub-queries and nested references. Answers are plain objects; the surface wraps them.
 */
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Principal } from '../auth/principal.js';
import { CairnError, type FieldProblem } from '../core/errors.js';
import { toStoredTime, type Dialect } from '../store/database.js';
import { compileTql, ownerCondition } from '../tql/compile.js';
import { parseTql } from '../tql/parser.js';
import { childParent } from './fields.js';
import { resourceNamed } from './registry.js';
import type { ChildCollection, CollectionDefinition, FieldDefinition, LinkedCollection, ResourceDefinition, UserRef, WriteContext } from './types.js';

export const MAX_RESULT_LIMIT = 10_000;
export const DEFAULT_RESULT_LIMIT = 100;
/** Items rendered per nested collection of one item (`fields=tasks`). */
const MAX_COLLECTION_ITEMS = 1000;
/** Items accepted in one nested collection of a POST or PUT. */
const MAX_NESTED_WRITE_ITEMS = 1000;

export interface ListOptions {
  tql?: string;
  fields: string[];
  resultStart: number;
  resultLimit: number;
  sorting?: string;
  count: boolean;
  owner?: string[];
}

/** A page of items; `hasMore` says whether a next page exists; `count` is the total when asked for. */
export interface ListResult { data: Record<string, unknown>[]; hasMore: boolean; count?: number }

type Row = Record<string, unknown>;
type Db = Kysely<any>;

const BODY_META_KEYS = new Set(['ownerId', 'ownerName', 'owner']);
/** Body keys that name the owner a POST writes to (read by writeOwner), also where a resource shows them read-only. */
const WRITE_OWNER_KEYS = new Set(['ownerId', 'ownerName']);

/** Ids are INTEGER columns (int4 on PostgreSQL); a larger number names no row and must never reach SQL. */
const MAX_ID = 2_147_483_647;

/** An integer or a digit string (what a body may carry as an id). */
function isIdLike(value: unknown): boolean {
  return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^\d{1,15}$/.test(value));
}

/** The id `value` names, or undefined when it cannot name a stored row (not an id, negative, beyond int4). */
function asId(value: unknown): number | undefined {
  if (!isIdLike(value)) return undefined;
  const id = Number(value);
  return id >= 0 && id <= MAX_ID ? id : undefined;
}

function problem(field: string, message: string): FieldProblem {
  return { field, message };
}

/**
 * The visible owner a request names, by name or id, from the principal's cached owners: no query,
 * and another organization's owner is as unknown as one that does not exist.
 */
function visibleOwner(principal: Principal, name: string): number {
  const id = asId(name);
  const owner = principal.visibleOwners.find((o) => o.name === name) ?? (id === undefined ? undefined : principal.visibleOwners.find((o) => o.id === id));
  if (!owner) throw new CairnError('not-found', `The owner "${name.slice(0, 100)}" does not exist or is not visible to you.`);
  return owner.id;
}

/** `sorting` directions: NULL counts as lowest for asc/desc; nullsfirst/nullslast sort ascending. */
const SORT_DIRECTIONS = new Map<string, ['asc' | 'desc', 'first' | 'last']>([
  ['asc', ['asc', 'first']], ['desc', ['desc', 'last']], ['nullsfirst', ['asc', 'first']], ['nullslast', ['asc', 'last']],
]);

/** The fields a response shows, chosen once per request rather than once per row. */
function shownFields(resource: ResourceDefinition, include: (name: string, def: FieldDefinition) => boolean): (readonly [string, FieldDefinition])[] {
  return Object.entries(resource.fields).filter(([name, def]) => !def.writeOnly && def.kind !== 'collection' && include(name, def));
}

export class ResourceEngine {
  /** SQLite's LIKE ignores ASCII case by itself: TQL then needs no lower() for ASCII patterns. */
  readonly #likeIgnoresAsciiCase: boolean;

  constructor(private readonly db: Db, dialect: Dialect) {
    this.#likeIgnoresAsciiCase = dialect === 'sqlite';
  }

  // ---------------------------------------------------------------- owners

  /** Owners a request reads from: all visible ones, or those `?owner=` names (each must be visible). */
  readOwners(principal: Principal, owner: string[] | undefined): number[] {
    if (!owner || owner.length === 0) return [...principal.visibleOwnerIds];
    return owner.map((name) => visibleOwner(principal, name));
  }

  /** The owner a write goes to: `?owner=`, or ownerId/ownerName in the body, else the caller's organization. */
  writeOwner(principal: Principal, owner: string[] | undefined, body: Row): number {
    const named = owner?.[0] ?? (body.ownerId !== undefined ? String(body.ownerId) : typeof body.ownerName === 'string' ? body.ownerName : undefined);
    return named === undefined ? principal.organizationId : visibleOwner(principal, named);
  }

  // ---------------------------------------------------------------- reads

  private where(resource: ResourceDefinition, ownerIds: readonly number[], tql: string | undefined): RawBuilder<SqlBool> {
    const owned = ownerCondition(resource, 't0', ownerIds);
    if (tql === undefined || tql.trim() === '') return owned;
    const ast = parseTql(tql);
    const condition = compileTql(ast, { resource, resourceNamed, ownerIds, now: new Date(), likeIgnoresAsciiCase: this.#likeIgnoresAsciiCase });
    return sql<SqlBool>`${owned} and ${condition}`;
  }

  private selectRows(resource: ResourceDefinition) {
    let query = this.db.selectFrom(`${resource.table} as t0`).selectAll('t0');
    for (const [name, expression] of Object.entries(resource.extraColumns ?? {})) query = query.select(expression('t0').as(name));
    return query;
  }

  async list(resource: ResourceDefinition, principal: Principal, options: ListOptions): Promise<ListResult> {
    const ownerIds = this.readOwners(principal, options.owner);
    const where = this.where(resource, ownerIds, options.tql);
    let query = this.selectRows(resource).where(where);
    for (const [column, direction, nulls] of this.ordering(resource, options.sorting)) {
      query = query.orderBy(sql.ref(`t0.${column}`), (ob) => (direction === 'desc' ? ob.desc() : ob.asc())[nulls === 'first' ? 'nullsFirst' : 'nullsLast']());
    }
    // One row more than the page tells whether there is a next page without counting every match;
    // the (costly) count runs only when the client asks for it, on the first page.
    const rows = await query.limit(options.resultLimit + 1).offset(options.resultStart).execute() as Row[];
    const hasMore = rows.length > options.resultLimit;
    if (hasMore) rows.pop();
    const count = options.count && options.resultStart === 0
      ? Number((await this.db.selectFrom(`${resource.table} as t0`).select(sql<number>`count(*)`.as('n')).where(where).executeTakeFirstOrThrow()).n)
      : undefined;
    const data = await this.render(resource, rows, options.fields, ownerIds, principal);
    return { data, hasMore, ...(count !== undefined ? { count } : {}) };
  }

  /**
   * `sorting=name asc dateAdded desc` → columns; unknown keys are an error naming the sortable ones.
   * NULL placement is explicit so both dialects agree (SQLite sorts NULL lowest, PostgreSQL highest):
   * NULL counts as lowest for asc/desc; `nullsfirst`/`nullslast` sort ascending with NULLs before/after.
   */
  private ordering(resource: ResourceDefinition, sorting: string | undefined): [string, 'asc' | 'desc', 'first' | 'last'][] {
    const order: [string, 'asc' | 'desc', 'first' | 'last'][] = [];
    const tokens = (sorting ?? '').trim().split(/[\s,]+/).filter(Boolean);
    if (tokens.length > 20) throw new CairnError('bad-request', 'sorting takes at most 10 keys.');
    for (let i = 0; i < tokens.length; i++) {
      const key = tokens[i]!;
      const column = resource.sortKeys.get(key.toLowerCase())?.column;
      if (!column) throw new CairnError('bad-request', `Cannot sort ${resource.name} by "${key.slice(0, 60)}"; sortable: ${[...resource.sortKeys.values()].map((k) => k.name).join(', ')}.`);
      const given = SORT_DIRECTIONS.get(tokens[i + 1]?.toLowerCase() ?? '');
      if (given) i++;
      const [direction, nulls] = given ?? SORT_DIRECTIONS.get('asc')!;
      order.push([column, direction, nulls]);
    }
    if (order.length === 0 && resource.defaultSort) order.push([resource.defaultSort.column, resource.defaultSort.direction, resource.defaultSort.direction === 'asc' ? 'first' : 'last']);
    if (!order.some(([column]) => column === 'id')) order.push(['id', 'asc', 'first']);
    return order;
  }

  private async findRow(resource: ResourceDefinition, ref: string, ownerIds: readonly number[]): Promise<Row> {
    let where: RawBuilder<SqlBool>;
    if (/^\d+$/.test(ref)) {
      const id = asId(ref);
      if (id === undefined) throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} ${ref.slice(0, 100)} visible to you.`);
      where = sql<SqlBool>`t0.id = ${id}`;
    }
    else if (resource.hasXid && ref.length <= 100) where = sql<SqlBool>`t0.xid = ${ref}`;
    else throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} with id "${ref.slice(0, 100)}"${resource.hasXid ? ' or that xid' : ''}.`);
    const row = await this.selectRows(resource).where(ownerCondition(resource, 't0', ownerIds)).where(where).executeTakeFirst() as Row | undefined;
    if (!row) throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} ${ref.slice(0, 100)} visible to you.`);
    return row;
  }

  async get(resource: ResourceDefinition, principal: Principal, ref: string, fields: string[], owner?: string[]): Promise<Row> {
    const ownerIds = this.readOwners(principal, owner);
    const row = await this.findRow(resource, ref, ownerIds);
    return (await this.render(resource, [row], fields, ownerIds, principal))[0]!;
  }

  /** Rows → API objects: default fields, requested extras and nested collections. */
  private async render(resource: ResourceDefinition, rows: Row[], requested: string[], ownerIds: readonly number[], principal: Principal): Promise<Row[]> {
    const wanted = new Set(requested.map((f) => f.split('.')[0]!.toLowerCase()));
    const all = wanted.has('_all_');
    const collections = Object.entries(resource.collections ?? {}).filter(([name]) => all || wanted.has(name.toLowerCase()));
    const nested = new Map<string, Map<number, Row[]>>();
    const nestedRows: [ResourceDefinition, Row[]][] = [];
    const ids = rows.map((r) => Number(r.id));
    for (const [name, collection] of collections) {
      const target = resourceNamed(collection.target);
      const childRows = ids.length === 0 ? [] : await this.collectionRows(collection, target, ids, ownerIds);
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
    const lookups = await this.lookups([[resource, rows], ...nestedRows], principal);
    const shown = shownFields(resource, (name, def) => def.includedByDefault === true || all || wanted.has(name.toLowerCase()));
    const shownChildren = new Map(collections.map(([name, collection]) => {
      const target = resourceNamed(collection.target);
      return [name, shownFields(target, (_n, def) => def.includedByDefault === true)] as const;
    }));
    return rows.map((row) => {
      const item = this.toApi(shown, row, lookups);
      for (const [name] of collections) {
        const children = nested.get(name)!.get(Number(row.id)) ?? [];
        const childFields = shownChildren.get(name)!;
        item[name] = { data: children.map((child) => this.toApi(childFields, child, lookups)) };
      }
      return item;
    });
  }

  private async collectionRows(collection: CollectionDefinition, target: ResourceDefinition, parentIds: number[], ownerIds: readonly number[]): Promise<Row[]> {
    const ids = sql.join(parentIds.map((id) => sql`${id}`));
    let query = this.selectRows(target).where(ownerCondition(target, 't0', ownerIds));
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
  private async lookups(sets: [ResourceDefinition, Row[]][], principal: Principal): Promise<{ user(id: unknown): UserRef | undefined; ownerName(id: unknown): string }> {
    const userIds = new Set<number>();
    for (const [resource, rows] of sets) {
      for (const row of rows) {
        for (const column of resource.userColumns) if (row[column] !== null && row[column] !== undefined) userIds.add(Number(row[column]));
      }
    }
    const users = userIds.size === 0 ? [] : await this.db.selectFrom('users').innerJoin('owners', 'owners.id', 'users.organization_id')
      .select(['users.id', 'users.user_name', 'users.first_name', 'users.last_name', 'users.pseudonym', 'owners.name as owner'])
      .where('users.id', 'in', [...userIds]).execute();
    const userMap = new Map(users.map((u: any) => [Number(u.id), { id: Number(u.id), userName: u.user_name, firstName: u.first_name, lastName: u.last_name, pseudonym: u.pseudonym, owner: u.owner }]));
    const ownerMap = new Map(principal.visibleOwners.map((o) => [o.id, o.name]));
    return {
      user: (id) => (id === null || id === undefined ? undefined : userMap.get(Number(id))),
      ownerName: (id) => (id === null || id === undefined ? 'System' : ownerMap.get(Number(id)) ?? ''),
    };
  }

  /** One row as the API shows it, field by field in declaration order (`shown` from shownFields). */
  private toApi(shown: readonly (readonly [string, FieldDefinition])[], row: Row, lookups: Awaited<ReturnType<ResourceEngine['lookups']>>): Row {
    const item: Row = {};
    for (const [name, def] of shown) {
      const raw = def.column ? row[def.column] : undefined;
      let value: unknown;
      switch (def.kind) {
        case 'boolean': value = raw === null || raw === undefined ? undefined : Number(raw) === 1; break;
        case 'integer':
        case 'parent':
        case 'ownerId': value = raw === null || raw === undefined ? undefined : Number(raw); break;
        case 'user': value = lookups.user(raw); break;
        case 'assignee': {
          const user = lookups.user(raw);
          value = user ? { type: 'User', data: user } : undefined;
          break;
        }
        case 'owner': value = lookups.ownerName(raw); break;
        case 'computed': value = def.compute?.(row); break;
        default: value = raw === null ? undefined : raw;
      }
      if (value !== undefined && value !== null) item[name] = value;
    }
    return item;
  }

  // ---------------------------------------------------------------- writes

  async create(resource: ResourceDefinition, principal: Principal, body: unknown, fields: string[], owner?: string[]): Promise<Row> {
    const input = requireObject(body);
    const ownerId = this.writeOwner(principal, owner, input);
    const id = await this.db.transaction().execute(async (trx) => {
      const ctx: WriteContext = { db: trx, principal, ownerId, now: toStoredTime(new Date()) };
      return this.insert(resource, input, ctx, '');
    });
    return this.get(resource, principal, String(id), fields);
  }

  private async insert(resource: ResourceDefinition, body: Row, ctx: WriteContext, path: string, parent?: { field: string; id: number }): Promise<number> {
    const problems: FieldProblem[] = [];
    const values: Row = {};
    const pending: [string, CollectionDefinition, unknown][] = [];
    for (const [name, value] of Object.entries(body)) {
      const def = resource.fields[name];
      // ownerId/ownerName choose the owner of a top-level POST (writeOwner), even where the item shows them read-only.
      if (path === '' && WRITE_OWNER_KEYS.has(name) && (!def || def.kind === 'ownerId' || def.kind === 'owner')) continue;
      if (!def) {
        if (!BODY_META_KEYS.has(name)) problems.push(problem(path + name, `is not a field of ${resource.name} (OPTIONS /v3/${resource.name} lists them)`));
        continue;
      }
      if (def.readOnly && def.kind !== 'parent') { problems.push(problem(path + name, 'is read-only')); continue; }
      if (def.kind === 'collection') { pending.push([name, resource.collections![name]!, value]); continue; }
      if (def.kind === 'parent') continue;
      if (def.kind === 'computed') { values[name] = value; continue; }
      await this.convert(def, value, path + name, values, problems, ctx);
    }
    for (const [name, def] of Object.entries(resource.fields)) {
      if (def.required && body[name] === undefined && def.defaultValue === undefined) problems.push(problem(path + name, 'is required'));
    }
    const parentInfo = await this.resolveParents(resource, body, ctx, path, problems, parent);
    if (problems.length > 0) throw fieldError(problems, resource);
    Object.assign(values, parentInfo.values);
    const ownerId = parentInfo.ownerId ?? ctx.ownerId;
    const rowCtx = { ...ctx, ownerId };
    if (resource.ownerColumn) values[resource.ownerColumn] = ownerId;
    for (const [column, generate] of Object.entries(resource.generated ?? {})) values[column] ??= generate();
    for (const [name, def] of Object.entries(resource.fields)) {
      if (def.defaultValue !== undefined && def.column && values[def.column] === undefined) values[def.column] = def.defaultValue;
    }
    if (resource.hasXid) await this.ensureXidFree(ctx.db, resource, String(values.xid), ownerId);
    await resource.onCreate?.(values, rowCtx);
    for (const [name, def] of Object.entries(resource.fields)) {
      if (def.kind === 'computed' && !def.readOnly) delete values[name];
    }
    this.stamp(resource, values, ctx.now, true);
    const inserted = await ctx.db.insertInto(resource.table).values(values).returning('id').executeTakeFirstOrThrow();
    const id = Number(inserted.id);
    for (const [name, collection, value] of pending) await this.applyCollection(resource, id, name, collection, value, rowCtx, path);
    return id;
  }

  private stamp(resource: ResourceDefinition, values: Row, now: string, creating: boolean): void {
    const columns = new Set(Object.values(resource.fields).map((f) => f.column));
    if (creating && columns.has('date_added')) values.date_added = now;
    if (columns.has('last_updated')) values.last_updated = now;
    if (columns.has('last_modified')) values.last_modified = now;
  }

  /** `db` is the transaction: on SQLite a second connection would wait for it forever. */
  private async ensureXidFree(db: Db, resource: ResourceDefinition, xid: string, ownerId: number, exceptId?: number): Promise<void> {
    let query = db.selectFrom(resource.table).select('id').where('xid', '=', xid).where(resource.ownerColumn!, '=', ownerId);
    if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
    const taken = await query.executeTakeFirst();
    if (taken) throw new CairnError('conflict', `A ${resource.itemType.toLowerCase()} with xid "${xid.slice(0, 100)}" already exists (id ${taken.id}).`);
  }

  /** Finds the named parent (by id or xid) among the caller's visible owners. */
  private async resolveParents(resource: ResourceDefinition, body: Row, ctx: WriteContext, path: string, problems: FieldProblem[], given?: { field: string; id: number }): Promise<{ values: Row; ownerId?: number }> {
    if (!resource.parents) return { values: {} };
    const named = resource.parents.filter((p) => (given?.field === p.idField) || body[p.idField] !== undefined || (p.xidField !== undefined && body[p.xidField] !== undefined));
    const names = resource.parents.map((p) => [p.idField, p.xidField].filter(Boolean).join('|')).join(', ');
    if (named.length === 0) { problems.push(problem(path + resource.parents[0]!.idField, `is required: name the parent with one of ${names}`)); return { values: {} }; }
    if (resource.oneParentOf && named.length > 1) { problems.push(problem(path + named[1]!.idField, `name exactly one parent (${names})`)); return { values: {} }; }
    const values: Row = {};
    let ownerId: number | undefined;
    for (const reference of named) {
      const target = resourceNamed(reference.resource);
      let row: Row | undefined;
      if (given?.field === reference.idField) {
        row = await ctx.db.selectFrom(target.table).selectAll().where('id', '=', given.id).executeTakeFirst();
      } else {
        const byId = body[reference.idField];
        const byXid = reference.xidField ? body[reference.xidField] : undefined;
        if (byId !== undefined && !isIdLike(byId)) { problems.push(problem(path + reference.idField, 'must be an id')); continue; }
        if (byXid !== undefined && (typeof byXid !== 'string' || byXid.length > 100)) { problems.push(problem(path + reference.xidField!, 'must be an xid string')); continue; }
        let query = ctx.db.selectFrom(`${target.table} as t0`).selectAll('t0').where(ownerCondition(target, 't0', [...ctx.principal.visibleOwnerIds]));
        const parentId = byId !== undefined ? asId(byId) : undefined;
        query = byId !== undefined ? query.where('t0.id', '=', parentId ?? -1) : query.where('t0.xid', '=', String(byXid));
        row = byId !== undefined && parentId === undefined ? undefined : await query.executeTakeFirst();
        if (!row) { problems.push(problem(path + (byId !== undefined ? reference.idField : reference.xidField!), `names no ${target.itemType.toLowerCase()} visible to you`)); continue; }
      }
      if (!row) continue;
      values[reference.column] = Number(row.id);
      for (const [column, from] of Object.entries(reference.inherit ?? {})) values[column] ??= row[from];
      const rowOwner = target.ownerColumn ? Number(row[target.ownerColumn]) : undefined;
      if (ownerId !== undefined && rowOwner !== undefined && rowOwner !== ownerId) {
        throw new CairnError('mismatched-items', `The parents named belong to different owners.`);
      }
      ownerId = rowOwner;
    }
    if (!resource.oneParentOf) {
      const first = resource.parents[0]!;
      if (values[first.column] === undefined && problems.length === 0) problems.push(problem(path + first.idField, 'is required'));
    }
    return { values, ownerId };
  }

  /** Validates one plain field and writes its column value. */
  private async convert(def: FieldDefinition, value: unknown, name: string, values: Row, problems: FieldProblem[], ctx: WriteContext): Promise<void> {
    const column = def.column!;
    if (value === null) {
      if (def.required) problems.push(problem(name, 'is required and cannot be null'));
      else values[column] = null;
      return;
    }
    switch (def.kind) {
      case 'string': {
        if (typeof value !== 'string') return void problems.push(problem(name, 'must be a string'));
        if (def.maxLength !== undefined && value.length > def.maxLength) return void problems.push(problem(name, `must be at most ${def.maxLength} characters`));
        if (def.required && value.trim() === '') return void problems.push(problem(name, 'must not be empty'));
        if (value.includes('\u0000')) return void problems.push(problem(name, 'must not contain the NUL character (\\u0000)'));
        values[column] = value;
        return;
      }
      case 'integer': {
        const number = typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
        if (typeof number !== 'number' || !Number.isInteger(number)) return void problems.push(problem(name, 'must be a whole number'));
        if (def.minValue !== undefined && number < def.minValue) return void problems.push(problem(name, `must be at least ${def.minValue}`));
        if (def.maxValue !== undefined && number > def.maxValue) return void problems.push(problem(name, `must be at most ${def.maxValue}`));
        if (number > MAX_ID || number < -MAX_ID - 1) return void problems.push(problem(name, `must be between ${-MAX_ID - 1} and ${MAX_ID}`));
        values[column] = number;
        return;
      }
      case 'boolean': {
        const flag = value === true || value === 'true' || value === 'True' ? 1 : value === false || value === 'false' || value === 'False' ? 0 : undefined;
        if (flag === undefined) return void problems.push(problem(name, 'must be true or false'));
        values[column] = flag;
        return;
      }
      case 'date': {
        const time = typeof value === 'number' ? value : typeof value === 'string' && value.length <= 64 ? Date.parse(value) : NaN;
        if (!Number.isFinite(time) || time < Date.UTC(1900, 0, 1) || time > Date.UTC(9999, 11, 31)) return void problems.push(problem(name, 'must be an ISO 8601 date such as 2023-02-01T12:00:00Z'));
        values[column] = toStoredTime(new Date(time));
        return;
      }
      case 'enum': {
        const match = typeof value === 'string' ? def.allowableValues?.find((v) => v.toLowerCase() === value.trim().toLowerCase()) : undefined;
        if (!match) return void problems.push(problem(name, `must be one of ${def.allowableValues!.join(', ')}`));
        values[column] = match;
        return;
      }
      case 'assignee': {
        const assignee = value as { type?: unknown; data?: { userName?: unknown; id?: unknown } };
        if (typeof assignee !== 'object' || Array.isArray(assignee)) return void problems.push(problem(name, 'must be {"type":"User","data":{"userName":…}} or {"type":"None"}'));
        if (assignee.type === 'None') { values[column] = null; return; }
        if (assignee.type !== 'User') return void problems.push(problem(name, 'type must be User or None (group assignment is not supported)'));
        const ref = assignee.data?.id ?? assignee.data?.userName;
        if (ref === undefined) return void problems.push(problem(name, 'data needs a userName or an id'));
        if (typeof ref !== 'number' && (typeof ref !== 'string' || ref.length > 200)) return void problems.push(problem(name, 'data.userName must be a string and data.id a whole number'));
        const userId = typeof ref === 'number' ? asId(ref) : undefined;
        const user = typeof ref === 'number' && userId === undefined ? undefined : await ctx.db.selectFrom('users').select(['id', 'organization_id'])
          .where(typeof ref === 'number' ? 'id' : 'user_name', '=', (userId ?? ref) as never).executeTakeFirst();
        if (!user || !ctx.principal.visibleOwnerIds.has(Number(user.organization_id))) return void problems.push(problem(name, `names no user of your organization: ${String(ref).slice(0, 100)}`));
        values[column] = Number(user.id);
        return;
      }
      default:
        problems.push(problem(name, 'cannot be set'));
    }
  }

  private async applyCollection(resource: ResourceDefinition, parentId: number, name: string, collection: CollectionDefinition, raw: unknown, ctx: WriteContext, path: string): Promise<void> {
    const wrapper = Array.isArray(raw) ? { data: raw } : raw as { data?: unknown; mode?: unknown };
    if (typeof wrapper !== 'object' || wrapper === null || !Array.isArray(wrapper.data)) {
      throw fieldError([problem(path + name, 'must be {"data":[…], "mode":"append|replace|delete"}')], resource);
    }
    const mode = wrapper.mode === undefined ? 'append' : String(wrapper.mode).toLowerCase();
    if (!['append', 'replace', 'delete'].includes(mode)) throw fieldError([problem(`${path}${name}.mode`, 'must be append, replace or delete')], resource);
    if (wrapper.data.length > MAX_NESTED_WRITE_ITEMS) throw fieldError([problem(`${path}${name}.data`, `takes at most ${MAX_NESTED_WRITE_ITEMS} items per request`)], resource);
    const items = wrapper.data.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw fieldError([problem(`${path}${name}[${i}]`, 'must be an object')], resource);
      return item as Row;
    });
    if (collection.kind === 'children') await this.applyChildren(collection, parentId, name, mode, items, ctx, path);
    else await this.applyLinks(collection, parentId, name, mode, items, ctx, path);
  }

  private async applyChildren(collection: ChildCollection, parentId: number, name: string, mode: string, items: Row[], ctx: WriteContext, path: string): Promise<void> {
    const target = resourceNamed(collection.target);
    const column = childParent(target, collection).column;
    if (mode === 'delete') {
      const ids = items.map((item, i) => {
        if (item.id === undefined) throw fieldError([problem(`${path}${name}[${i}].id`, 'is required to delete')], target);
        if (!isIdLike(item.id)) throw fieldError([problem(`${path}${name}[${i}].id`, 'must be a whole number')], target);
        return asId(item.id);
      }).filter((id): id is number => id !== undefined); // a larger id names nothing to delete
      if (ids.length > 0) await ctx.db.deleteFrom(target.table).where(column, '=', parentId).where('id', 'in', ids).execute();
      return;
    }
    if (mode === 'replace') await ctx.db.deleteFrom(target.table).where(column, '=', parentId).execute();
    for (const [i, item] of items.entries()) {
      if (item.id !== undefined) throw fieldError([problem(`${path}${name}[${i}].id`, `${collection.itemType} items are created here; leave out id (to change one, PUT /v3/${target.name}/{id})`)], target);
      await this.insert(target, item, ctx, `${path}${name}[${i}].`, { field: collection.parentField, id: parentId });
    }
  }

  private async applyLinks(collection: LinkedCollection, parentId: number, name: string, mode: string, items: Row[], ctx: WriteContext, path: string): Promise<void> {
    const target = resourceNamed(collection.target);
    const ids: number[] = [];
    const byName = collection.byName;
    for (const [i, item] of items.entries()) {
      const label = byName?.keys.map((key) => item[key]).find((value) => value !== undefined);
      if (item.id !== undefined) {
        if (!isIdLike(item.id)) throw fieldError([problem(`${path}${name}[${i}].id`, 'must be a whole number')], target);
        const linkId = asId(item.id);
        const row = linkId === undefined ? undefined : await ctx.db.selectFrom(target.table).select('id').where('id', '=', linkId).where(target.ownerColumn!, '=', ctx.ownerId).executeTakeFirst();
        if (!row) throw new CairnError('not-found', `${path}${name}[${i}]: no ${target.itemType.toLowerCase()} ${String(item.id)} in this owner.`);
        ids.push(Number(row.id));
      } else if (byName && typeof label === 'string' && label.trim() !== '' && label.length <= byName.maxLength) {
        const row = await ctx.db.selectFrom(target.table).select('id').where(target.ownerColumn!, '=', ctx.ownerId).where(byName.column, '=', byName.normalize(label)).executeTakeFirst();
        if (row) ids.push(Number(row.id));
        else if (mode !== 'delete') ids.push(await this.insert(target, { [byName.keys[0]!]: label.trim() }, ctx, `${path}${name}[${i}].`));
      } else {
        throw fieldError([problem(`${path}${name}[${i}]`, byName ? `needs an id or a ${byName.keys[0]} of at most ${byName.maxLength} characters` : 'needs an id')], target);
      }
    }
    if (mode === 'replace') await ctx.db.deleteFrom(collection.table).where(collection.parentColumn, '=', parentId).execute();
    if (mode === 'delete') {
      if (ids.length > 0) await ctx.db.deleteFrom(collection.table).where(collection.parentColumn, '=', parentId).where(collection.targetColumn, 'in', ids).execute();
      return;
    }
    for (const id of new Set(ids)) {
      const exists = await ctx.db.selectFrom(collection.table).select(collection.parentColumn).where(collection.parentColumn, '=', parentId).where(collection.targetColumn, '=', id).executeTakeFirst();
      if (!exists) await ctx.db.insertInto(collection.table).values({ [collection.parentColumn]: parentId, [collection.targetColumn]: id }).execute();
    }
    if (collection.touchColumn && ids.length > 0) await ctx.db.updateTable(target.table).set({ [collection.touchColumn]: ctx.now }).where('id', 'in', ids).execute();
  }

  async update(resource: ResourceDefinition, principal: Principal, ref: string, body: unknown, fields: string[], owner?: string[]): Promise<Row> {
    const input = requireObject(body);
    const ownerIds = this.readOwners(principal, owner);
    const existing = await this.findRow(resource, ref, ownerIds);
    const id = Number(existing.id);
    await this.db.transaction().execute(async (trx) => {
      const ownerId = resource.ownerColumn ? Number(existing[resource.ownerColumn]) : principal.organizationId;
      const ctx: WriteContext = { db: trx, principal, ownerId, now: toStoredTime(new Date()) };
      const problems: FieldProblem[] = [];
      const values: Row = {};
      const pending: [string, CollectionDefinition, unknown][] = [];
      for (const [name, value] of Object.entries(input)) {
        const def = resource.fields[name];
        if (!def) {
          if (!BODY_META_KEYS.has(name) && name !== 'id') problems.push(problem(name, `is not a field of ${resource.name}`));
          continue;
        }
        if (name === 'id') continue;
        if (def.readOnly) { problems.push(problem(name, 'is read-only')); continue; }
        if (def.createOnly || def.kind === 'parent') {
          const current = def.column ? existing[def.column] : undefined;
          if (current === undefined || String(current) !== String(value)) problems.push(problem(name, 'can only be set when the item is created'));
          continue;
        }
        if (def.kind === 'collection') { pending.push([name, resource.collections![name]!, value]); continue; }
        await this.convert(def, value, name, values, problems, ctx);
      }
      if (problems.length > 0) throw fieldError(problems, resource);
      await resource.onUpdate?.(values, existing, ctx);
      this.stamp(resource, values, ctx.now, false);
      // Some resources stamp no time (workflow events, labels): a PUT of {} or of collections only sets nothing.
      if (Object.keys(values).length > 0) await trx.updateTable(resource.table).set(values).where('id', '=', id).execute();
      for (const [name, collection, value] of pending) await this.applyCollection(resource, id, name, collection, value, ctx, '');
    });
    return this.get(resource, principal, String(id), fields);
  }

  async remove(resource: ResourceDefinition, principal: Principal, ref: string, owner?: string[]): Promise<void> {
    const ownerIds = this.readOwners(principal, owner);
    const existing = await this.findRow(resource, ref, ownerIds);
    if (resource.includeSystemRows && existing[resource.ownerColumn!] === null) throw new CairnError('forbidden', `System ${resource.name} cannot be deleted.`);
    await this.db.deleteFrom(resource.table).where('id', '=', Number(existing.id)).execute();
  }

  /** Deletes every item the TQL matches (among the caller's owners); returns how many. */
  async removeMatching(resource: ResourceDefinition, principal: Principal, tql: string, owner?: string[]): Promise<number> {
    const ownerIds = this.readOwners(principal, owner);
    // One statement: no ids travel to the server and back, however many rows match.
    const result = await this.db.deleteFrom(`${resource.table} as t0`).where(this.where(resource, ownerIds, tql)).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function requireObject(body: unknown): Row {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new CairnError('validation', 'The request body must be a JSON object.');
  }
  return body as Row;
}

function fieldError(problems: FieldProblem[], resource: ResourceDefinition): CairnError {
  const missing = problems.every((p) => p.message.startsWith('is required'));
  const summary = problems.slice(0, 10).map((p) => `${p.field} ${p.message}`).join('; ');
  return new CairnError(missing ? 'missing-data' : 'validation', `Invalid ${resource.itemType.toLowerCase()}: ${summary}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}.`, { fields: problems });
}

