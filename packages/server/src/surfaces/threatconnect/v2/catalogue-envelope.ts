/**
 * PROVISIONAL: the v2 owner choice and envelopes the catalogue routes use until intel-v2-read's
 * intel-render.ts lands; then these move onto it and this file goes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CairnError } from '../../../core/errors.js';
import { sendV2, xmlData } from '../envelope.js';

type Owner = { id: number; name: string; type: string };

/** The owners a v2 request names (`owner`, repeatable; names or ids), default the caller's organization. */
export function ownerNamesOf(request: FastifyRequest): Owner[] {
  const raw = (request.query as { owner?: string | string[] }).owner;
  const names = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const visible = request.principal.visibleOwners;
  if (names.length === 0) return [visible.find((o) => o.id === request.principal.organizationId)!];
  return names.map((name) => {
    const owner = visible.find((o) => o.name === name) ?? (/^\d{1,10}$/.test(name) ? visible.find((o) => o.id === Number(name)) : undefined);
    if (!owner) throw new CairnError('not-found', 'The requested owner was not found');
    return owner;
  });
}

/** The same owners as the engine's `owner` option. */
export const v2Owners = (request: FastifyRequest): string[] => ownerNamesOf(request).map((o) => o.name);

const HASHES = new Set(['md5', 'sha1', 'sha256']);
const pascal = (key: string) => (HASHES.has(key) ? key : key.charAt(0).toUpperCase() + key.slice(1));

function toXml(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toXml);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [pascal(k), toXml(v)]));
  }
  return typeof value === 'boolean' ? String(value) : value;
}

const plural = (key: string) => `${key}s`;

export function sendV2Item(request: FastifyRequest, reply: FastifyReply, status: number, entityKey: string, item: object): FastifyReply {
  return sendV2(request, reply, status, { status: 'Success', data: { [entityKey]: item } },
    () => ({ [`${entityKey}Response`]: { Status: 'Success', Data: xmlData(`${entityKey}ResponseData`, { [pascal(entityKey)]: toXml(item) }) } }));
}

export function sendV2List(request: FastifyRequest, reply: FastifyReply, entityKey: string, items: object[], resultCount?: number): FastifyReply {
  const count = resultCount ?? items.length;
  return sendV2(request, reply, 200, { status: 'Success', data: { resultCount: count, [entityKey]: items } },
    () => ({ [`${plural(entityKey)}Response`]: { Status: 'Success', Data: xmlData(`${entityKey}ListResponseData`, { ResultCount: count, [pascal(entityKey)]: toXml(items) }) } }));
}
