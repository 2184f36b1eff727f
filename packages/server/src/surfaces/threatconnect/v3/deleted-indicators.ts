/**
 * `GET /v3/indicators/deleted`, as tcex's `Indicators.deleted(deleted_since, type_, owner)` reads
 * it: the indicators deleted from the caller's owners lately, newest first, from core/intel (the
 * list v2's `/indicators/deleted` shows). `deletedSince` (ISO 8601), `type` (Host, …), `owner`
 * (default every visible owner, as v3 reads), `resultStart`/`resultLimit`; the v3 list envelope
 * with `count` and a `next` link while more remain (tcex follows it).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { CairnError } from '../../../core/errors.js';
import { deletedIndicators } from '../../../core/intel/deleted-indicators.js';
import { indicatorTypeNamed } from '../../../core/intel/indicator-types.js';
import { readOwners } from '../../../resources/engine/owners.js';
import type { CairnServices } from '../../../services.js';
import { sendJson, v3Failures } from '../envelope.js';
import { parseV2Date } from '../v2/v2-params.js';
import { pageLink } from './resources.js';

const MAX_LIMIT = 10000;
const Owner = Type.String({ maxLength: 256 });
const Query = Type.Object({
  deletedSince: Type.Optional(Type.String({ maxLength: 64, description: 'Only those deleted since this date (ISO 8601)' })),
  type: Type.Optional(Type.String({ maxLength: 64, description: 'Only this indicator type (Address, Host, …)' })),
  owner: Type.Optional(Type.Union([Owner, Type.Array(Owner, { maxItems: 50 })])),
  resultStart: Type.Optional(Type.String({ maxLength: 12, description: 'The first item (default 0)' })),
  resultLimit: Type.Optional(Type.String({ maxLength: 12, description: `How many items (default 100, at most ${MAX_LIMIT})` })),
}, { additionalProperties: true });

const Deleted = Type.Object({
  id: Type.Number(), type: Type.String(), summary: Type.String(), ownerId: Type.Number(), ownerName: Type.String(),
  dateAdded: Type.String(), dateDeleted: Type.String(),
});
const Answer = Type.Object({
  data: Type.Array(Deleted), count: Type.Number(), next: Type.Optional(Type.String()), prev: Type.Optional(Type.String()), status: Type.Literal('Success'),
});

function whole(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,12}$/.test(text) || Number(text) > max) throw new CairnError('validation', `${name} must be a whole number from 0 to ${max}.`, { fields: [{ field: name, message: `must be 0 to ${max}` }] });
  return Number(text);
}

export function registerV3DeletedIndicatorRoutes(app: FastifyInstance, services: CairnServices): void {
  app.get('/indicators/deleted', {
    schema: { summary: 'Indicators deleted lately from the visible owners (or `owner`), newest first', querystring: Query, response: { 200: Answer, ...v3Failures(400, 401, 403, 404, 500) } },
  }, async (request: FastifyRequest, reply) => {
    const query = request.query as { deletedSince?: string; type?: string; owner?: string | string[]; resultStart?: string; resultLimit?: string };
    const ownerIds = readOwners(request.principal, query.owner === undefined ? undefined : Array.isArray(query.owner) ? query.owner : [query.owner]);
    const start = whole('resultStart', query.resultStart, 0, Number.MAX_SAFE_INTEGER);
    const limit = Math.max(1, whole('resultLimit', query.resultLimit, 100, MAX_LIMIT));
    let type: string | undefined;
    if (query.type !== undefined && query.type !== '') {
      type = indicatorTypeNamed(query.type)?.name;
      if (type === undefined) throw new CairnError('validation', `type: no indicator type is named "${query.type.slice(0, 64)}".`, { fields: [{ field: 'type', message: 'unknown indicator type' }] });
    }
    const { total, items } = await deletedIndicators(services.store.db, {
      ownerIds,
      ...(query.deletedSince === undefined || query.deletedSince === '' ? {} : { deletedSince: parseV2Date('deletedSince', query.deletedSince) }),
      ...(type === undefined ? {} : { type }),
      start,
      limit,
    });
    const names = new Map(request.principal.visibleOwners.map((o) => [o.id, o.name]));
    const body: Record<string, unknown> = {
      data: items.map((d) => ({ id: d.id, type: d.type, summary: d.summary, ownerId: d.ownerId, ownerName: names.get(d.ownerId) ?? '', dateAdded: d.dateAdded, dateDeleted: d.dateDeleted })),
    };
    if (start + limit < total) body.next = pageLink(request, services, {}, start + limit, limit);
    if (start > 0) body.prev = pageLink(request, services, {}, Math.max(0, start - limit), limit);
    body.count = total;
    body.status = 'Success';
    return sendJson(reply, 200, body);
  });
}
