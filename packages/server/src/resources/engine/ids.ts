/** Finding one item by what a path names it by: its id, or its xid where the resource has one. */
import { sql, type Kysely, type SqlBool } from 'kysely';
import { CairnError } from '../../core/errors.js';
import { asId } from '../kinds/index.js';
import type { ResourceDefinition } from '../types.js';
import type { EngineContext, Row } from './context.js';
import { ownerCondition } from './owners.js';
import { selectRows } from './query.js';
import { slot } from '../../store/query-shapes.js';

/**
 * The row `ref` names among `ownerIds`' rows; not found (never forbidden) otherwise. A digit
 * string is an id; where the resource finds items by value (an indicator by its summary), a
 * digit string that is no visible item's id is tried as a value too (an all-digit hash).
 */
export async function findRow(engine: EngineContext, resource: ResourceDefinition, ref: string, ownerIds: readonly number[], db: Kysely<any> = engine.db): Promise<Row> {
  const notFound = () => new CairnError('not-found', `No ${resource.itemType.toLowerCase()} ${JSON.stringify(ref.slice(0, 100))} visible to you.`);
  const byValue = async (): Promise<Row> => {
    const found = await resource.findByRef!(ref, ownerIds, db);
    const row = found === undefined ? undefined : await rowBy(engine, resource, 'id', found, ownerIds, db);
    if (!row) throw notFound();
    return row;
  };
  if (/^\d+$/.test(ref)) {
    const id = asId(ref);
    const row = id === undefined ? undefined : await rowBy(engine, resource, 'id', id, ownerIds, db);
    if (row) return row;
    if (resource.findByRef) return byValue();
    throw notFound();
  }
  if (resource.hasXid && ref.length <= 100) {
    const row = await rowBy(engine, resource, 'xid', ref, ownerIds, db);
    if (!row) throw notFound();
    return row;
  }
  if (resource.findByRef) return byValue();
  throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} with id "${ref.slice(0, 100)}"${resource.hasXid ? ' or that xid' : ''}.`);
}

/** The row whose id or xid is `value`, among `ownerIds`' rows (one compiled statement per shape). */
async function rowBy(engine: EngineContext, resource: ResourceDefinition, by: 'id' | 'xid', value: number | string, ownerIds: readonly number[], db: Kysely<any>): Promise<Row | undefined> {
  const build = () => {
    const where = by === 'id' ? sql<SqlBool>`t0.id = ${slot('ref')}` : sql<SqlBool>`t0.xid = ${slot('ref')}`;
    return { query: selectRows(engine.db, resource).where(ownerCondition(resource, 't0', ownerIds)).where(where), reusable: true };
  };
  const compiled = engine.shapes.compiled(JSON.stringify(['item', resource.name, by, ownerIds]), build, { ref: value });
  return (await db.executeQuery(compiled)).rows[0] as Row | undefined;
}
