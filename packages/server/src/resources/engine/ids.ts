/** Finding one item by what a path names it by: its id, or its xid where the resource has one. */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { CairnError } from '../../core/errors.js';
import { asId } from '../kinds/index.js';
import type { ResourceDefinition } from '../types.js';
import type { EngineContext, Row } from './context.js';
import { ownerCondition } from './owners.js';
import { selectRows } from './query.js';

/** The row `ref` names among `ownerIds`' rows; not found (never forbidden) otherwise. */
export async function findRow(engine: EngineContext, resource: ResourceDefinition, ref: string, ownerIds: readonly number[]): Promise<Row> {
  let where: RawBuilder<SqlBool>;
  if (/^\d+$/.test(ref)) {
    const id = asId(ref);
    if (id === undefined) throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} ${ref.slice(0, 100)} visible to you.`);
    where = sql<SqlBool>`t0.id = ${id}`;
  }
  else if (resource.hasXid && ref.length <= 100) where = sql<SqlBool>`t0.xid = ${ref}`;
  else throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} with id "${ref.slice(0, 100)}"${resource.hasXid ? ' or that xid' : ''}.`);
  const row = await selectRows(engine.db, resource).where(ownerCondition(resource, 't0', ownerIds)).where(where).executeTakeFirst() as Row | undefined;
  if (!row) throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} ${ref.slice(0, 100)} visible to you.`);
  return row;
}
