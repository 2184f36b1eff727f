/**
 * Writes: create with nested children and links in one transaction, partial update with
 * collection modes, delete and bulk delete. Parents are found among the caller's visible owners;
 * unique keys are claimed with INSERT … ON CONFLICT DO NOTHING, never looked up first.
 */
import type { Expression, ExpressionBuilder, Kysely, RawBuilder, SqlBool } from 'kysely';
import type { Principal } from '../../core/principal.js';
import { CairnError, type FieldProblem } from '../../core/errors.js';
import { recordEvents } from '../../core/outbox.js';
import { runCompiled, toStoredTime } from '../../store/database.js';
import { childParent } from '../define.js';
import { asId, isIdLike, kindOf } from '../kinds/index.js';
import type { ChildCollection, CollectionDefinition, LinkedCollection, ParentReference, ResourceDefinition, WriteContext } from '../types.js';
import type { EngineContext, Row } from './context.js';
import { convertField, fieldError, problem, requireObject } from './convert.js';
import { applyAssociations, isAssociation } from './associations.js';
import { findRow } from './ids.js';
import { ownerCondition, readOwners, writeOwner } from './owners.js';
import { listCondition } from './query.js';
import { slot } from '../../store/query-shapes.js';

/** `SecurityLabel` → `security label`. */
const words = (itemType: string) => itemType.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase();

/** Items accepted in one nested collection of a POST or PUT. */
const MAX_NESTED_WRITE_ITEMS = 1000;

/** How a nested collection of a write changes the stored one. */
const COLLECTION_MODES = new Set(['append', 'replace', 'delete']);

const BODY_META_KEYS = new Set(['ownerId', 'ownerName', 'owner']);
/** Body keys that name the owner a POST writes to (read by writeOwner), also where a resource shows them read-only. */
const WRITE_OWNER_KEYS = new Set(['ownerId', 'ownerName', 'owner']);

/** The field a body key names; only the declaration's own keys (a body may say "constructor"). */
const fieldNamed = (resource: ResourceDefinition, name: string) => (Object.hasOwn(resource.fields, name) ? resource.fields[name] : undefined);

/** What to do when a unique key of the new row is taken: a 409, or take the stored row (find-or-create). */
type WhenTaken = 'conflict' | 'take';

/**
 * Creates the item in one transaction; returns its id and, where the stored row is all its answer
 * reads (no extra columns) and no children that change their parent are created with it
 * (`changesParent`: an attribute sets its indicator's description), that row as the insert
 * returned it: links and events are other rows, so reading it again would find the same.
 */
export async function createItem(engine: EngineContext, resource: ResourceDefinition, principal: Principal, body: unknown, owner?: string[]): Promise<{ id: number; row?: Row }> {
  const input = requireObject(body);
  const ownerId = writeOwner(principal, owner, input);
  const stored: { row?: Row } = {};
  const id = await engine.db.transaction().execute(async (trx) => {
    const ctx: WriteContext = { db: trx, principal, ownerId, now: toStoredTime(new Date()), raised: [] };
    const created = await insertItem(engine, resource, input, ctx, '', undefined, 'conflict', resource.extraColumns === undefined ? stored : undefined);
    if (ctx.raised.length > 0) await recordEvents(trx, ctx.raised, ctx.now);
    return created;
  });
  return { id, ...stored };
}

/**
 * The parent a nested item is created under: its field, id and, when the engine itself has just
 * written it in this transaction, its stored columns (read again otherwise).
 */
interface GivenParent { field: string; id: number; row?: Row }

async function insertItem(engine: EngineContext, resource: ResourceDefinition, body: Row, ctx: WriteContext, path: string, parent?: GivenParent, whenTaken: WhenTaken = 'conflict', stored?: { row?: Row }): Promise<number> {
  const problems: FieldProblem[] = [];
  const values: Row = {};
  const pending: [string, CollectionDefinition, unknown][] = [];
  for (const [name, value] of Object.entries(body)) {
    const def = fieldNamed(resource, name);
    // ownerId/ownerName choose the owner of a top-level POST (writeOwner), even where the item shows them read-only.
    if (path === '' && WRITE_OWNER_KEYS.has(name) && (!def || def.kind === 'ownerId' || def.kind === 'owner')) continue;
    if (!def) {
      if (!BODY_META_KEYS.has(name)) problems.push(problem(path + name, `is not a field of ${resource.name} (OPTIONS /v3/${resource.name} lists them)`));
      continue;
    }
    const write = kindOf(def.kind).write;
    if (def.readOnly && write !== 'parent') { problems.push(problem(path + name, 'is read-only')); continue; }
    if (write === 'collection') { pending.push([name, resource.collections![name]!, value]); continue; }
    if (write === 'parent') continue;
    if (write === 'computed') { values[name] = value; continue; }
    const converting = convertField(def, value, path + name, values, problems, ctx);
    if (converting) await converting;
  }
  const plan = createPlan(resource);
  for (const name of plan.required) if (body[name] === undefined) problems.push(problem(path + name, 'is required'));
  const parentInfo = await resolveParents(engine, resource, body, ctx, path, problems, parent);
  if (problems.length > 0) throw fieldError(problems, resource);
  Object.assign(values, parentInfo.values);
  const ownerId = parentInfo.ownerId ?? ctx.ownerId;
  const rowCtx = ownerId === ctx.ownerId ? ctx : { ...ctx, ownerId };
  if (resource.ownerColumn) values[resource.ownerColumn] = ownerId;
  for (const [column, generate] of plan.generated) values[column] ??= generate();
  for (const [column, value] of plan.defaults) if (values[column] === undefined) values[column] = value;
  const created = resource.onCreate?.(values, rowCtx);
  if (created) await created;
  for (const name of plan.handedToHooks) delete values[name];
  stamp(plan, values, ctx.now, true);
  const inserted = await insertRow(engine, ctx.db, resource, values, stored !== undefined);
  if ('takenId' in inserted) {
    if (whenTaken === 'take') return inserted.takenId;
    throw new CairnError('conflict', inserted.message);
  }
  let id = inserted.id;
  // A child's hooks may change its parent's row (an attribute sets its indicator's description):
  // then the answer reads the row again. A case's tasks and notes leave it as inserted.
  if (stored && !pending.some(([, collection]) => collection.kind === 'children' && collection.changesParent === true)) stored.row = inserted.row;
  const settled = resource.settleCreate ? await resource.settleCreate(id, values, rowCtx) : id;
  if (settled !== id) {
    // Merged into an existing item (which the hook updated): the answer reads that item.
    id = settled;
    if (stored) stored.row = undefined;
  } else {
    const after = resource.afterCreate?.(id, values, rowCtx);
    if (after) await after;
  }
  if (pending.length === 0) return id;
  // The children find their parent in what was just written: every column they read from it
  // (its id, owner and inherited columns such as case_id) is one the engine set.
  const written = { ...values, id };
  for (const [name, collection, value] of pending) await applyCollection(engine, resource, id, name, collection, value, rowCtx, path, written);
  return id;
}

/**
 * Inserts the row; where the resource has unique keys, with ON CONFLICT DO NOTHING, then finds
 * the row holding the key. On PostgreSQL the insert waits for a concurrent transaction that
 * inserted the same key, so the row found is the committed one, and no statement fails (a failed
 * statement would abort the whole transaction).
 */
async function insertRow(engine: EngineContext, db: Kysely<any>, resource: ResourceDefinition, values: Row, wholeRow: boolean): Promise<{ id: number; row: Row } | { takenId: number; message: string }> {
  const claimsKeys = (resource.uniqueKeys?.length ?? 0) > 0;
  // Compiled once per (table, columns set): the values are bound into the cached statement.
  const columns: string[] = [];
  let key = `insert\0${resource.table}\0${claimsKeys ? 'claims' : ''}\0${wholeRow ? 'all' : 'id'}`;
  for (const column in values) {
    if (values[column] === undefined) continue;
    columns.push(column);
    key += `\0${column}`;
  }
  const compiled = engine.shapes.compiled(key, () => {
    const query = db.insertInto(resource.table).values(Object.fromEntries(columns.map((column) => [column, slot(column)])));
    const claiming = claimsKeys ? query.onConflict((oc) => oc.doNothing()) : query;
    return { query: wholeRow ? claiming.returningAll() : claiming.returning('id'), reusable: true };
  }, values);
  const inserted = (await runCompiled(db, compiled)).rows[0] as Row | undefined;
  if (!claimsKeys) {
    if (!inserted) throw new Error(`The insert into ${resource.table} returned no row.`);
    return { id: Number(inserted.id), row: inserted };
  }
  if (inserted) return { id: Number(inserted.id), row: inserted };
  for (const key of resource.uniqueKeys!) {
    let query = db.selectFrom(resource.table).select('id');
    for (const column of key.columns) query = query.where(column, '=', values[column] as never);
    const taken = await query.executeTakeFirst();
    if (taken) return { takenId: Number(taken.id), message: key.conflict(values, Number(taken.id)) };
  }
  throw new CairnError('conflict', `The ${resource.itemType.toLowerCase()} conflicts with one written at the same time; try again.`);
}

/** What creating an item of a resource reads from its declaration, worked out once per resource. */
interface CreatePlan {
  /** Fields a body must name (required, with no default). */
  required: readonly string[];
  /** Column defaults of fields the body left out. */
  defaults: readonly (readonly [column: string, value: unknown])[];
  /** Columns the server generates (an xid) when the body left them out. */
  generated: readonly (readonly [column: string, generate: () => unknown])[];
  /** Writable computed fields: handed to onCreate, never stored as they are. */
  handedToHooks: readonly string[];
  /** The time columns the server stamps. */
  stamps: { dateAdded: boolean; lastUpdated: boolean; lastModified: boolean };
}

const createPlans = new WeakMap<ResourceDefinition, CreatePlan>();

function createPlan(resource: ResourceDefinition): CreatePlan {
  let plan = createPlans.get(resource);
  if (plan === undefined) {
    const fields = Object.entries(resource.fields);
    const columns = new Set(fields.map(([, f]) => f.column));
    plan = {
      required: fields.filter(([, def]) => def.required && def.defaultValue === undefined).map(([name]) => name),
      defaults: fields.filter(([, def]) => def.defaultValue !== undefined && def.column).map(([, def]) => [def.column!, def.defaultValue] as const),
      generated: Object.entries(resource.generated ?? {}),
      handedToHooks: fields.filter(([, def]) => kindOf(def.kind).write === 'computed' && !def.readOnly).map(([name]) => name),
      stamps: { dateAdded: columns.has('date_added'), lastUpdated: columns.has('last_updated'), lastModified: columns.has('last_modified') },
    };
    createPlans.set(resource, plan);
  }
  return plan;
}

function stamp(plan: CreatePlan, values: Row, now: string, creating: boolean): void {
  const { stamps } = plan;
  if (creating && stamps.dateAdded) values.date_added = now;
  if (stamps.lastUpdated) values.last_updated = now;
  if (stamps.lastModified) values.last_modified = now;
}

/** Finds the named parent (by id or xid) among the caller's visible owners. */
async function resolveParents(engine: EngineContext, resource: ResourceDefinition, body: Row, ctx: WriteContext, path: string, problems: FieldProblem[], given?: GivenParent): Promise<{ values: Row; ownerId?: number }> {
  if (!resource.parents) return { values: {} };
  const named: ParentReference[] = [];
  for (const p of resource.parents) {
    if (given?.field === p.idField || body[p.idField] !== undefined || (p.xidField !== undefined && body[p.xidField] !== undefined)) named.push(p);
  }
  const names = () => resource.parents!.map((p) => [p.idField, p.xidField].filter(Boolean).join('|')).join(', ');
  if (named.length === 0) { problems.push(problem(path + resource.parents[0]!.idField, `is required: name the parent with one of ${names()}`)); return { values: {} }; }
  if (resource.oneParentOf && named.length > 1) { problems.push(problem(path + named[1]!.idField, `name exactly one parent (${names()})`)); return { values: {} }; }
  const values: Row = {};
  let ownerId: number | undefined;
  for (const reference of named) {
    const target = engine.registry.named(reference.resource);
    let row: Row | undefined;
    if (given?.field === reference.idField) {
      row = given.row ?? await ctx.db.selectFrom(target.table).selectAll().where('id', '=', given.id).executeTakeFirst();
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
    if (reference.inherit) for (const column in reference.inherit) values[column] ??= row[reference.inherit[column]!];
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

async function applyCollection(engine: EngineContext, resource: ResourceDefinition, parentId: number, name: string, collection: CollectionDefinition, raw: unknown, ctx: WriteContext, path: string, parentRow?: Row): Promise<void> {
  const wrapper = Array.isArray(raw) ? { data: raw } : raw as { data?: unknown; mode?: unknown };
  if (typeof wrapper !== 'object' || wrapper === null || !Array.isArray(wrapper.data)) {
    throw fieldError([problem(path + name, 'must be {"data":[…], "mode":"append|replace|delete"}')], resource);
  }
  const mode = wrapper.mode === undefined ? 'append' : String(wrapper.mode).toLowerCase();
  if (!COLLECTION_MODES.has(mode)) throw fieldError([problem(`${path}${name}.mode`, 'must be append, replace or delete')], resource);
  if (wrapper.data.length > MAX_NESTED_WRITE_ITEMS) throw fieldError([problem(`${path}${name}.data`, `takes at most ${MAX_NESTED_WRITE_ITEMS} items per request`)], resource);
  const items = wrapper.data as Row[];
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw fieldError([problem(`${path}${name}[${i}]`, 'must be an object')], resource);
  }
  if (collection.kind === 'children') await applyChildren(engine, collection, parentId, name, mode, items, ctx, path, parentRow);
  else if (isAssociation(collection)) {
    await applyAssociations(engine, resource, collection, parentId, name, mode, items, ctx, path,
      (target, item, targetCtx, itemPath) => insertItem(engine, target, item, targetCtx, itemPath, undefined, 'take'));
  } else await applyLinks(engine, collection, parentId, name, mode, items, ctx, path);
}

async function applyChildren(engine: EngineContext, collection: ChildCollection, parentId: number, name: string, mode: string, items: Row[], ctx: WriteContext, path: string, parentRow?: Row): Promise<void> {
  const target = engine.registry.named(collection.target);
  const column = childParent(target, collection).column;
  if (mode === 'delete') {
    const ids = items.map((item, i) => {
      if (item.id === undefined) throw fieldError([problem(`${path}${name}[${i}].id`, 'is required to delete')], target);
      if (!isIdLike(item.id)) throw fieldError([problem(`${path}${name}[${i}].id`, 'must be a whole number')], target);
      return asId(item.id);
    }).filter((id): id is number => id !== undefined); // a larger id names nothing to delete
    if (ids.length > 0) await deleteRows(target, ctx, (eb) => eb.and([eb(column, '=', parentId), eb('id', 'in', ids)]));
    return;
  }
  if (mode === 'replace') await deleteRows(target, ctx, (eb) => eb(column, '=', parentId));
  for (const [i, item] of items.entries()) {
    if (item.id !== undefined) throw fieldError([problem(`${path}${name}[${i}].id`, `${collection.itemType} items are created here; leave out id (to change one, PUT /v3/${target.name}/{id})`)], target);
    await insertItem(engine, target, item, ctx, `${path}${name}[${i}].`, { field: collection.parentField, id: parentId, row: parentRow });
  }
}

async function applyLinks(engine: EngineContext, collection: LinkedCollection, parentId: number, name: string, mode: string, items: Row[], ctx: WriteContext, path: string): Promise<void> {
  const target = engine.registry.named(collection.target);
  const ids: number[] = [];
  const byName = collection.byName;
  const labelOf = (item: Row) => {
    if (byName) for (const key of byName.keys) if (item[key] !== undefined) return item[key];
    return undefined;
  };
  const namesLabel = (label: unknown): label is string => byName !== undefined && typeof label === 'string' && label.trim() !== '' && label.length <= byName.maxLength;
  // The items named (not given by id) are looked up in one statement; each is then taken in order as before.
  const named = new Set<string>();
  if (byName) {
    for (const item of items) {
      if (item.id !== undefined) continue;
      const label = labelOf(item);
      if (namesLabel(label)) named.add(byName.normalize(label));
    }
  }
  const idsByName = new Map<unknown, number>();
  // The link's owner's items, and where the target has them the system's (the TLP labels).
  const ownersOf = (owner: RawBuilder<number> | number) => (eb: ExpressionBuilder<any, any>) => (target.includeSystemRows
    ? eb.or([eb(target.ownerColumn!, '=', owner), eb(target.ownerColumn!, 'is', null)])
    : eb(target.ownerColumn!, '=', owner));
  if (byName && named.size > 0) {
    const lookup: Row = { owner: ctx.ownerId };
    let count = 0;
    for (const name of named) lookup[`n${count++}`] = name;
    const compiled = engine.shapes.compiled(`names\0${target.table}\0${byName.column}\0${count}`, () => ({
      query: ctx.db.selectFrom(target.table).select(['id', `${byName.column} as name`]).where(ownersOf(slot<number>('owner')))
        .where(byName.column, 'in', Array.from({ length: count }, (_, i) => slot<string>(`n${i}`))),
      reusable: true,
    }), lookup);
    for (const row of (await runCompiled(ctx.db, compiled)).rows as { id: unknown; name: unknown }[]) idsByName.set(row.name, Number(row.id));
  }
  for (const [i, item] of items.entries()) {
    const label = labelOf(item);
    if (item.id !== undefined) {
      if (!isIdLike(item.id)) throw fieldError([problem(`${path}${name}[${i}].id`, 'must be a whole number')], target);
      const linkId = asId(item.id);
      const row = linkId === undefined ? undefined : await ctx.db.selectFrom(target.table).select('id').where('id', '=', linkId).where(ownersOf(ctx.ownerId)).executeTakeFirst();
      if (!row) throw new CairnError('not-found', `${path}${name}[${i}]: no ${target.itemType.toLowerCase()} ${String(item.id)} in this owner.`);
      ids.push(Number(row.id));
    } else if (byName && namesLabel(label)) {
      const normalized = byName.normalize(label);
      const found = idsByName.get(normalized);
      if (found !== undefined) ids.push(found);
      else if (mode !== 'delete' && byName.createMissing === false) {
        throw new CairnError('not-found', `${path}${name}[${i}]: no ${words(target.itemType)} named "${label.trim().slice(0, byName.maxLength)}" in this owner${target.includeSystemRows ? ' or the system\'s' : ''} (GET /v3/${target.name} lists them).`);
      }
      // Found or created: a concurrent request creating the same name links the same row.
      else if (mode !== 'delete') {
        const id = await insertItem(engine, target, { [byName.keys[0]!]: label.trim() }, ctx, `${path}${name}[${i}].`, undefined, 'take');
        idsByName.set(normalized, id);
        ids.push(id);
      }
    } else {
      throw fieldError([problem(`${path}${name}[${i}]`, byName ? `needs an id or a ${byName.keys[0]} of at most ${byName.maxLength} characters` : 'needs an id')], target);
    }
  }
  if (mode === 'replace') await ctx.db.deleteFrom(collection.table).where(collection.parentColumn, '=', parentId).execute();
  if (mode === 'delete') {
    if (ids.length > 0) await ctx.db.deleteFrom(collection.table).where(collection.parentColumn, '=', parentId).where(collection.targetColumn, 'in', ids).execute();
    return;
  }
  // One statement for every link; linking twice (or two requests linking at once) keeps one link.
  const linked = [...new Set(ids)];
  if (linked.length === 0) return;
  // The link and the touch bind from the same values (each statement reads the slots it has).
  const slots: Row = { parent: parentId, now: ctx.now };
  for (let i = 0; i < linked.length; i++) slots[`t${i}`] = linked[i];
  await runCompiled(ctx.db, engine.shapes.compiled(`link\0${collection.table}\0${linked.length}`, () => ({
    query: ctx.db.insertInto(collection.table).values(linked.map((_, i) => ({ [collection.parentColumn]: slot('parent'), [collection.targetColumn]: slot(`t${i}`) }))).onConflict((oc) => oc.doNothing()),
    reusable: true,
  }), slots));
  const touch = collection.touchColumn;
  if (touch) {
    await runCompiled(ctx.db, engine.shapes.compiled(`touch\0${target.table}\0${touch}\0${linked.length}`, () => ({
      query: ctx.db.updateTable(target.table).set({ [touch]: slot('now') }).where('id', 'in', linked.map((_, i) => slot<number>(`t${i}`))),
      reusable: true,
    }), slots));
  }
}

/** Changes the fields and collections the body names; returns the item's id. */
export async function updateItem(engine: EngineContext, resource: ResourceDefinition, principal: Principal, ref: string, body: unknown, owner?: string[]): Promise<number> {
  const input = requireObject(body);
  const ownerIds = readOwners(principal, owner);
  const existing = await findRow(engine, resource, ref, ownerIds);
  const id = Number(existing.id);
  await engine.db.transaction().execute(async (trx) => {
    const ownerId = resource.ownerColumn ? Number(existing[resource.ownerColumn]) : principal.organizationId;
    const ctx: WriteContext = { db: trx, principal, ownerId, now: toStoredTime(new Date()), raised: [] };
    const problems: FieldProblem[] = [];
    const values: Row = {};
    const pending: [string, CollectionDefinition, unknown][] = [];
    for (const [name, value] of Object.entries(input)) {
      const def = fieldNamed(resource, name);
      if (!def) {
        if (!BODY_META_KEYS.has(name) && name !== 'id') problems.push(problem(name, `is not a field of ${resource.name}`));
        continue;
      }
      if (name === 'id') continue;
      const write = kindOf(def.kind).write;
      if (def.readOnly) { problems.push(problem(name, 'is read-only')); continue; }
      // A writable computed field is the declaration's to read (onUpdate), as on create: it has no
      // column to compare, so onUpdate also says whether a create-only one is sent unchanged.
      if (write === 'computed' && resource.onUpdate) { values[name] = value; continue; }
      if (def.createOnly || write === 'parent') {
        const current = def.column ? existing[def.column] : undefined;
        if (current === undefined || String(current) !== String(value)) problems.push(problem(name, 'can only be set when the item is created'));
        continue;
      }
      if (write === 'collection') { pending.push([name, resource.collections![name]!, value]); continue; }
      const converting = convertField(def, value, name, values, problems, ctx);
      if (converting) await converting;
    }
    if (problems.length > 0) throw fieldError(problems, resource);
    await resource.onUpdate?.(values, existing, ctx);
    for (const name of createPlan(resource).handedToHooks) delete values[name];
    stamp(createPlan(resource), values, ctx.now, false);
    // Some resources stamp no time (workflow events, labels): a PUT of {} or of collections only sets nothing.
    if (Object.keys(values).length > 0) await trx.updateTable(resource.table).set(values).where('id', '=', id).execute();
    await resource.afterUpdate?.(id, values, existing, ctx);
    for (const [name, collection, value] of pending) await applyCollection(engine, resource, id, name, collection, value, ctx, '');
    if (ctx.raised.length > 0) await recordEvents(trx, ctx.raised, ctx.now);
  });
  return id;
}

export async function removeItem(engine: EngineContext, resource: ResourceDefinition, principal: Principal, ref: string, owner?: string[]): Promise<void> {
  const ownerIds = readOwners(principal, owner);
  const existing = await findRow(engine, resource, ref, ownerIds);
  if (resource.includeSystemRows && existing[resource.ownerColumn!] === null) throw new CairnError('forbidden', `System ${resource.name} cannot be deleted.`);
  if (!resource.onDelete && !resource.afterDelete) {
    await engine.db.deleteFrom(resource.table).where('id', '=', Number(existing.id)).execute();
    return;
  }
  await engine.db.transaction().execute(async (trx) => {
    const ownerId = resource.ownerColumn ? Number(existing[resource.ownerColumn]) : principal.organizationId;
    const ctx: WriteContext = { db: trx, principal, ownerId, now: toStoredTime(new Date()), raised: [] };
    await deleteRows(resource, ctx, (eb) => eb('id', '=', Number(existing.id)));
    if (ctx.raised.length > 0) await recordEvents(trx, ctx.raised, ctx.now);
  });
}

/**
 * Deletes the rows of `resource` the condition picks, in the write's transaction; where the
 * resource has delete hooks, they see the rows (read first) before and after.
 */
async function deleteRows(resource: ResourceDefinition, ctx: WriteContext, where: (eb: ExpressionBuilder<any, any>) => Expression<SqlBool>): Promise<void> {
  if (!resource.onDelete && !resource.afterDelete) {
    await ctx.db.deleteFrom(resource.table).where(where).execute();
    return;
  }
  const rows = await ctx.db.selectFrom(resource.table).selectAll().where(where).execute() as Row[];
  if (rows.length === 0) return;
  await resource.onDelete?.(rows, ctx);
  await ctx.db.deleteFrom(resource.table).where('id', 'in', rows.map((row) => Number(row.id))).execute();
  await resource.afterDelete?.(rows, ctx);
}

/** Deletes every item the TQL matches (among the caller's owners); returns how many. */
export async function removeMatching(engine: EngineContext, resource: ResourceDefinition, principal: Principal, tql: string, owner?: string[]): Promise<number> {
  const ownerIds = readOwners(principal, owner);
  // One statement: no ids travel to the server and back, however many rows match.
  const result = await engine.db.deleteFrom(`${resource.table} as t0`).where(listCondition(engine, resource, ownerIds, tql)).executeTakeFirst();
  return Number(result.numDeletedRows);
}
