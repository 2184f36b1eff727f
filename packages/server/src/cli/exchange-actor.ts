/**
 * Who `cairn import` and `cairn export` act as: the owner named by `--owner`, and a user who may
 * see it (`--as USER`, an id or access id; by default the owner's first enabled user, or for a
 * community the first enabled user of a member organization). Imports are recorded as that user's
 * jobs; exports read what that user may read.
 */
import type { Principal } from '../core/principal.js';
import type { Owner } from '../core/tenancy/tenancy-service.js';
import type { CairnServices } from '../services.js';
import { CommandError } from './command.js';

export interface ExchangeActor { owner: Owner; principal: Principal }

export async function exchangeActor(services: CairnServices, ownerRef: string, userRef: string | undefined): Promise<ExchangeActor> {
  if (ownerRef.trim() === '' || ownerRef.length > 500) throw new CommandError('--owner must name an organization or community.', 'validation');
  const owner = await services.tenancy.findOwner(ownerRef);
  let userId: number;
  if (userRef !== undefined) {
    userId = (await services.tenancy.findUser(userRef)).id;
  } else {
    const db = services.store.db;
    const row = await db.selectFrom('users').select('users.id')
      .where('users.disabled', '=', 0)
      .where((eb) => eb.or([
        eb('users.organization_id', '=', owner.id),
        eb('users.organization_id', 'in', eb.selectFrom('community_members').select('organization_id').where('community_id', '=', owner.id)),
      ]))
      .orderBy('users.id').limit(1).executeTakeFirst();
    if (!row) {
      throw new CommandError(`"${owner.name}" has no enabled user to act as: create one with \`cairn api-users create --org NAME\`, or pass --as USER.`, 'not-found');
    }
    userId = Number(row.id);
  }
  const credential = await services.credentials.byUserId(userId);
  if (!credential) throw new CommandError(`No user ${userId}.`, 'not-found');
  if (!credential.principal.visibleOwnerIds.has(owner.id)) {
    throw new CommandError(`${credential.principal.userName} cannot see "${owner.name}" (not its organization, nor a community it is a member of).`, 'forbidden');
  }
  // No request was signed: the scheme is only read by surfaces (token issuance), never by the engine's reads.
  return { owner, principal: { ...credential.principal, scheme: 'threatconnect-hmac' } };
}
