/**
 * The ids of a TQL selection of an owner's indicators or groups, a keyset page at a time, through
 * the v3 engine (its TQL, owner scoping and default active filter): what a STIX export
 * (core/exchange/stix/export.ts) reads when the caller gives a TQL. The same TQL applies to each
 * kind the export holds, so with `over: 'both'` it must be valid for indicators and for groups.
 */
import type { Principal } from '../core/principal.js';
import type { SelectionIds } from '../core/exchange/stix/export.js';
import type { ResourceEngine } from './engine.js';

export function tqlSelectionIds(engine: ResourceEngine, principal: Principal, ownerName: string, tql: string | undefined): SelectionIds {
  return async (over, afterId, limit) => {
    const page = await engine.listAfter(engine.registry.named(over), principal, { afterId, limit, fields: ['id'], exactFields: true, owner: [ownerName], ...(tql !== undefined ? { tql } : {}) });
    const ids = page.data.map((row) => Number(row.id));
    return page.nextAfterId === undefined ? { ids } : { ids, nextAfterId: page.nextAfterId };
  };
}

/**
 * A principal that reads exactly one owner: for an export an operator runs (`cairn export`), where
 * no user signs a request. It may read the owner's items and nothing else; it writes nothing.
 */
export function ownerReadPrincipal(owner: { id: number; name: string; type: 'Organization' | 'Community' | 'Source'; uuid: string }): Principal {
  return {
    userId: 0, userUuid: '', userName: 'cairn-export', kind: 'api', role: 'Read Only', firstName: '', lastName: '', pseudonym: '', displayName: 'cairn export',
    createdAt: '', organizationId: owner.id, organizationName: owner.name, organizationUuid: owner.uuid,
    visibleOwnerIds: new Set([owner.id]), visibleOwners: [owner], scheme: 'threatconnect-hmac',
  };
}
