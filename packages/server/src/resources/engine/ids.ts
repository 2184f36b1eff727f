/** Finding one item by what a path names it by: its id, or its xid where the resource has one. */
import { sql, type Kysely, type SqlBool } from 'kysely';
import { CairnError } from '../../core/errors.js';
import { asId } from '../kinds/index.js';
import type { ResourceDefinition } from '../types.js';
import type { EngineContext, Row } from './context.js';
import { ownerCondition } from './owners.js';
import { selectRows } from './query.js';
import { slot } from '../../store/query-shapes.js';

/** The row `ref` names among `ownerIds`' rows; not found (never forbidden) otherwise. */
export async function findRow(engine: EngineContext, resource: ResourceDefinition, ref: string, ownerIds: readonly number[], db: Kysely<any> = engine.db): Promise<Row> {
  let by: 'id' | 'xid';
  let value: number | string;
  if (/^\d+$/.test(ref)) {
    const id = asId(ref);
    if (id === undefined) throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} ${ref.slice(0, 100)} visible to you.`);
    by = 'id';
    value = id;
  }
  else if (resource.hasXid && ref.length <= 100) { by = 'xid'; value = ref; }
  else if (resource.findByRef) {
    const found = await resource.findByRef(ref, ownerIds, db);
    if (found === undefined) throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} "${ref.slice(0, 100)}" visible to you.`);
    by = 'id';
    value = found;
  }
  else throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} with id "${ref.slice(0, 100)}"${resource.hasXid ? ' or that xid' : ''}.`);
  const build = () => {
    const where = by === 'id' ? sql<SqlBool>`t0.id = ${slot('ref')}` : sql<SqlBool>`t0.xid = ${slot('ref')}`;
    return { query: selectRows(engine.db, resource).where(ownerCondition(resource, 't0', ownerIds)).where(where), reusable: true };
  };
  const compiled = engine.shapes.compiled(JSON.stringify(['item', resource.name, by, ownerIds]), build, { ref: value });
  const row = (await db.executeQuery(compiled)).rows[0] as Row | undefined;
  if (!row) throw new CairnError('not-found', `No ${resource.itemType.toLowerCase()} ${ref.slice(0, 100)} visible to you.`);
  return row;
}
