import type { Kysely } from 'kysely';

/**
 * Per API user, the opt-in Websupport "login window" (spec websupport.md §1.3): the Python
 * client and the certbot plugin sign `GET /v1/user/self` once and send that one signature with
 * every request for the next ~60 s, on any method and path. Off by default.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('websupport_login_window', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('websupport_login_window').execute();
}
