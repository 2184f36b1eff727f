/**
 * The TAXII 2.1 endpoints (spec §4–§5), registered under `/taxii2`: discovery, the one API root
 * `cairn`, its collections (one per owner the caller may read), their objects, manifest and
 * versions, POST of objects into a writable collection (an import job) and the status of a POST.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { CairnError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import { ownersWithSetting } from '../../core/settings.js';
import {
  collectionOf, findCollectionObject, findTaxiiStatusJob, listCollectionObjects, renderEntries, STIX_MEDIA_TYPE,
  TAXII_DEFAULT_LIMIT, TAXII_MAX_LIMIT, type ObjectPage, type ObjectQuery, type TaxiiCollection, type TaxiiEntry, type VersionMatch,
} from '../../core/exchange/taxii.js';
import { postTaxiiEnvelope, taxiiStatusOf } from '../../core/exchange/taxii-status.js';
import { resourceNamed } from '../../resources/registry.js';
import type { CairnServices } from '../../services.js';
import { taxiiFailures } from './failure.js';
import { sendTaxii, TAXII_MEDIA_TYPE } from './media.js';

/** The API root's name: `/taxii2/cairn/`. */
export const API_ROOT = 'cairn';
const TAG = 'TAXII 2.1';

/** A TAXII answer schema under its media type (OpenAPI). */
function taxii(schema: TSchema, description: string): TSchema {
  return { description, content: { [TAXII_MEDIA_TYPE]: { schema } } } as unknown as TSchema;
}

const Timestamp = Type.String({ description: 'An RFC 3339 timestamp in UTC (`2026-11-27T10:00:00.000Z`)' });
const Discovery = Type.Object({
  title: Type.String(), description: Type.Optional(Type.String()), contact: Type.Optional(Type.String()),
  default: Type.Optional(Type.String({ description: 'The default API root\'s URL' })),
  api_roots: Type.Optional(Type.Array(Type.String(), { description: 'The URLs of the API roots' })),
});
const ApiRoot = Type.Object({
  title: Type.String(), description: Type.Optional(Type.String()),
  versions: Type.Array(Type.String()),
  max_content_length: Type.Integer({ description: 'The largest POST body this API root takes, in bytes' }),
});
const Collection = Type.Object({
  id: Type.String({ description: 'The owner\'s uuid: stable for the owner\'s life' }),
  title: Type.String({ description: 'The owner\'s name' }),
  description: Type.Optional(Type.String()),
  can_read: Type.Boolean(),
  can_write: Type.Boolean({ description: 'true when the owner\'s taxiiWritable setting is on (`cairn settings set taxiiWritable true --owner NAME`)' }),
  media_types: Type.Array(Type.String()),
});
const Collections = Type.Object({ collections: Type.Optional(Type.Array(Collection)) });
const StixObject = Type.Object({ type: Type.String(), id: Type.String(), spec_version: Type.String() }, { additionalProperties: true, description: 'A STIX 2.1 object' });
const Envelope = Type.Object({
  more: Type.Optional(Type.Boolean({ description: 'Whether more objects match: ask again with `next`' })),
  next: Type.Optional(Type.String({ description: 'An opaque token for the next page' })),
  objects: Type.Optional(Type.Array(StixObject)),
});
const ManifestRecord = Type.Object({ id: Type.String(), date_added: Timestamp, version: Timestamp, media_type: Type.Optional(Type.String()) });
const Manifest = Type.Object({ more: Type.Optional(Type.Boolean()), next: Type.Optional(Type.String()), objects: Type.Optional(Type.Array(ManifestRecord)) });
const Versions = Type.Object({ more: Type.Optional(Type.Boolean()), versions: Type.Optional(Type.Array(Timestamp)) });
const StatusDetails = Type.Object({ id: Type.String(), version: Timestamp, message: Type.Optional(Type.String()) });
const Status = Type.Object({
  id: Type.String(), status: Type.Union([Type.Literal('pending'), Type.Literal('complete')]),
  request_timestamp: Type.Optional(Timestamp),
  total_count: Type.Integer(), success_count: Type.Integer(), failure_count: Type.Integer(), pending_count: Type.Integer(),
  successes: Type.Optional(Type.Array(StatusDetails)), failures: Type.Optional(Type.Array(StatusDetails)), pendings: Type.Optional(Type.Array(StatusDetails)),
});

const NoQuery = Type.Object({}, { additionalProperties: true });
const CollectionParams = Type.Object({ collectionId: Type.String({ maxLength: 100 }) });
const ObjectParams = Type.Object({ collectionId: Type.String({ maxLength: 100 }), objectId: Type.String({ maxLength: 300 }) });
const filter = (description: string) => Type.Optional(Type.String({ maxLength: 10_000, description }));
const ObjectFilters = {
  added_after: filter('Only objects added to the collection after this timestamp'),
  limit: Type.Optional(Type.Integer({ minimum: 1, description: `Objects per page: ${TAXII_DEFAULT_LIMIT} by default, at most ${TAXII_MAX_LIMIT} (a larger limit is served as ${TAXII_MAX_LIMIT})` })),
  next: filter('The `next` token of the page before'),
  'match[version]': filter('`last` (the default), `first`, `all`, or timestamps; comma-separated'),
  'match[spec_version]': filter('STIX versions, comma-separated: the collections hold 2.1'),
};
const ListQuery = Type.Object({
  ...ObjectFilters,
  'match[id]': filter('STIX ids, comma-separated'),
  'match[type]': filter('STIX types, comma-separated (`indicator`, `threat-actor`, `relationship`, `marking-definition`, …)'),
}, { additionalProperties: true });
const ObjectQuerySchema = Type.Object(ObjectFilters, { additionalProperties: true });
const VersionsQuery = Type.Object({
  added_after: ObjectFilters.added_after, limit: ObjectFilters.limit, next: ObjectFilters.next, 'match[spec_version]': ObjectFilters['match[spec_version]'],
}, { additionalProperties: true });
const StatusParams = Type.Object({ statusId: Type.String({ maxLength: 100 }) });
const PostBody = Type.Object({
  objects: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'STIX 2.1 objects' }),
}, { additionalProperties: true, description: 'A TAXII envelope of STIX 2.1 objects' });

type Query = Record<string, string | number | undefined>;

function list(value: string | number | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = String(value).split(',').map((v) => v.trim()).filter((v) => v !== '');
  return items.length > 0 ? items : undefined;
}

/** A client's RFC 3339 timestamp, or a 400 naming the parameter. */
function timestamp(parameter: string, value: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value.trim()) ? new Date(value.trim()) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new CairnError('bad-request', `${parameter} must be an RFC 3339 timestamp such as 2026-11-27T10:00:00.000Z; got "${value.slice(0, 60)}".`, { parameter });
  return date;
}

const storedSecond = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
/** The TAXII form of a stored time: millisecond precision. */
const taxiiTime = (stored: string) => {
  const date = new Date(stored);
  return Number.isNaN(date.getTime()) ? stored : date.toISOString();
};

function versionMatch(value: string | number | undefined): VersionMatch {
  const items = list(value) ?? ['last'];
  if (items.some((v) => v === 'last' || v === 'first' || v === 'all')) return { kind: 'any' };
  // A stored version is to the second: a time with a fraction of a second names none.
  const times = items.map((v) => timestamp('match[version]', v)).map((d) => (d.getUTCMilliseconds() === 0 ? storedSecond(d) : d.toISOString()));
  return { kind: 'at', times };
}

function objectQuery(query: Query, extra: { ids?: string[]; types?: string[] } = {}): ObjectQuery {
  const limit = query.limit === undefined ? TAXII_DEFAULT_LIMIT : Math.min(Number(query.limit), TAXII_MAX_LIMIT);
  const addedAfter = query.added_after === undefined ? undefined : storedSecond(new Date(Math.floor(timestamp('added_after', String(query.added_after)).getTime() / 1000) * 1000));
  const specVersions = list(query['match[spec_version]']);
  return {
    limit,
    versions: versionMatch(query['match[version]']),
    ...(addedAfter !== undefined ? { addedAfter } : {}),
    ...(query.next !== undefined && String(query.next) !== '' ? { next: String(query.next) } : {}),
    ...(specVersions ? { specVersions } : {}),
    ...(extra.ids ? { ids: extra.ids } : {}),
    ...(extra.types ? { types: extra.types } : {}),
  };
}

function dateHeaders(reply: FastifyReply, entries: readonly TaxiiEntry[]): void {
  if (entries.length === 0) return;
  reply.header('X-TAXII-Date-Added-First', taxiiTime(entries[0]!.dateAdded));
  reply.header('X-TAXII-Date-Added-Last', taxiiTime(entries[entries.length - 1]!.dateAdded));
}

function envelopeOf(page: ObjectPage, objects: readonly Record<string, unknown>[]): Record<string, unknown> {
  return {
    more: page.more,
    ...(page.next !== undefined ? { next: page.next } : {}),
    ...(objects.length > 0 ? { objects } : {}),
  };
}

/** The base URL the caller reached the server at: CAIRN_PUBLIC_URL, else the request's own scheme and host. */
function baseUrl(services: CairnServices, request: FastifyRequest): string {
  return services.config.publicUrl ?? `${request.protocol}://${request.host}`;
}

export function registerTaxiiRoutes(app: FastifyInstance, services: CairnServices): void {
  const db = services.store.db;

  async function collectionsOf(principal: Principal): Promise<TaxiiCollection[]> {
    const owners = principal.visibleOwners;
    const writable = await ownersWithSetting(services.store.db, owners.map((o) => o.id), 'taxiiWritable');
    return owners.map((owner) => collectionOf(owner, writable.has(owner.id)));
  }

  /** The caller's collection `id`; another organization's (or no such) collection is 404. */
  async function collectionNamed(principal: Principal, id: string): Promise<TaxiiCollection> {
    const owner = principal.visibleOwners.find((o) => o.uuid === id);
    if (!owner) throw new CairnError('not-found', `No collection ${id.slice(0, 100)} in this API root.`);
    const writable = await ownersWithSetting(services.store.db, [owner.id], 'taxiiWritable');
    return collectionOf(owner, writable.has(owner.id));
  }

  /** A page of the caller's collection `id` as objects/ and manifest/ list it: match[id] and match[type] applied. */
  async function filteredPage(principal: Principal, id: string, query: Query) {
    const collection = await collectionNamed(principal, id);
    const ids = list(query['match[id]']);
    const types = list(query['match[type]']);
    const page = await listCollectionObjects(db, collection.owner, objectQuery(query, { ...(ids ? { ids } : {}), ...(types ? { types } : {}) }));
    return { collection, page };
  }

  function writableCollection(collection: TaxiiCollection): void {
    if (!collection.canWrite) throw new CairnError('forbidden', `The collection ${collection.id} (${collection.title}) is read-only; an administrator makes it writable with \`cairn settings set taxiiWritable true --owner "${collection.title}"\`.`);
  }

  const renderCollection = (c: TaxiiCollection) => ({ id: c.id, title: c.title, description: c.description, can_read: c.canRead, can_write: c.canWrite, media_types: [STIX_MEDIA_TYPE] });

  async function objectOf(principal: Principal, collectionId: string, objectId: string): Promise<{ collection: TaxiiCollection; entry: TaxiiEntry }> {
    const collection = await collectionNamed(principal, collectionId);
    const entry = await findCollectionObject(db, collection.owner, objectId);
    if (!entry) throw new CairnError('not-found', `No object ${objectId.slice(0, 300)} in the collection ${collection.id}.`);
    return { collection, entry };
  }

  app.get('/', {
    schema: { tags: [TAG], summary: 'Server discovery', querystring: NoQuery, response: { 200: taxii(Discovery, 'The server\'s API roots'), ...taxiiFailures(401, 406) } },
  }, async (request, reply) => {
    const root = `${baseUrl(services, request)}/taxii2/${API_ROOT}/`;
    return sendTaxii(reply, 200, {
      title: 'Cairn TAXII 2.1',
      description: 'The intelligence of the organizations and communities you may read, one collection per owner.',
      default: root,
      api_roots: [root],
    });
  });

  app.get(`/${API_ROOT}/`, {
    schema: { tags: [TAG], summary: 'The API root', querystring: NoQuery, response: { 200: taxii(ApiRoot, 'The API root'), ...taxiiFailures(401, 406) } },
  }, async (_request, reply) => sendTaxii(reply, 200, {
    title: 'Cairn',
    description: 'Indicators and groups as STIX 2.1 objects, one collection per owner.',
    versions: [TAXII_MEDIA_TYPE],
    max_content_length: services.config.taxiiMaxContentLength,
  }));

  app.get(`/${API_ROOT}/collections/`, {
    schema: { tags: [TAG], summary: 'The collections: one per owner the caller may read', querystring: NoQuery, response: { 200: taxii(Collections, 'The collections'), ...taxiiFailures(401, 406) } },
  }, async (request, reply) => {
    const collections = await collectionsOf(request.principal);
    return sendTaxii(reply, 200, collections.length > 0 ? { collections: collections.map(renderCollection) } : {});
  });

  app.get<{ Params: { collectionId: string } }>(`/${API_ROOT}/collections/:collectionId/`, {
    schema: { tags: [TAG], summary: 'One collection', params: CollectionParams, querystring: NoQuery, response: { 200: taxii(Collection, 'The collection'), ...taxiiFailures(401, 404, 406) } },
  }, async (request, reply) => sendTaxii(reply, 200, renderCollection(await collectionNamed(request.principal, request.params.collectionId))));

  app.get<{ Params: { collectionId: string }; Querystring: Query }>(`/${API_ROOT}/collections/:collectionId/objects/`, {
    schema: { tags: [TAG], summary: 'The collection\'s objects, a page at a time', params: CollectionParams, querystring: ListQuery, response: { 200: taxii(Envelope, 'An envelope of STIX objects'), ...taxiiFailures(400, 401, 404, 406) } },
  }, async (request, reply) => {
    const { collection, page } = await filteredPage(request.principal, request.params.collectionId, request.query);
    dateHeaders(reply, page.entries);
    return sendTaxii(reply, 200, envelopeOf(page, await renderEntries(db, collection.owner, page.entries)));
  });

  app.post<{ Params: { collectionId: string }; Body: { objects: unknown[] } }>(`/${API_ROOT}/collections/:collectionId/objects/`, {
    bodyLimit: services.config.taxiiMaxContentLength,
    schema: {
      tags: [TAG], summary: 'Add objects: the envelope becomes an import job; the answer is its status',
      params: CollectionParams, querystring: NoQuery,
      // Fastify picks a body schema by the media type without its parameters.
      body: { content: { 'application/taxii+json': { schema: PostBody } } } as unknown as TSchema,
      response: { 202: taxii(Status, 'The status of the import'), ...taxiiFailures(400, 401, 403, 404, 406, 413, 415) },
    },
  }, async (request, reply) => {
    const collection = await collectionNamed(request.principal, request.params.collectionId);
    writableCollection(collection);
    const job = await postTaxiiEnvelope(db, { ownerId: collection.owner.id, userId: request.principal.userId }, request.body);
    return sendTaxii(reply, 202, await taxiiStatusOf(db, job));
  });

  app.get<{ Params: { collectionId: string; objectId: string }; Querystring: Query }>(`/${API_ROOT}/collections/:collectionId/objects/:objectId/`, {
    schema: { tags: [TAG], summary: 'One object', params: ObjectParams, querystring: ObjectQuerySchema, response: { 200: taxii(Envelope, 'An envelope of the object'), ...taxiiFailures(400, 401, 404, 406) } },
  }, async (request, reply) => {
    const collection = await collectionNamed(request.principal, request.params.collectionId);
    const page = await listCollectionObjects(db, collection.owner, objectQuery(request.query, { ids: [request.params.objectId] }));
    if (page.entries.length === 0 && request.query.next === undefined) {
      // No such object is 404; an object whose version or date the filters exclude is an empty envelope.
      if (!await findCollectionObject(db, collection.owner, request.params.objectId)) throw new CairnError('not-found', `No object ${request.params.objectId.slice(0, 300)} in the collection ${collection.id}.`);
    }
    dateHeaders(reply, page.entries);
    return sendTaxii(reply, 200, envelopeOf(page, await renderEntries(db, collection.owner, page.entries)));
  });

  app.delete<{ Params: { collectionId: string; objectId: string }; Querystring: Query }>(`/${API_ROOT}/collections/:collectionId/objects/:objectId/`, {
    schema: { tags: [TAG], summary: 'Delete an object from a writable collection', params: ObjectParams, querystring: ObjectQuerySchema, response: { 200: { description: 'Deleted', type: 'null' } as unknown as TSchema, ...taxiiFailures(401, 403, 404, 406) } },
  }, async (request, reply) => {
    const { collection, entry } = await objectOf(request.principal, request.params.collectionId, request.params.objectId);
    writableCollection(collection);
    if (entry.row.kind === 'identity') throw new CairnError('forbidden', `The object ${entry.id} is the collection's owner, ${collection.title}; it is not deleted.`);
    if (entry.row.kind === 'marking') throw new CairnError('forbidden', `The object ${entry.id} is a TLP marking-definition of the STIX specification; it is not deleted.`);
    if (entry.row.kind === 'relationship') throw new CairnError('forbidden', `The object ${entry.id} is an association of two objects of ${collection.title}; remove the association over the ThreatConnect API (or delete one of its ends).`);
    const resource = resourceNamed(entry.row.kind === 'indicator' ? 'indicators' : 'groups');
    await services.resources.remove(resource, request.principal, String(entry.row.id), [String(collection.owner.id)]);
    return reply.code(200).header('Content-Type', TAXII_MEDIA_TYPE).send();
  });

  app.get<{ Params: { collectionId: string; objectId: string }; Querystring: Query }>(`/${API_ROOT}/collections/:collectionId/objects/:objectId/versions/`, {
    schema: { tags: [TAG], summary: 'The versions of an object (Cairn keeps one: the current)', params: ObjectParams, querystring: VersionsQuery, response: { 200: taxii(Versions, 'The versions'), ...taxiiFailures(400, 401, 404, 406) } },
  }, async (request, reply) => {
    const { collection } = await objectOf(request.principal, request.params.collectionId, request.params.objectId);
    const page = await listCollectionObjects(db, collection.owner, objectQuery({ ...request.query, 'match[version]': 'all' }, { ids: [request.params.objectId] }));
    dateHeaders(reply, page.entries);
    return sendTaxii(reply, 200, { more: page.more, ...(page.next !== undefined ? { next: page.next } : {}), ...(page.entries.length > 0 ? { versions: page.entries.map((e) => taxiiTime(e.version)) } : {}) });
  });

  app.get<{ Params: { collectionId: string }; Querystring: Query }>(`/${API_ROOT}/collections/:collectionId/manifest/`, {
    schema: { tags: [TAG], summary: 'The manifest: id, date added and version of each object', params: CollectionParams, querystring: ListQuery, response: { 200: taxii(Manifest, 'The manifest records'), ...taxiiFailures(400, 401, 404, 406) } },
  }, async (request, reply) => {
    const { page } = await filteredPage(request.principal, request.params.collectionId, request.query);
    dateHeaders(reply, page.entries);
    return sendTaxii(reply, 200, {
      more: page.more,
      ...(page.next !== undefined ? { next: page.next } : {}),
      ...(page.entries.length > 0 ? { objects: page.entries.map((e) => ({ id: e.id, date_added: taxiiTime(e.dateAdded), version: taxiiTime(e.version), media_type: STIX_MEDIA_TYPE })) } : {}),
    });
  });

  app.get<{ Params: { statusId: string } }>(`/${API_ROOT}/status/:statusId/`, {
    schema: { tags: [TAG], summary: 'The status of a POST of objects', params: StatusParams, querystring: NoQuery, response: { 200: taxii(Status, 'The status'), ...taxiiFailures(401, 404, 406) } },
  }, async (request, reply) => {
    const job = await findTaxiiStatusJob(db, request.params.statusId, [...request.principal.visibleOwnerIds]);
    if (!job) throw new CairnError('not-found', `No status ${request.params.statusId.slice(0, 100)} in this API root.`);
    return sendTaxii(reply, 200, await taxiiStatusOf(db, job));
  });

}
