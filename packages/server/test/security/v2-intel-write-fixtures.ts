/**
 * Security-matrix fixtures of the v2 intelligence writes and sub-paths (surfaces/threatconnect/v2/
 * intel-writes.ts, intel-subpaths.ts): for each route, the request a tenant makes on an item of its
 * own (made fresh through its own signed v3 POST where the route changes it), and the requests that
 * name the foreign organization: its indicator by value, its group by id, its attribute, group,
 * indicator or file occurrence under the caller's own item, and `?owner=` the foreign organization.
 * Every one is refused (404, or 403 "The requested owner was not found") and writes nothing.
 */
import assert from 'node:assert/strict';
import type { Json } from '../support/v3.js';
import type { MatrixWorld, Tenant } from './matrix-world.js';
import type { CrossOwnerRequest, OwnRequest, RouteFixture } from './route-fixtures.js';

type Kind = 'indicator' | 'group';
const q = encodeURIComponent;
let made = 0;

/** A new object of the tenant's through its own TC-signed v3 POST; its answer's data. */
async function v3Create(world: MatrixWorld, tenant: Tenant, resource: string, body: Record<string, unknown>): Promise<Json> {
  const answer = await world.sendAs(tenant.caller, 'tc-hmac', 'POST', `/api/v3/${resource}`, body);
  assert.equal(answer.status, 201, `${tenant.side} POST /v3/${resource}: ${answer.body}`);
  return (JSON.parse(answer.body) as Json).data;
}

async function v3Update(world: MatrixWorld, tenant: Tenant, resource: string, id: number, body: Record<string, unknown>): Promise<void> {
  const answer = await world.sendAs(tenant.caller, 'tc-hmac', 'PUT', `/api/v3/${resource}/${id}`, body);
  assert.equal(answer.status, 200, `${tenant.side} PUT /v3/${resource}/${id}: ${answer.body}`);
}

const hostName = (tenant: Tenant) => `${tenant.marker}-${process.pid}-${++made}.example.com`;

/** A tenant's item of each kind, under `base`: its v2 path and id. */
interface Item { path: string; id: number; summary?: string }

async function newIndicator(world: MatrixWorld, tenant: Tenant, base: string, type: 'Host' | 'File' | 'URL' = 'Host'): Promise<Item> {
  if (type === 'File') {
    const md5 = `${tenant.marker}${(++made).toString(16)}`.replace(/[^0-9a-f]/g, '0').padEnd(32, '0').slice(0, 32);
    const data = await v3Create(world, tenant, 'indicators', { type, md5 });
    return { path: `${base}/v2/indicators/files/${md5}`, id: data.id, summary: md5 };
  }
  if (type === 'URL') {
    const text = `http://${hostName(tenant)}/path`;
    const data = await v3Create(world, tenant, 'indicators', { type, text });
    return { path: `${base}/v2/indicators/urls/${q(data.summary)}`, id: data.id, summary: data.summary };
  }
  const data = await v3Create(world, tenant, 'indicators', { type, hostName: hostName(tenant) });
  return { path: `${base}/v2/indicators/hosts/${q(data.summary)}`, id: data.id, summary: data.summary };
}

async function newGroup(world: MatrixWorld, tenant: Tenant, base: string): Promise<Item> {
  const data = await v3Create(world, tenant, 'groups', { type: 'Adversary', name: `${tenant.marker} adversary ${++made}` });
  return { path: `${base}/v2/groups/adversaries/${data.id}`, id: data.id };
}

const newParent = (kind: Kind, world: MatrixWorld, tenant: Tenant, base: string) => (kind === 'indicator' ? newIndicator(world, tenant, base) : newGroup(world, tenant, base));

/** What the cross-owner requests name, made once per world: the foreign objects, and one home parent of each kind. */
interface Stage {
  foreign: { indicator: Item; group: Item; file: Item; url: Item; attribute: Record<Kind, number>; occurrence: number };
  home: Record<Kind, Item> & { file: Item; url: Item };
}
const stages = new WeakMap<MatrixWorld, Map<string, Promise<Stage>>>();

function stage(world: MatrixWorld, base: string): Promise<Stage> {
  let byBase = stages.get(world);
  if (!byBase) stages.set(world, byBase = new Map());
  let staged = byBase.get(base);
  if (!staged) {
    staged = (async () => {
      const { foreign, home } = world;
      const indicator = await newIndicator(world, foreign, base);
      const group = await newGroup(world, foreign, base);
      const file = await newIndicator(world, foreign, base, 'File');
      const url = await newIndicator(world, foreign, base, 'URL');
      const indicatorAttribute = await v3Create(world, foreign, 'indicatorAttributes', { indicatorId: indicator.id, type: 'Description', value: `${foreign.marker} attribute` });
      const groupAttribute = await v3Create(world, foreign, 'groupAttributes', { groupId: group.id, type: 'Description', value: `${foreign.marker} attribute` });
      const occurrence = await world.sendAs(foreign.caller, 'tc-hmac', 'POST', `${file.path}/fileOccurrences`, { fileName: `${foreign.marker}.exe` });
      assert.equal(occurrence.status, 201, occurrence.body);
      return {
        foreign: { indicator, group, file, url, attribute: { indicator: indicatorAttribute.id, group: groupAttribute.id }, occurrence: (JSON.parse(occurrence.body) as Json).data.fileOccurrence.id },
        home: { indicator: await newIndicator(world, home, base), group: await newGroup(world, home, base), file: await newIndicator(world, home, base, 'File'), url: await newIndicator(world, home, base, 'URL') },
      };
    })();
    byBase.set(base, staged);
  }
  return staged;
}

/** The stage already made (own() runs before crossOwner() for every route). */
const staged = new WeakMap<MatrixWorld, Map<string, Stage>>();
async function ready(world: MatrixWorld, base: string): Promise<Stage> {
  const made = await stage(world, base);
  let byBase = staged.get(world);
  if (!byBase) staged.set(world, byBase = new Map());
  byBase.set(base, made);
  return made;
}
const current = (world: MatrixWorld, base: string): Stage => {
  const found = staged.get(world)?.get(base);
  assert.ok(found, 'the v2 intel stage is made by own() before crossOwner()');
  return found;
};

const ownerRefused = (target: string, world: MatrixWorld): CrossOwnerRequest => ({
  label: '?owner= the foreign organization', target: `${target}${target.includes('?') ? '&' : '?'}owner=${q(world.foreign.organization.name)}`, status: 403, message: /The requested owner was not found/,
});

const STATUS: Record<string, number> = { GET: 200, POST: 201, PUT: 200, DELETE: 200 };

/**
 * One sub-path route: `own` makes the caller's parent (and what the route acts on) and returns the
 * request; the cross-owner requests are the foreign parent, `?owner=` foreign, and `foreignChild`
 * (the foreign object named under the caller's own parent) when the route names one.
 */
interface SubRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The registered suffix (`/tags/:tagName`). */
  suffix: string;
  kinds: readonly Kind[];
  /** The parent type the route needs (fileOccurrences: a File; typed associations: a URL). */
  parent?: 'File' | 'URL';
  own(world: MatrixWorld, tenant: Tenant, parent: Item, base: string): Promise<{ suffix: string; body?: unknown }>;
  /** The same request's suffix on any parent (the foreign one), for the cross-owner cases. */
  sample(stage: Stage, kind: Kind): string;
  /** Requests under the caller's own parent naming a foreign object. */
  foreignChild?(stage: Stage, kind: Kind): { label: string; suffix: string }[];
  status?: number;
  showsOwnData?: boolean;
  body?: unknown;
}

const attributeOf = async (world: MatrixWorld, tenant: Tenant, kind: Kind, parent: Item): Promise<number> =>
  (await v3Create(world, tenant, `${kind}Attributes`, { [`${kind}Id`]: parent.id, type: 'Description', value: `${tenant.marker} attribute ${++made}` })).id;

const SUB_ROUTES: SubRoute[] = [
  { method: 'GET', suffix: '/attributes', kinds: ['indicator', 'group'], showsOwnData: true,
    own: async (world, tenant, parent, _base) => { await attributeOf(world, tenant, parent.path.includes('/groups/') ? 'group' : 'indicator', parent); return { suffix: '/attributes' }; },
    sample: () => '/attributes' },
  { method: 'POST', suffix: '/attributes', kinds: ['indicator', 'group'], showsOwnData: true,
    own: async (_w, tenant) => ({ suffix: '/attributes', body: { type: 'Description', value: `${tenant.marker} new attribute`, displayed: true } }),
    sample: () => '/attributes', body: { type: 'Description', value: 'foreign write' } },
  ...(['GET', 'PUT', 'DELETE'] as const).map((method): SubRoute => ({
    method, suffix: '/attributes/:attributeId', kinds: ['indicator', 'group'], showsOwnData: method !== 'DELETE',
    own: async (world, tenant, parent) => ({ suffix: `/attributes/${await attributeOf(world, tenant, parent.path.includes('/groups/') ? 'group' : 'indicator', parent)}`, ...(method === 'PUT' ? { body: { value: `${tenant.marker} changed` } } : {}) }),
    sample: (s, kind) => `/attributes/${s.foreign.attribute[kind]}`,
    foreignChild: (s, kind) => [{ label: 'the foreign attribute under an own item', suffix: `/attributes/${s.foreign.attribute[kind]}` }],
    ...(method === 'PUT' ? { body: { value: 'foreign write' } } : {}),
  })),
  { method: 'GET', suffix: '/attributes/:attributeId/securityLabels', kinds: ['indicator', 'group'],
    own: async (world, tenant, parent) => ({ suffix: `/attributes/${await attributeOf(world, tenant, parent.path.includes('/groups/') ? 'group' : 'indicator', parent)}/securityLabels` }),
    sample: (s, kind) => `/attributes/${s.foreign.attribute[kind]}/securityLabels`,
    foreignChild: (s, kind) => [{ label: 'the foreign attribute under an own item', suffix: `/attributes/${s.foreign.attribute[kind]}/securityLabels` }] },
  ...(['GET', 'POST', 'DELETE'] as const).map((method): SubRoute => ({
    method, suffix: '/attributes/:attributeId/securityLabels/:labelName', kinds: ['indicator', 'group'],
    own: async (world, tenant, parent) => {
      const kind = parent.path.includes('/groups/') ? 'group' : 'indicator';
      const id = await attributeOf(world, tenant, kind, parent);
      if (method === 'GET') await v3Update(world, tenant, `${kind}Attributes`, id, { securityLabels: { data: [{ name: 'TLP:AMBER' }], mode: 'append' } });
      return { suffix: `/attributes/${id}/securityLabels/TLP%3AAMBER` };
    },
    sample: (s, kind) => `/attributes/${s.foreign.attribute[kind]}/securityLabels/TLP%3AAMBER`,
    foreignChild: (s, kind) => [{ label: 'the foreign attribute under an own item', suffix: `/attributes/${s.foreign.attribute[kind]}/securityLabels/TLP%3AAMBER` }],
  })),
  { method: 'GET', suffix: '/tags', kinds: ['indicator', 'group'], showsOwnData: true,
    own: async (world, tenant, parent) => {
      await v3Update(world, tenant, parent.path.includes('/groups/') ? 'groups' : 'indicators', parent.id, { tags: { data: [{ name: `${tenant.marker} tag` }], mode: 'append' } });
      return { suffix: '/tags' };
    },
    sample: () => '/tags' },
  ...(['GET', 'POST', 'DELETE'] as const).map((method): SubRoute => ({
    method, suffix: '/tags/:tagName', kinds: ['indicator', 'group'], showsOwnData: method === 'GET',
    own: async (world, tenant, parent) => {
      if (method === 'GET') await v3Update(world, tenant, parent.path.includes('/groups/') ? 'groups' : 'indicators', parent.id, { tags: { data: [{ name: `${tenant.marker} tag` }], mode: 'append' } });
      return { suffix: `/tags/${q(`${tenant.marker} tag`)}` };
    },
    sample: () => '/tags/matrix%20tag',
  })),
  { method: 'GET', suffix: '/securityLabels', kinds: ['indicator', 'group'], own: async () => ({ suffix: '/securityLabels' }), sample: () => '/securityLabels' },
  ...(['GET', 'POST', 'DELETE'] as const).map((method): SubRoute => ({
    method, suffix: '/securityLabels/:labelName', kinds: ['indicator', 'group'],
    own: async (world, tenant, parent) => {
      if (method === 'GET') await v3Update(world, tenant, parent.path.includes('/groups/') ? 'groups' : 'indicators', parent.id, { securityLabels: { data: [{ name: 'TLP:GREEN' }], mode: 'append' } });
      return { suffix: '/securityLabels/TLP%3AGREEN' };
    },
    sample: () => '/securityLabels/TLP%3AGREEN',
  })),
  { method: 'GET', suffix: '/groups', kinds: ['indicator', 'group'], showsOwnData: true,
    own: async (world, tenant, parent, base) => {
      const group = await newGroup(world, tenant, base);
      await v3Update(world, tenant, parent.path.includes('/groups/') ? 'groups' : 'indicators', parent.id, { associatedGroups: { data: [{ id: group.id }], mode: 'append' } });
      return { suffix: '/groups' };
    },
    sample: () => '/groups' },
  { method: 'GET', suffix: '/groups/:groupBranch', kinds: ['indicator', 'group'], own: async () => ({ suffix: '/groups/adversaries' }), sample: () => '/groups/adversaries' },
  ...(['GET', 'POST', 'DELETE'] as const).map((method): SubRoute => ({
    method, suffix: '/groups/:groupBranch/:groupId', kinds: ['indicator', 'group'], showsOwnData: method === 'GET',
    own: async (world, tenant, parent, base) => {
      const group = await newGroup(world, tenant, base);
      if (method === 'GET') await v3Update(world, tenant, parent.path.includes('/groups/') ? 'groups' : 'indicators', parent.id, { associatedGroups: { data: [{ id: group.id }], mode: 'append' } });
      return { suffix: `/groups/adversaries/${group.id}` };
    },
    sample: (s) => `/groups/adversaries/${s.home.group.id}`,
    foreignChild: (s) => [{ label: 'the foreign group under an own item', suffix: `/groups/adversaries/${s.foreign.group.id}` }],
  })),
  { method: 'GET', suffix: '/indicators', kinds: ['indicator', 'group'], showsOwnData: true,
    own: async (world, tenant, parent, base) => {
      const group = parent.path.includes('/groups/');
      const other = await newIndicator(world, tenant, base, group ? 'Host' : 'URL');
      if (group) await v3Update(world, tenant, 'groups', parent.id, { associatedIndicators: { data: [{ id: other.id }], mode: 'append' } });
      else await v3Update(world, tenant, 'indicators', other.id, { associatedIndicators: { data: [{ id: parent.id }], mode: 'append' } });
      return { suffix: '/indicators' };
    },
    sample: () => '/indicators' },
  { method: 'GET', suffix: '/indicators/:indicatorBranch', kinds: ['indicator', 'group'], own: async () => ({ suffix: '/indicators/hosts' }), sample: () => '/indicators/hosts' },
  ...(['GET', 'POST', 'DELETE'] as const).map((method): SubRoute => ({
    method, suffix: '/indicators/:indicatorBranch/:indicatorValue', kinds: ['group'], showsOwnData: method === 'GET',
    own: async (world, tenant, parent, base) => {
      const host = await newIndicator(world, tenant, base);
      if (method === 'GET') await v3Update(world, tenant, 'groups', parent.id, { associatedIndicators: { data: [{ id: host.id }], mode: 'append' } });
      return { suffix: `/indicators/hosts/${q(host.summary!)}` };
    },
    sample: (s) => `/indicators/hosts/${q(s.home.indicator.summary!)}`,
    foreignChild: (s) => [{ label: 'the foreign indicator under an own group', suffix: `/indicators/hosts/${q(s.foreign.indicator.summary!)}` }],
  })),
  // An indicator's indicators are typed pairs: the caller's URL and a host (URL Host).
  ...(['GET', 'POST', 'DELETE'] as const).map((method): SubRoute => ({
    method, suffix: '/indicators/:indicatorBranch/:indicatorValue', kinds: ['indicator'], parent: 'URL', showsOwnData: method === 'GET',
    own: async (world, tenant, parent, base) => {
      const host = await newIndicator(world, tenant, base);
      if (method === 'GET') await v3Update(world, tenant, 'indicators', parent.id, { associatedIndicators: { data: [{ id: host.id }], mode: 'append' } });
      return { suffix: `/indicators/hosts/${q(host.summary!)}` };
    },
    sample: (s) => `/indicators/hosts/${q(s.home.indicator.summary!)}`,
    foreignChild: (s) => [{ label: 'the foreign host under an own URL', suffix: `/indicators/hosts/${q(s.foreign.indicator.summary!)}` }],
  })),
  { method: 'GET', suffix: '/victims', kinds: ['indicator', 'group'], own: async () => ({ suffix: '/victims' }), sample: () => '/victims' },
  ...(['GET', 'POST', 'DELETE'] as const).map((method): SubRoute => ({
    method, suffix: '/victims/:victimId', kinds: ['indicator', 'group'], status: 404, own: async () => ({ suffix: '/victims/1' }), sample: () => '/victims/1',
  })),
  { method: 'GET', suffix: '/victimAssets', kinds: ['indicator', 'group'], own: async () => ({ suffix: '/victimAssets' }), sample: () => '/victimAssets' },
  { method: 'GET', suffix: '/victimAssets/:assetType', kinds: ['indicator', 'group'], own: async () => ({ suffix: '/victimAssets/webSites' }), sample: () => '/victimAssets/webSites' },
  { method: 'GET', suffix: '/associations/:associationType/indicators', kinds: ['indicator'], parent: 'URL', own: async () => ({ suffix: '/associations/urlHost/indicators' }), sample: () => '/associations/urlHost/indicators' },
  ...(['GET', 'POST', 'DELETE'] as const).map((method): SubRoute => ({
    method, suffix: '/associations/:associationType/indicators/:indicatorBranch/:indicatorValue', kinds: ['indicator'], parent: 'URL', showsOwnData: method === 'GET',
    own: async (world, tenant, parent, base) => {
      const host = await newIndicator(world, tenant, base);
      if (method === 'GET') await v3Update(world, tenant, 'indicators', parent.id, { associatedIndicators: { data: [{ id: host.id }], mode: 'append' } });
      return { suffix: `/associations/urlHost/indicators/hosts/${q(host.summary!)}` };
    },
    sample: (s) => `/associations/urlHost/indicators/hosts/${q(s.home.indicator.summary!)}`,
    foreignChild: (s) => [{ label: 'the foreign host under an own URL', suffix: `/associations/urlHost/indicators/hosts/${q(s.foreign.indicator.summary!)}` }],
  })),
  { method: 'POST', suffix: '/observations', kinds: ['indicator'], own: async () => ({ suffix: '/observations', body: { count: 2 } }), sample: () => '/observations', body: { count: 1 } },
  { method: 'GET', suffix: '/observations', kinds: ['indicator'], own: async () => ({ suffix: '/observations' }), sample: () => '/observations' },
  { method: 'GET', suffix: '/observationCount', kinds: ['indicator'], own: async () => ({ suffix: '/observationCount' }), sample: () => '/observationCount' },
  { method: 'POST', suffix: '/falsePositive', kinds: ['indicator'], own: async () => ({ suffix: '/falsePositive' }), sample: () => '/falsePositive' },
  { method: 'GET', suffix: '/owners', kinds: ['indicator'], showsOwnData: true, own: async () => ({ suffix: '/owners' }), sample: () => '/owners' },
  ...['/dnsResolution', '/dnsResolutions'].map((suffix): SubRoute => ({ method: 'GET', suffix, kinds: ['indicator'], own: async () => ({ suffix }), sample: () => suffix })),
  { method: 'GET', suffix: '/fileOccurrences', kinds: ['indicator'], parent: 'File', own: async () => ({ suffix: '/fileOccurrences' }), sample: () => '/fileOccurrences' },
  { method: 'POST', suffix: '/fileOccurrences', kinds: ['indicator'], parent: 'File', showsOwnData: false,
    own: async (_w, tenant) => ({ suffix: '/fileOccurrences', body: { fileName: `${tenant.marker}.exe`, path: 'C:\\Temp' } }), sample: () => '/fileOccurrences', body: { fileName: 'foreign.exe' } },
  ...(['GET', 'PUT', 'DELETE'] as const).map((method): SubRoute => ({
    method, suffix: '/fileOccurrences/:occurrenceId', kinds: ['indicator'], parent: 'File', showsOwnData: method !== 'DELETE',
    own: async (world, tenant, parent) => {
      const answer = await world.sendAs(tenant.caller, 'tc-hmac', 'POST', `${parent.path}/fileOccurrences`, { fileName: `${tenant.marker}.exe` });
      assert.equal(answer.status, 201, answer.body);
      return { suffix: `/fileOccurrences/${(JSON.parse(answer.body) as Json).data.fileOccurrence.id}`, ...(method === 'PUT' ? { body: { fileName: `${tenant.marker}-renamed.exe` } } : {}) };
    },
    sample: (s) => `/fileOccurrences/${s.foreign.occurrence}`,
    foreignChild: (s) => [{ label: 'the foreign file occurrence under an own file', suffix: `/fileOccurrences/${s.foreign.occurrence}` }],
    ...(method === 'PUT' ? { body: { fileName: 'foreign.exe' } } : {}),
  })),
];

function parentFor(kind: Kind, route: SubRoute, world: MatrixWorld, tenant: Tenant, base: string): Promise<Item> {
  if (route.parent) return newIndicator(world, tenant, base, route.parent);
  return newParent(kind, world, tenant, base);
}

function foreignParent(s: Stage, kind: Kind, route: SubRoute): Item {
  if (route.parent === 'File') return s.foreign.file;
  if (route.parent === 'URL') return s.foreign.url;
  return s.foreign[kind];
}

function homeParent(s: Stage, kind: Kind, route: SubRoute): Item {
  if (route.parent === 'File') return s.home.file;
  if (route.parent === 'URL') return s.home.url;
  return s.home[kind];
}

function subRouteFixture(kind: Kind, route: SubRoute, base: string): RouteFixture {
  return {
    own: async (world, tenant): Promise<OwnRequest> => {
      await ready(world, base);
      const parent = await parentFor(kind, route, world, tenant, base);
      const { suffix, body } = await route.own(world, tenant, parent, base);
      return { target: `${parent.path}${suffix}`, ...(body === undefined ? {} : { body }) };
    },
    status: () => route.status ?? STATUS[route.method]!,
    showsOwnData: route.showsOwnData ?? false,
    crossOwner: (world) => {
      const s = current(world, base);
      const theirs = foreignParent(s, kind, route);
      const mine = homeParent(s, kind, route);
      return [
        { label: `the foreign ${kind === 'indicator' ? 'indicator\'s value' : 'group\'s id'} as the parent`, target: `${theirs.path}${route.sample(s, kind)}`, body: route.body, status: 404 },
        { ...ownerRefused(`${mine.path}${route.sample(s, kind)}`, world), body: route.body },
        ...(route.foreignChild?.(s, kind) ?? []).map(({ label, suffix }) => ({ label, target: `${mine.path}${suffix}`, body: route.body, status: 404 })),
      ];
    },
  };
}

/** The write routes on indicators and groups themselves. */
function writeFixtures(base: string): [string, RouteFixture][] {
  const foreignIndicator = (world: MatrixWorld) => current(world, base).foreign.indicator;
  const foreignGroup = (world: MatrixWorld) => current(world, base).foreign.group;
  const created = (entity: string) => (body: Json) => assert.equal(typeof body.data[entity].id, 'number');
  return [
    [`POST ${base}/v2/indicators/:branch`, {
      own: async (world, tenant) => { await ready(world, base); return { target: `${base}/v2/indicators/hosts?resultLimit=10000`, body: { hostName: hostName(tenant), rating: 3 } }; },
      status: () => 201, checkOwn: created('host'), showsOwnData: true,
      crossOwner: (world) => [ownerRefused(`${base}/v2/indicators/hosts`, world)].map((r) => ({ ...r, body: { hostName: `refused-${++made}.example.com` } })),
    }],
    [`PUT ${base}/v2/indicators/:branch/:value`, {
      own: async (world, tenant) => { await ready(world, base); return { target: (await newIndicator(world, tenant, base)).path, body: { rating: 2, confidence: 20 } }; },
      status: () => 200, checkOwn: created('host'), showsOwnData: true,
      crossOwner: (world) => [
        { label: 'the foreign indicator\'s value', target: foreignIndicator(world).path, body: { rating: 1 }, status: 404 },
        { ...ownerRefused(current(world, base).home.indicator.path, world), body: { rating: 1 } },
      ],
    }],
    [`DELETE ${base}/v2/indicators/:branch/:value`, {
      own: async (world, tenant) => { await ready(world, base); return { target: (await newIndicator(world, tenant, base)).path }; },
      status: () => 200, showsOwnData: false,
      crossOwner: (world) => [
        { label: 'the foreign indicator\'s value', target: foreignIndicator(world).path, status: 404 },
        ownerRefused(current(world, base).home.indicator.path, world),
      ],
    }],
    [`POST ${base}/v2/groups/:branch`, {
      own: async (world, tenant) => { await ready(world, base); return { target: `${base}/v2/groups/incidents`, body: { name: `${tenant.marker} incident ${++made}`, eventDate: '2017-07-13T00:00:00Z', status: 'New' } }; },
      status: () => 201, checkOwn: created('incident'), showsOwnData: true,
      crossOwner: (world) => [{ ...ownerRefused(`${base}/v2/groups/adversaries`, world), body: { name: 'refused' } }],
    }],
    [`PUT ${base}/v2/groups/:branch/:id`, {
      own: async (world, tenant) => { await ready(world, base); return { target: (await newGroup(world, tenant, base)).path, body: { name: `${tenant.marker} renamed ${++made}` } }; },
      status: () => 200, checkOwn: created('adversary'), showsOwnData: true,
      crossOwner: (world) => [
        { label: 'the foreign group\'s id', target: foreignGroup(world).path, body: { name: 'stolen' }, status: 404 },
        { ...ownerRefused(current(world, base).home.group.path, world), body: { name: 'stolen' } },
      ],
    }],
    [`DELETE ${base}/v2/groups/:branch/:id`, {
      own: async (world, tenant) => { await ready(world, base); return { target: (await newGroup(world, tenant, base)).path }; },
      status: () => 200, showsOwnData: false,
      crossOwner: (world) => [
        { label: 'the foreign group\'s id', target: foreignGroup(world).path, status: 404 },
        ownerRefused(current(world, base).home.group.path, world),
      ],
    }],
    [`PUT ${base}/v2/:id(^\\d{1,15}$)`, {
      own: async (world, tenant) => { await ready(world, base); return { target: `${base}/v2/${(await newGroup(world, tenant, base)).id}?resultLimit=10000`, body: { name: `${tenant.marker} js ${++made}` } }; },
      status: () => 200, checkOwn: created('adversary'), showsOwnData: true,
      crossOwner: (world) => [
        { label: 'the foreign group\'s id', target: `${base}/v2/${foreignGroup(world).id}`, body: { name: 'stolen' }, status: 404 },
        { ...ownerRefused(`${base}/v2/${current(world, base).home.group.id}`, world), body: { name: 'stolen' } },
      ],
    }],
  ];
}

/** Every v2 intel write and sub-path route under both API roots, keyed as registered. */
export function v2IntelWriteFixtures(bases: readonly string[]): Map<string, RouteFixture> {
  const fixtures = new Map<string, RouteFixture>();
  for (const base of bases) {
    for (const [key, fixture] of writeFixtures(base)) fixtures.set(key, fixture);
    for (const kind of ['indicator', 'group'] as const) {
      const prefix = kind === 'indicator' ? `${base}/v2/indicators/:branch/:value` : `${base}/v2/groups/:branch/:id`;
      for (const route of SUB_ROUTES.filter((r) => r.kinds.includes(kind))) fixtures.set(`${route.method} ${prefix}${route.suffix}`, subRouteFixture(kind, route, base));
    }
  }
  return fixtures;
}
