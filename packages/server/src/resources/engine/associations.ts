/**
 * Nested writes of associations (spec §7.5, §9 "Associations"): linked collections marked
 * `acrossOwners`, `createsTargets`, `symmetric` or `oriented`. An item names an existing object by
 * `id` (among the caller's visible owners: another organization's object is "not found", whether or
 * not it exists), or, where the collection creates targets, describes one that the target's own
 * create finds or makes (an indicator by type and value, a group by type and name). Symmetric
 * relations are written and removed in both directions; oriented ones once, in the order the
 * declaration decides, and removed from either side. A replace or delete only unlinks objects the
 * caller can see: a link another organization made to its own object stays.
 */
import { sql, type SqlBool } from 'kysely';
import { CairnError } from '../../core/errors.js';
import { asId, isIdLike } from '../kinds/index.js';
import type { LinkedCollection, ResourceDefinition, WriteContext } from '../types.js';
import type { EngineContext, Row } from './context.js';
import { fieldError, problem } from './convert.js';
import { ownerCondition, writeOwner } from './owners.js';

/** Creates (or finds) a target item from a nested body item; returns its id. */
export type CreateTarget = (target: ResourceDefinition, item: Row, ctx: WriteContext, path: string) => Promise<number>;

/** Body keys of an association item that describe the link, not the linked object. */
const LINK_KEYS = ['associationType'] as const;

/** Whether the engine writes `collection` as an association (this module) rather than a plain link. */
export function isAssociation(collection: LinkedCollection): boolean {
  return collection.acrossOwners === true || collection.createsTargets === true || collection.symmetric === true || collection.oriented !== undefined;
}

export async function applyAssociations(
  engine: EngineContext, resource: ResourceDefinition, collection: LinkedCollection, parentId: number, name: string, mode: string, items: Row[],
  ctx: WriteContext, path: string, createTarget: CreateTarget,
): Promise<void> {
  const target = engine.registry.named(collection.target);
  const visible = collection.acrossOwners ? [...ctx.principal.visibleOwnerIds] : [ctx.ownerId];
  const at = (i: number) => `${path}${name}[${i}]`;
  const targets: { row: Row; item: Row }[] = [];
  for (const [i, item] of items.entries()) {
    let row: Row | undefined;
    if (item.id !== undefined) {
      if (!isIdLike(item.id)) throw fieldError([problem(`${at(i)}.id`, 'must be a whole number')], target);
      const id = asId(item.id);
      row = id === undefined ? undefined : await ctx.db.selectFrom(`${target.table} as t0`).selectAll('t0').where('t0.id', '=', id).where(ownerCondition(target, 't0', visible)).executeTakeFirst() as Row | undefined;
      if (!row) throw new CairnError('not-found', `${at(i)}: no ${target.itemType.toLowerCase()} ${String(item.id).slice(0, 20)} visible to you.`);
    } else if (mode === 'delete') {
      throw fieldError([problem(`${at(i)}.id`, 'is required to delete')], target);
    } else if (collection.createsTargets) {
      const body: Row = { ...item };
      for (const key of LINK_KEYS) delete body[key];
      // "in the org unless ownerName/ownerId is given" (spec §7.5): the caller's organization, or a visible owner the item names.
      const ownerId = writeOwner(ctx.principal, undefined, body);
      // Read here: the target's own create would take them for its (read-only) owner fields.
      delete body.ownerId;
      delete body.ownerName;
      const id = await createTarget(target, body, ownerId === ctx.ownerId ? ctx : { ...ctx, ownerId }, `${at(i)}.`);
      row = await ctx.db.selectFrom(target.table).selectAll().where('id', '=', id).executeTakeFirst() as Row | undefined;
      if (!row) throw new Error(`The ${target.itemType} just written (${id}) was not found.`);
    } else {
      throw fieldError([problem(at(i), `needs the id of an existing ${target.itemType.toLowerCase()}`)], target);
    }
    if (collection.symmetric && collection.target === resource.name && Number(row.id) === parentId) {
      throw fieldError([problem(at(i), `cannot associate a ${resource.itemType.toLowerCase()} with itself`)], resource);
    }
    targets.push({ row, item });
  }

  const { table, parentColumn, targetColumn } = collection;
  /** Ids of the target resource the caller can see, as a sub-query: what a replace may unlink. */
  const visibleTargets = sql`select ${sql.ref('vt.id')} from ${sql.table(target.table)} as vt where ${ownerCondition(target, 'vt', visible)}`;
  const bothWays = collection.symmetric || collection.oriented !== undefined;
  if (mode === 'replace') {
    await ctx.db.deleteFrom(table).where(parentColumn, '=', parentId).where(sql<SqlBool>`${sql.ref(targetColumn)} in (${visibleTargets})`).execute();
    if (bothWays) await ctx.db.deleteFrom(table).where(targetColumn, '=', parentId).where(sql<SqlBool>`${sql.ref(parentColumn)} in (${visibleTargets})`).execute();
  }
  const ids = [...new Set(targets.map((t) => Number(t.row.id)))];
  if (mode === 'delete') {
    if (ids.length === 0) return;
    await ctx.db.deleteFrom(table).where(parentColumn, '=', parentId).where(targetColumn, 'in', ids).execute();
    if (bothWays) await ctx.db.deleteFrom(table).where(targetColumn, '=', parentId).where(parentColumn, 'in', ids).execute();
    return;
  }
  if (targets.length === 0) return;
  const rows: Row[] = [];
  if (collection.oriented) {
    const parent = await ctx.db.selectFrom(resource.table).selectAll().where('id', '=', parentId).executeTakeFirst() as Row | undefined;
    if (!parent) throw new Error(`The ${resource.itemType} ${parentId} being written was not found.`);
    for (const { row, item } of targets) {
      const { reversed, columns } = await collection.oriented.orient(parent, row, item, ctx);
      const [from, to] = reversed ? [Number(row.id), parentId] : [parentId, Number(row.id)];
      rows.push({ ...columns, [parentColumn]: from, [targetColumn]: to });
    }
  } else {
    for (const id of ids) {
      rows.push({ [parentColumn]: parentId, [targetColumn]: id });
      if (collection.symmetric) rows.push({ [parentColumn]: id, [targetColumn]: parentId });
    }
  }
  // Linking twice (or two requests linking at once) keeps one link.
  const unique = [...new Map(rows.map((row) => [JSON.stringify(row), row])).values()];
  await ctx.db.insertInto(table).values(unique).onConflict((oc) => oc.doNothing()).execute();
}
