/**
 * How the security matrix fills each route: the request a caller makes on its own data, what it
 * answers, and the requests that name the other organization's objects. Keyed by the route as
 * registered (`METHOD pattern`). The v3 resource routes are generated from the resource registry;
 * the rest are written by hand. A registered route with no entry here fails the matrix.
 */
import assert from 'node:assert/strict';
import { RESOURCES } from '../../src/resources/registry.js';
import type { ResourceDefinition } from '../../src/resources/types.js';
import type { Caller, SchemeName } from '../support/signing-schemes.js';
import type { Json } from '../support/v3.js';
import { batchFixtures } from './batch-fixtures.js';
import { catalogueFixtures } from './catalogue-fixtures.js';
import type { MatrixWorld, Tenant } from './matrix-world.js';
import { taxiiFixtures } from './taxii-fixtures.js';
import { v2IntelWriteFixtures } from './v2-intel-write-fixtures.js';

export interface OwnRequest {
  target: string;
  body?: unknown;
  /** Sign as this caller instead of the tenant's API user (a route that changes its caller's secret). */
  caller?: Caller;
  /** Headers of the request's own (a TAXII POST's Content-Type). */
  headers?: Record<string, string>;
}

/** A request with a valid home credential that names the foreign organization or one of its objects. */
export interface CrossOwnerRequest {
  label: string;
  target: string;
  body?: unknown;
  status: number;
  /** Checks a 2xx answer's JSON (a failure's envelope is checked by the matrix). */
  check?(body: Json): void;
  /** What a failure's message must say. */
  message?: RegExp;
  /** Headers of the request's own (a TAXII POST's Content-Type). */
  headers?: Record<string, string>;
}

export interface RouteFixture {
  /** The request a tenant's caller makes to use the route on its own data (made once per scheme: writes get fresh objects). */
  own(world: MatrixWorld, tenant: Tenant, scheme: SchemeName): Promise<OwnRequest>;
  /** What that request answers: 2xx, or 403 where a scheme is refused by design. */
  status(scheme: SchemeName): number;
  /** Checks the JSON of that request's 2xx answer. */
  checkOwn?(body: Json): void;
  /** A 2xx answer shows some of the tenant's own identifiers (a list or self route), so the other's absence means something. */
  showsOwnData: boolean;
  /** Requests naming the foreign organization's objects; none where the route takes no object (then the own answer must show nothing foreign). */
  crossOwner(world: MatrixWorld): CrossOwnerRequest[];
}

/** The API roots the ThreatConnect surface answers on. */
/** The ThreatConnect routes: `/api/v2/…` and `/api/v3/…` are aliases of them (test/surfaces/threatconnect/api-alias.test.ts). */
const THREATCONNECT_BASES = [''];

const always = (code: number) => () => code;
/** TC-Tokens cannot mint tokens nor read or rotate a service key. */
const refusesTokens = (ok: number) => (scheme: SchemeName) => (scheme === 'tc-token' ? 403 : ok);
const none = (): CrossOwnerRequest[] => [];

/** A read of the caller's own data at a fixed target. */
function readsOwn(target: string | ((tenant: Tenant, scheme: SchemeName) => string), showsOwnData: boolean, crossOwner: (world: MatrixWorld) => CrossOwnerRequest[] = none): RouteFixture {
  return {
    own: async (_world, tenant, scheme) => ({ target: typeof target === 'string' ? target : target(tenant, scheme) }),
    status: always(200),
    showsOwnData,
    crossOwner,
  };
}

/** A file group of a tenant's, made through its own signed v3 POST, with `content` uploaded unless undefined. */
async function fileGroup(world: MatrixWorld, tenant: Tenant, type: 'Document' | 'Report', branch: string, content?: string): Promise<{ id: number; xid: string }> {
  const created = await world.sendAs(tenant.caller, 'tc-hmac', 'POST', '/api/v3/groups', { type, name: `${tenant.marker} ${type.toLowerCase()}`, fileName: `${tenant.marker}.txt` });
  assert.equal(created.status, 201, created.body);
  const { id, xid } = (JSON.parse(created.body) as Json).data as { id: number; xid: string };
  if (content !== undefined) {
    const uploaded = await world.sendAs(tenant.caller, 'tc-hmac', 'POST', `/api/v2/groups/${branch}/${id}/upload`, content);
    assert.equal(uploaded.status, 200, uploaded.body);
  }
  return { id, xid };
}

/** One foreign file group per world and type, holding a file that names the foreign organization's marker. */
const foreignFileGroups = new WeakMap<MatrixWorld, Map<string, { id: number; xid: string }>>();

async function foreignFileGroup(world: MatrixWorld, type: 'Document' | 'Report', branch: string): Promise<void> {
  let groups = foreignFileGroups.get(world);
  if (!groups) foreignFileGroups.set(world, groups = new Map());
  if (!groups.has(type)) groups.set(type, await fileGroup(world, world.foreign, type, branch, `${world.foreign.marker} file`));
}

/** Upload and download of Document and Report files: the foreign file group by id and xid, and `?owner=` the foreign organization, are 404. */
function fileGroupFixtures(fixtures: Map<string, RouteFixture>, base: string): void {
  // v3 (`/v3/groups/:id/…`, any file group) and v2 (`/v2/groups/{branch}/:id/…`, one type per branch).
  const paths = (branch: string) => ({ v2: `${base}/v2/groups/${branch}`, v3: `${base}/v3/groups` });
  for (const [type, branch, version] of [['Document', 'documents', 'v2'], ['Report', 'reports', 'v2'], ['Document', 'documents', 'v3']] as const) {
    const prefix = paths(branch)[version];
    const crossOwner = (suffix: string, body?: unknown) => (world: MatrixWorld): CrossOwnerRequest[] => {
      const theirs = foreignFileGroups.get(world)!.get(type)!;
      // v2 names owners (its 403 echoes nothing); v3 takes an id too (its 404 echoes what was sent).
      const ownerQuery = `owner=${version === 'v2' ? encodeURIComponent(world.foreign.organization.name) : world.foreign.organization.id}`;
      return [
        { label: `the foreign ${type.toLowerCase()}'s id`, target: `${prefix}/${theirs.id}/${suffix}`, body, status: 404 },
        { label: `the foreign ${type.toLowerCase()}'s xid`, target: `${prefix}/${theirs.xid}/${suffix}`, body, status: 404 },
        // v2: an owner the caller cannot see is 403 "The requested owner was not found" (spec §4.3), as on every v2 route.
        { label: `its id with ?owner= the foreign organization`, target: `${prefix}/${theirs.id}/${suffix}?${ownerQuery}`, body, status: version === 'v2' ? 403 : 404 },
      ];
    };
    for (const method of ['POST', 'PUT']) {
      fixtures.set(`${method} ${prefix}/:id/upload`, {
        own: async (world, tenant) => {
          await foreignFileGroup(world, type, branch);
          return { target: `${prefix}/${(await fileGroup(world, tenant, type, branch)).id}/upload?updateIfExists=true`, body: `${tenant.marker} upload` };
        },
        status: always(200),
        checkOwn: (body) => assert.equal(body.status, 'Success'),
        showsOwnData: false,
        crossOwner: crossOwner('upload', 'overwritten'),
      });
    }
    fixtures.set(`GET ${prefix}/:id/download`, {
      own: async (world, tenant) => {
        await foreignFileGroup(world, type, branch);
        return { target: `${prefix}/${(await fileGroup(world, tenant, type, branch, `${tenant.marker} file`)).id}/download` };
      },
      status: always(200),
      showsOwnData: true,
      crossOwner: crossOwner('download'),
    });
  }
}

function handWritten(): Map<string, RouteFixture> {
  const fixtures = new Map<string, RouteFixture>();
  for (const base of THREATCONNECT_BASES) {
    fileGroupFixtures(fixtures, base);
    catalogueFixtures(fixtures, base);
    fixtures.set(`GET ${base}/v2/owners`, readsOwn(`${base}/v2/owners`, true));
    fixtures.set(`GET ${base}/v2/owners/mine`, readsOwn(`${base}/v2/owners/mine`, true));
    fixtures.set(`GET ${base}/v2/owners/:id`, readsOwn((tenant) => `${base}/v2/owners/${tenant.organization.id}`, true, (world) => [
      { label: 'the foreign organization\'s owner id', target: `${base}/v2/owners/${world.foreign.organization.id}`, status: 404 },
    ]));
    fixtures.set(`GET ${base}/v2/whoami`, readsOwn(`${base}/v2/whoami`, true));
    for (const [kind, resourceName, branch] of [['indicators', 'indicators', 'hosts'], ['groups', 'groups', 'adversaries']] as const) {
      const path = `${base}/v2/${kind}`;
      const foreignOwner = (world: MatrixWorld) => `owner=${encodeURIComponent(world.foreign.organization.name)}`;
      const ownerRefused = (target: string) => (world: MatrixWorld): CrossOwnerRequest[] => [
        { label: '?owner= the foreign organization', target: `${target}?${foreignOwner(world)}`, status: 403, message: /The requested owner was not found/ },
      ];
      // An indicator is named by its value, a group by its id.
      const ref = (planted: { id: number; summary?: string } | undefined) => encodeURIComponent(String(kind === 'indicators' ? planted?.summary : planted?.id));
      fixtures.set(`GET ${path}`, readsOwn(path, true, ownerRefused(path)));
      fixtures.set(`GET ${path}/:branch`, readsOwn(`${path}/${branch}`, true, ownerRefused(`${path}/${branch}`)));
      fixtures.set(`GET ${path}/:branch/:${kind === 'indicators' ? 'value' : 'id'}`, readsOwn((tenant) => `${path}/${branch}/${ref(tenant.planted.get(resourceName))}`, true, (world) => [
        { label: `a foreign ${kind === 'indicators' ? 'indicator\'s value' : 'group\'s id'}`, target: `${path}/${branch}/${ref(world.foreign.planted.get(resourceName))}`, status: 404 },
        ...ownerRefused(`${path}/${branch}/${ref(world.foreign.planted.get(resourceName))}`)(world),
      ]));
    }
    fixtures.set(`POST ${base}/v3/security/tokens`, { own: async () => ({ target: `${base}/v3/security/tokens` }), status: refusesTokens(201), showsOwnData: false, crossOwner: none });
  }
  // `self` and the caller's own numeric id are the same user.
  fixtures.set('GET /v1/user/:id', readsOwn((tenant, scheme) => `/v1/user/${scheme === 'tc-hmac' || scheme === 'websupport' ? 'self' : tenant.caller.userId}`, true, (world) => [
    { label: 'the foreign API user\'s id', target: `/v1/user/${world.foreign.caller.userId}`, status: 404 },
  ]));
  fixtures.set('GET /v1/user', readsOwn('/v1/user', true));
  fixtures.set('GET /Contrast/api/ng/profile/organizations', readsOwn('/Contrast/api/ng/profile/organizations', true));
  fixtures.set('GET /Contrast/api/ng/profile/organizations/default', readsOwn('/Contrast/api/ng/profile/organizations/default', true));
  fixtures.set('GET /Contrast/s/api/version', readsOwn('/Contrast/s/api/version', false));
  fixtures.set('GET /Contrast/api/ng/profile/servicekey', { ...readsOwn('/Contrast/api/ng/profile/servicekey', true), status: refusesTokens(200) });
  fixtures.set('PUT /Contrast/api/ng/profile/servicekey/rotate', {
    // Rotates its caller's key: each scheme rotates a user of its own, so the home credential survives.
    own: async (world, tenant) => ({ target: '/Contrast/api/ng/profile/servicekey/rotate', caller: await world.newApiUser(tenant.organization.name, 'rotating matrix user') }),
    status: refusesTokens(200),
    showsOwnData: true,
    crossOwner: none,
  });
  return fixtures;
}

/**
 * The id a tenant reads a resource by: its planted object, its own organization, or in a
 * system-wide catalogue (artifact types) the first item, seeded with id 1 by the migrations.
 */
function ownId(tenant: Tenant, resource: ResourceDefinition): number {
  if (resource.name === 'security/owners') return tenant.organization.id;
  return tenant.planted.get(resource.name)?.id ?? 1;
}

/** The foreign objects a home caller names by id (and by xid): none for a system-wide catalogue. */
function foreignRefs(world: MatrixWorld, resource: ResourceDefinition): { label: string; ref: string | number }[] {
  if (resource.ownerColumn === null) return [];
  if (resource.name === 'security/owners') return [{ label: 'the foreign organization\'s id', ref: world.foreign.organization.id }];
  const planted = world.foreign.planted.get(resource.name);
  assert.ok(planted, `no foreign ${resource.name} planted`);
  return [
    { label: `a foreign ${resource.itemType}'s id`, ref: planted.id },
    ...(planted.xid === undefined ? [] : [{ label: `a foreign ${resource.itemType}'s xid`, ref: planted.xid }]),
  ];
}

/** The routes the v3 router registers per resource and API root: writes only where the resource takes them, bulk delete only where it is offered. */
function v3ResourceFixtures(): Map<string, RouteFixture> {
  const fixtures = new Map<string, RouteFixture>();
  const q = encodeURIComponent;
  for (const base of THREATCONNECT_BASES) {
    for (const resource of RESOURCES.values()) {
      const path = `${base}/v3/${resource.name}`;
      const writable = !resource.readOnly;
      const owned = resource.ownerColumn !== null;
      /** A fresh object to change or delete. */
      const target = async (world: MatrixWorld, tenant: Tenant) => (await world.plant(tenant, resource)).id;
      const foreignOwner = (world: MatrixWorld) => `owner=${world.foreign.organization.id}`;

      for (const suffix of ['', '/fields', '/tql']) fixtures.set(`OPTIONS ${path}${suffix}`, readsOwn(`${path}${suffix}`, false));

      fixtures.set(`GET ${path}`, readsOwn(path, owned, (world) => [
        { label: '?owner= the foreign organization', target: `${path}?${foreignOwner(world)}`, status: 404 },
      ]));

      fixtures.set(`GET ${path}/:id`, readsOwn((tenant) => `${path}/${ownId(tenant, resource)}`, owned, (world) =>
        foreignRefs(world, resource).map(({ label, ref }) => ({ label, target: `${path}/${q(String(ref))}`, status: 404 }))));

      if (writable) {
        fixtures.set(`POST ${path}`, {
          own: async (world, tenant) => ({ target: path, body: world.createBody(tenant, resource) }),
          status: always(201),
          showsOwnData: true,
          crossOwner: (world) => [
            { label: '?owner= the foreign organization', target: `${path}?${foreignOwner(world)}`, body: world.createBody(world.home, resource), status: 404 },
            ...(resource.parents ? [{
              label: `a foreign ${resource.parents[0]!.resource} as the parent`,
              target: path,
              body: world.createBody(world.home, resource, world.foreign),
              status: 400,
              message: /visible to you/,
            }] : []),
          ],
        });

        fixtures.set(`PUT ${path}/:id`, {
          own: async (world, tenant) => ({ target: `${path}/${await target(world, tenant)}`, body: world.updateBody(tenant, resource) }),
          status: always(200),
          showsOwnData: true,
          crossOwner: (world) => foreignRefs(world, resource).map(({ label, ref }) =>
            ({ label, target: `${path}/${q(String(ref))}`, body: world.updateBody(world.home, resource), status: 404 })),
        });

        fixtures.set(`DELETE ${path}/:id`, {
          own: async (world, tenant) => ({ target: `${path}/${await target(world, tenant)}` }),
          status: always(200),
          showsOwnData: false,
          crossOwner: (world) => foreignRefs(world, resource).map(({ label, ref }) => ({ label, target: `${path}/${q(String(ref))}`, status: 404 })),
        });
      }

      const bulk = writable && resource.bulkDelete === true;
      if (bulk) fixtures.set(`DELETE ${path}`, {
        own: async (world, tenant) => ({ target: `${path}?tql=${q(`id = ${await target(world, tenant)}`)}` }),
        status: always(200),
        checkOwn: (body) => assert.equal(body.count, 1, 'deleted the one object named'),
        showsOwnData: false,
        crossOwner: (world) => foreignRefs(world, resource).filter(({ ref }) => typeof ref === 'number').flatMap(({ label, ref }) => [
          { label: `tql naming ${label}`, target: `${path}?tql=${q(`id = ${ref}`)}`, status: 200, check: (body: Json) => assert.equal(body.count, 0, 'deleted nothing') },
          { label: `?owner= the foreign organization, tql naming ${label}`, target: `${path}?${foreignOwner(world)}&tql=${q(`id = ${ref}`)}`, status: 404 },
        ]),
      });
    }
  }
  return fixtures;
}

export function routeFixtures(): ReadonlyMap<string, RouteFixture> {
  return new Map([...v3ResourceFixtures(), ...handWritten(), ...v2IntelWriteFixtures(THREATCONNECT_BASES), ...batchFixtures(THREATCONNECT_BASES), ...taxiiFixtures()]);
}

/** Routes that answer without authentication: exactly these, no more. */
export const PUBLIC_ROUTES: readonly string[] = ['GET /healthz', 'GET /readyz'];
