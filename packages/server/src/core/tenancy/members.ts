/** The members of an organization (`GET /v2/owners/mine/members`): who they are, never what they hold. */
import type { Kysely } from 'kysely';

export interface Member { userName: string; firstName: string; lastName: string }

/** A page of the organization's enabled users (people and API users), by id; names only. */
export async function organizationMembers(db: Kysely<any>, organizationId: number, start: number, limit: number): Promise<Member[]> {
  const rows = await db.selectFrom('users').where('organization_id', '=', organizationId).where('disabled', '=', 0)
    .select(['user_name', 'first_name', 'last_name']).orderBy('id').limit(limit).offset(start).execute();
  return rows.map((r) => ({ userName: String(r.user_name), firstName: String(r.first_name), lastName: String(r.last_name) }));
}
