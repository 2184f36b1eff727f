/**
 * Route-matrix fixtures of the TAXII 2.1 surface (`/taxii2/…`): a tenant's collection is its
 * organization (by uuid), its objects its planted indicators and groups; the other organization's
 * collection, objects and statuses are 404. Writes (POST objects, DELETE an object) first make the
 * tenant's collection writable (the owner setting), then act on fresh objects of its own.
 */
import assert from 'node:assert/strict';
import type { Json } from '../support/v3.js';
import type { MatrixWorld, Tenant } from './matrix-world.js';
import type { CrossOwnerRequest, RouteFixture } from './route-fixtures.js';

const ROOT = '/taxii2/cairn';
const TAXII = 'application/taxii+json;version=2.1';
const TAXII_HEADERS = { Accept: TAXII, 'Content-Type': TAXII };
const always = (code: number) => () => code;
const none = (): CrossOwnerRequest[] => [];
const collection = (tenant: Tenant) => `${ROOT}/collections/${tenant.organization.uuid}`;
/** An object id no collection holds. */
const NO_OBJECT = 'threat-actor--00000000-0000-5000-8000-000000000000';

async function makeWritable(world: MatrixWorld, tenant: Tenant): Promise<void> {
  await world.server.services.store.db.insertInto('system_settings').values({ key: `owner:${tenant.organization.id}:taxiiWritable`, value: 'true' })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: 'true' })).execute();
}

/** The STIX id of the tenant's group named `name`, as its own TAXII listing shows it. */
async function groupObjectId(world: MatrixWorld, tenant: Tenant, name: string): Promise<string> {
  const target = `${collection(tenant)}/objects/?match[type]=threat-actor&limit=1000`;
  const answer = await world.sendAs(tenant.caller, 'tc-hmac', 'GET', target, undefined, { Accept: TAXII });
  assert.equal(answer.status, 200, answer.body);
  const found = ((JSON.parse(answer.body) as Json).objects ?? []).find((o: Json) => o.name === name);
  assert.ok(found, `${tenant.side}: no object named ${name}`);
  return found.id as string;
}

/** The tenant's planted group's object id, once per world and tenant. */
const plantedIds = new WeakMap<MatrixWorld, Map<Tenant, string>>();
async function plantedObjectId(world: MatrixWorld, tenant: Tenant): Promise<string> {
  let ids = plantedIds.get(world);
  if (!ids) plantedIds.set(world, ids = new Map());
  if (!ids.has(tenant)) {
    const planted = tenant.planted.get('groups');
    assert.ok(planted, 'a planted group');
    const read = await world.sendAs(tenant.caller, 'tc-hmac', 'GET', `/api/v3/groups/${planted.id}`);
    ids.set(tenant, await groupObjectId(world, tenant, String((JSON.parse(read.body) as Json).data.name)));
  }
  return ids.get(tenant)!;
}
const foreignObjectId = (world: MatrixWorld) => {
  const id = plantedIds.get(world)?.get(world.foreign);
  assert.ok(id, 'the foreign object id is read by the first own request');
  return id;
};

let fresh = 0;

/** A new Adversary of the tenant's (made over v3) and its object id. */
async function freshObject(world: MatrixWorld, tenant: Tenant): Promise<string> {
  const name = `${tenant.marker} taxii ${++fresh}`;
  const created = await world.sendAs(tenant.caller, 'tc-hmac', 'POST', '/api/v3/groups', { type: 'Adversary', name });
  assert.equal(created.status, 201, created.body);
  return groupObjectId(world, tenant, name);
}

/** A status of the tenant's: a POST into its (writable) collection. */
async function statusOf(world: MatrixWorld, tenant: Tenant): Promise<string> {
  await makeWritable(world, tenant);
  const target = `${collection(tenant)}/objects/`;
  const answer = await world.sendAs(tenant.caller, 'tc-hmac', 'POST', target, envelope(tenant), TAXII_HEADERS);
  assert.equal(answer.status, 202, answer.body);
  return String((JSON.parse(answer.body) as Json).id);
}
const statuses = new WeakMap<MatrixWorld, Map<Tenant, Promise<string>>>();
function statusOnce(world: MatrixWorld, tenant: Tenant): Promise<string> {
  let byTenant = statuses.get(world);
  if (!byTenant) statuses.set(world, byTenant = new Map());
  if (!byTenant.has(tenant)) byTenant.set(tenant, statusOf(world, tenant));
  return byTenant.get(tenant)!;
}
const knownStatuses = new WeakMap<MatrixWorld, string>();

function envelope(tenant: Tenant): Json {
  return { objects: [{ type: 'threat-actor', spec_version: '2.1', id: `threat-actor--${crypto.randomUUID()}`, created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', name: `${tenant.marker} posted ${++fresh}` }] };
}

function reads(target: (tenant: Tenant, world: MatrixWorld) => Promise<string> | string, showsOwnData: boolean, crossOwner: (world: MatrixWorld) => CrossOwnerRequest[] = none): RouteFixture {
  return {
    own: async (world, tenant) => ({ target: await target(tenant, world), headers: { Accept: TAXII } }),
    status: always(200),
    showsOwnData,
    crossOwner,
  };
}

const foreignCollection = (suffix: string) => (world: MatrixWorld): CrossOwnerRequest[] => [
  { label: 'the foreign organization\'s collection', target: `${collection(world.foreign)}${suffix}`, status: 404, headers: { Accept: TAXII } },
];

/** Object routes: the foreign object in the home collection, and in its own collection, are 404. */
const foreignObject = (suffix: string, extra: Partial<CrossOwnerRequest> = {}) => (world: MatrixWorld): CrossOwnerRequest[] => [
  { label: 'a foreign object in the caller\'s collection', target: `${collection(world.home)}/objects/${foreignObjectId(world)}/${suffix}`, status: 404, headers: { Accept: TAXII }, ...extra },
  { label: 'a foreign object in its own collection', target: `${collection(world.foreign)}/objects/${foreignObjectId(world)}/${suffix}`, status: 404, headers: { Accept: TAXII }, ...extra },
  { label: 'an object no collection holds', target: `${collection(world.home)}/objects/${NO_OBJECT}/${suffix}`, status: 404, headers: { Accept: TAXII }, ...extra },
];

export function taxiiFixtures(): Map<string, RouteFixture> {
  const fixtures = new Map<string, RouteFixture>();
  fixtures.set('GET /taxii2', reads(() => '/taxii2/', false));
  fixtures.set(`GET ${ROOT}/`, reads(() => `${ROOT}/`, false));
  fixtures.set(`GET ${ROOT}/collections/`, reads(() => `${ROOT}/collections/`, true));
  fixtures.set(`GET ${ROOT}/collections/:collectionId/`, reads((tenant) => `${collection(tenant)}/`, true, foreignCollection('/')));
  fixtures.set(`GET ${ROOT}/collections/:collectionId/objects/`, reads(async (tenant, world) => {
    await plantedObjectId(world, world.other(tenant));
    return `${collection(tenant)}/objects/?limit=1000`;
  }, true, foreignCollection('/objects/')));
  fixtures.set(`GET ${ROOT}/collections/:collectionId/manifest/`, reads((tenant) => `${collection(tenant)}/manifest/?limit=1000`, false, foreignCollection('/manifest/')));
  fixtures.set(`GET ${ROOT}/collections/:collectionId/objects/:objectId/`, reads(async (tenant, world) => {
    await plantedObjectId(world, world.other(tenant));
    return `${collection(tenant)}/objects/${await plantedObjectId(world, tenant)}/`;
  }, true, foreignObject('')));
  fixtures.set(`GET ${ROOT}/collections/:collectionId/objects/:objectId/versions/`, reads(async (tenant, world) => {
    await plantedObjectId(world, world.other(tenant));
    return `${collection(tenant)}/objects/${await plantedObjectId(world, tenant)}/versions/`;
  }, false, foreignObject('versions/')));

  fixtures.set(`DELETE ${ROOT}/collections/:collectionId/objects/:objectId/`, {
    own: async (world, tenant) => {
      await plantedObjectId(world, world.foreign);
      await makeWritable(world, tenant);
      await makeWritable(world, world.foreign);
      return { target: `${collection(tenant)}/objects/${await freshObject(world, tenant)}/`, headers: { Accept: TAXII } };
    },
    status: always(200),
    showsOwnData: false,
    crossOwner: foreignObject(''),
  });

  fixtures.set(`POST ${ROOT}/collections/:collectionId/objects/`, {
    own: async (world, tenant) => {
      await makeWritable(world, tenant);
      await makeWritable(world, world.foreign);
      return { target: `${collection(tenant)}/objects/`, body: envelope(tenant), headers: TAXII_HEADERS };
    },
    status: always(202),
    checkOwn: (body) => assert.equal(body.total_count, 1),
    showsOwnData: false,
    crossOwner: (world) => [
      { label: 'the foreign organization\'s (writable) collection', target: `${collection(world.foreign)}/objects/`, body: envelope(world.home), status: 404, headers: TAXII_HEADERS },
    ],
  });

  fixtures.set(`GET ${ROOT}/status/:statusId/`, {
    own: async (world, tenant) => {
      knownStatuses.set(world, await statusOnce(world, world.foreign));
      return { target: `${ROOT}/status/${await statusOnce(world, tenant)}/`, headers: { Accept: TAXII } };
    },
    status: always(200),
    showsOwnData: false,
    crossOwner: (world) => [
      { label: 'the foreign organization\'s status', target: `${ROOT}/status/${knownStatuses.get(world)}/`, status: 404, headers: { Accept: TAXII } },
    ],
  });
  return fixtures;
}
