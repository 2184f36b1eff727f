/** A user id column written and shown as {"type":"User","data":{…}} or {"type":"None"}. */
import { asId, described, type FieldKindHandler } from './kind.js';
import { USER_SCHEMA } from './user.js';

export const assigneeKind: FieldKindHandler = {
  write: 'column',
  tqlType: 'Integer',
  namesUser: true,
  async convert(_def, value, ctx) {
    const assignee = value as { type?: unknown; data?: { userName?: unknown; id?: unknown } };
    if (typeof assignee !== 'object' || Array.isArray(assignee)) return { problem: 'must be {"type":"User","data":{"userName":…}} or {"type":"None"}' };
    if (assignee.type === 'None') return { value: null };
    if (assignee.type !== 'User') return { problem: 'type must be User or None (group assignment is not supported)' };
    const ref = assignee.data?.id ?? assignee.data?.userName;
    if (ref === undefined) return { problem: 'data needs a userName or an id' };
    if (typeof ref !== 'number' && (typeof ref !== 'string' || ref.length > 200)) return { problem: 'data.userName must be a string and data.id a whole number' };
    const userId = typeof ref === 'number' ? asId(ref) : undefined;
    const user = typeof ref === 'number' && userId === undefined ? undefined : await ctx.db.selectFrom('users').select(['id', 'organization_id'])
      .where(typeof ref === 'number' ? 'id' : 'user_name', '=', (userId ?? ref) as never).executeTakeFirst();
    if (!user || !ctx.principal.visibleOwnerIds.has(Number(user.organization_id))) return { problem: `names no user of your organization: ${String(ref).slice(0, 100)}` };
    return { value: Number(user.id) };
  },
  render(def, row, lookups) {
    const user = lookups.user(def.column ? row[def.column] : undefined);
    return user ? { type: 'User', data: user } : undefined;
  },
  schemaOf(def) {
    return described(def, {
      type: 'object',
      // In a body, data names the user by userName or id; in an answer it is the whole user.
      properties: { type: { type: 'string', examples: ['User', 'None'] }, data: USER_SCHEMA },
    });
  },
};
