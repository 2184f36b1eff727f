/**
 * Route-matrix fixtures of the v2 catalogue, metrics, members and bulk routes: each tenant gets,
 * once, a tag carried by one of its indicators and one of its groups, and a deleted indicator, all
 * named with its marker, so its own answers show its data and the other's requests can name them.
 */
import assert from 'node:assert/strict';
import type { Json } from '../support/v3.js';
import type { SchemeName } from '../support/signing-schemes.js';
import type { MatrixWorld, Tenant } from './matrix-world.js';
import type { CrossOwnerRequest, RouteFixture } from './route-fixtures.js';

interface CatalogueData { tag: string; label: string }

const prepared = new WeakMap<MatrixWorld, Promise<Map<Tenant, CatalogueData>>>();

async function post(world: MatrixWorld, tenant: Tenant, target: string, body: unknown): Promise<Json> {
  const answer = await world.sendAs(tenant.caller, 'tc-hmac', 'POST', target, body);
  assert.equal(answer.status, 201, `${tenant.side} POST ${target}: ${answer.body}`);
  return (JSON.parse(answer.body) as Json).data;
}

async function prepareTenant(world: MatrixWorld, tenant: Tenant): Promise<CatalogueData> {
  const tag = `${tenant.marker} tagged`;
  const planted = tenant.planted.get('securityLabels');
  assert.ok(planted, `no ${tenant.side} security label planted`);
  const labelAnswer = await world.sendAs(tenant.caller, 'tc-hmac', 'GET', `/api/v3/securityLabels/${planted.id}`);
  const label = String((JSON.parse(labelAnswer.body) as Json).data.name);
  // The tagged indicator and group also carry the tenant's own label (the label pivots show them).
  const labels = { data: [{ name: label }] };
  await post(world, tenant, '/api/v3/indicators', { type: 'Host', hostName: `${tenant.marker}.tagged.example.com`, tags: { data: [{ name: tag }] }, securityLabels: labels });
  await post(world, tenant, '/api/v3/groups', { type: 'Adversary', name: `${tenant.marker} tagged group`, tags: { data: [{ name: tag }] }, securityLabels: labels });
  const doomed = await post(world, tenant, '/api/v3/indicators', { type: 'Host', hostName: `${tenant.marker}.deleted.example.com` });
  const gone = await world.sendAs(tenant.caller, 'tc-hmac', 'DELETE', `/api/v3/indicators/${doomed.id}`);
  assert.equal(gone.status, 200, gone.body);
  return { tag, label };
}

/** Both tenants' catalogue data, made once per world (the first fixture that needs it makes it). */
function catalogueData(world: MatrixWorld): Promise<Map<Tenant, CatalogueData>> {
  let data = prepared.get(world);
  if (!data) {
    data = (async () => new Map([[world.home, await prepareTenant(world, world.home)], [world.foreign, await prepareTenant(world, world.foreign)]]))();
    prepared.set(world, data);
  }
  return data;
}

/** What crossOwner reads synchronously: the foreign data, known once any `own` has run. */
const known = new WeakMap<MatrixWorld, Map<Tenant, CatalogueData>>();
async function dataOf(world: MatrixWorld, tenant: Tenant): Promise<CatalogueData> {
  const data = await catalogueData(world);
  known.set(world, data);
  return data.get(tenant)!;
}
const foreignData = (world: MatrixWorld): CatalogueData => {
  const data = known.get(world)?.get(world.foreign);
  assert.ok(data, 'the catalogue data is made by the first own request');
  return data;
};

const q = encodeURIComponent;
const always = (code: number) => () => code;
const foreignOwner = (world: MatrixWorld) => `owner=${q(world.foreign.organization.name)}`;
const ownerRefused = (target: string) => (world: MatrixWorld): CrossOwnerRequest[] => [
  { label: '?owner= the foreign organization', target: `${target}${target.includes('?') ? '&' : '?'}${foreignOwner(world)}`, status: 403, message: /The requested owner was not found/ },
];

function reads(target: (tenant: Tenant, data: CatalogueData, scheme: SchemeName) => string, showsOwnData: boolean, crossOwner: (world: MatrixWorld) => CrossOwnerRequest[] = () => []): RouteFixture {
  return {
    own: async (world, tenant, scheme) => ({ target: target(tenant, await dataOf(world, tenant), scheme) }),
    status: always(200),
    showsOwnData,
    crossOwner,
  };
}

/** The catalogue fixtures under one API root (`''` or `/api`). */
export function catalogueFixtures(fixtures: Map<string, RouteFixture>, base: string): void {
  const v2 = `${base}/v2`;
  fixtures.set(`GET ${v2}/types/indicatorTypes`, reads(() => `${v2}/types/indicatorTypes`, false));
  fixtures.set(`GET ${v2}/types/indicatorTypes/:type`, reads(() => `${v2}/types/indicatorTypes/hosts?includeAdditional=true`, false));
  fixtures.set(`GET ${v2}/types/associationTypes`, reads(() => `${v2}/types/associationTypes`, false));

  fixtures.set(`GET ${v2}/tags`, reads(() => `${v2}/tags?resultLimit=10000`, true, ownerRefused(`${v2}/tags`)));
  fixtures.set(`GET ${v2}/tags/:name`, reads((_t, data) => `${v2}/tags/${q(data.tag)}`, true, (world) => [
    { label: 'the foreign organization\'s tag', target: `${v2}/tags/${q(foreignData(world).tag)}`, status: 404 },
    ...ownerRefused(`${v2}/tags/${q(foreignData(world).tag)}`)(world),
  ]));
  for (const [suffix, branch] of [['indicators', ''], ['indicators/:branch', 'indicators/hosts'], ['groups', ''], ['groups/:branch', 'groups/adversaries']] as const) {
    const path = (tag: string) => `${v2}/tags/${q(tag)}/${branch || suffix}`;
    fixtures.set(`GET ${v2}/tags/:name/${suffix}`, reads((_t, data) => path(data.tag), true, (world) => [
      { label: 'the foreign organization\'s tag', target: path(foreignData(world).tag), status: 404 },
      ...ownerRefused(path(foreignData(world).tag))(world),
    ]));
  }

  fixtures.set(`GET ${v2}/securityLabels`, reads(() => `${v2}/securityLabels?resultLimit=10000`, true, ownerRefused(`${v2}/securityLabels`)));
  fixtures.set(`GET ${v2}/securityLabels/:name`, reads((_t, data) => `${v2}/securityLabels/${q(data.label)}`, true, (world) => [
    { label: 'the foreign organization\'s label', target: `${v2}/securityLabels/${q(foreignData(world).label)}`, status: 404 },
  ]));
  for (const [suffix, branch] of [['indicators', ''], ['indicators/:branch', 'indicators/hosts'], ['groups', ''], ['groups/:branch', 'groups/adversaries']] as const) {
    const path = (label: string) => `${v2}/securityLabels/${q(label)}/${branch || suffix}`;
    fixtures.set(`GET ${v2}/securityLabels/:name/${suffix}`, reads((_t, data) => path(data.label), true, (world) => [
      { label: 'the foreign organization\'s label', target: path(foreignData(world).label), status: 404 },
      ...ownerRefused(path(foreignData(world).label))(world),
    ]));
  }
  fixtures.set(`GET ${v2}/indicators/deleted`, reads(() => `${v2}/indicators/deleted?resultLimit=10000`, true, ownerRefused(`${v2}/indicators/deleted`)));

  // tcex's Indicators.deleted(): the v3 list of deleted indicators (every visible owner by default).
  fixtures.set(`GET ${base}/v3/indicators/deleted`, reads(() => `${base}/v3/indicators/deleted?resultLimit=10000`, true));
  fixtures.set(`GET ${v2}/owners/metrics`, reads(() => `${v2}/owners/metrics`, false, ownerRefused(`${v2}/owners/metrics`)));
  fixtures.set(`GET ${v2}/owners/:id/metrics`, reads((tenant) => `${v2}/owners/${tenant.organization.id}/metrics`, false, (world) => [
    { label: 'the foreign organization\'s metrics', target: `${v2}/owners/${world.foreign.organization.id}/metrics`, status: 404 },
  ]));
  fixtures.set(`GET ${v2}/owners/mine/members`, reads(() => `${v2}/owners/mine/members?resultLimit=10000`, true));

  fixtures.set(`GET ${v2}/indicators/bulk`, reads(() => `${v2}/indicators/bulk`, true, ownerRefused(`${v2}/indicators/bulk`)));
  fixtures.set(`GET ${v2}/indicators/bulk/json`, reads(() => `${v2}/indicators/bulk/json`, true, ownerRefused(`${v2}/indicators/bulk/json`)));
  fixtures.set(`GET ${v2}/indicators/bulk/csv`, reads(() => `${v2}/indicators/bulk/csv`, true, ownerRefused(`${v2}/indicators/bulk/csv`)));
}
