/**
 * Security-matrix fixtures of the v2 batch API (surfaces/threatconnect/v2/batch.ts): each tenant's
 * own jobs made through its own signed requests (a fresh job per write; for the reads one waiting
 * job and one Completed with errors, made once per world), and the requests that name the foreign
 * organization: its job's id (404), `?owner=` or the settings' `owner` naming it (403 "The requested
 * owner was not found"). Every one is refused and writes nothing.
 */
import assert from 'node:assert/strict';
import type { Json } from '../support/v3.js';
import { RawBody, type MatrixWorld, type Tenant } from './matrix-world.js';
import type { CrossOwnerRequest, RouteFixture } from './route-fixtures.js';

let made = 0;
/** Past the default CAIRN_BATCH_MAX_INDICATORS (25,000): a job Completed at once with its errors, no worker needed. */
const OVER_THE_LIMIT = 25_001;

async function newJob(world: MatrixWorld, tenant: Tenant, base: string): Promise<number> {
  const answer = await world.sendAs(tenant.caller, 'tc-hmac', 'POST', `${base}/v2/batch`, { version: 'V2', owner: tenant.organization.name, haltOnError: 'false' });
  assert.equal(answer.status, 201, `${tenant.side} POST /v2/batch: ${answer.body}`);
  return (JSON.parse(answer.body) as Json).data.batchId as number;
}

const hostsBody = (tenant: Tenant, count: number) => ({ indicator: Array.from({ length: count }, (_, i) => ({ summary: `${tenant.marker}-${process.pid}-${++made}-${i}.example.com`, type: 'Host' })) });

/** A tenant's jobs for the reads, made once per world: one waiting for its upload, one Completed with errors. */
interface Jobs { waiting: number; completed: number }
const jobs = new WeakMap<MatrixWorld, Map<string, Promise<Jobs>>>();
/** The foreign organization's jobs once made (the cross-owner requests are built synchronously). */
const foreignJobs = new WeakMap<MatrixWorld, Map<string, Jobs>>();

async function stageForeign(world: MatrixWorld, base: string): Promise<void> {
  const theirs = await jobsOf(world, world.foreign, base);
  let byBase = foreignJobs.get(world);
  if (!byBase) foreignJobs.set(world, byBase = new Map());
  byBase.set(base, theirs);
}

const theirJobs = (world: MatrixWorld, base: string): Jobs => {
  const theirs = foreignJobs.get(world)?.get(base);
  assert.ok(theirs, 'the foreign jobs are made by the fixture\'s own()');
  return theirs;
};

function jobsOf(world: MatrixWorld, tenant: Tenant, base: string): Promise<Jobs> {
  let byTenant = jobs.get(world);
  if (!byTenant) jobs.set(world, byTenant = new Map());
  const key = `${tenant.side} ${base}`;
  let made = byTenant.get(key);
  if (!made) {
    made = (async () => {
      const waiting = await newJob(world, tenant, base);
      const completed = await newJob(world, tenant, base);
      const upload = await world.sendAs(tenant.caller, 'tc-hmac', 'POST', `${base}/v2/batch/${completed}`, hostsBody(tenant, OVER_THE_LIMIT));
      assert.equal(upload.status, 202, upload.body);
      const status = await world.sendAs(tenant.caller, 'tc-hmac', 'GET', `${base}/v2/batch/${completed}`);
      assert.equal((JSON.parse(status.body) as Json).data.batchStatus.status, 'Completed');
      return { waiting, completed };
    })();
    byTenant.set(key, made);
  }
  return made;
}

/** The multipart body tcex sends to createAndUpload. */
function multipart(config: unknown, content: unknown): RawBody {
  const boundary = `matrix${++made}`;
  const part = (name: string, value: unknown) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n\r\n${JSON.stringify(value)}\r\n`;
  return new RawBody(`multipart/form-data; boundary=${boundary}`, Buffer.from(`${part('config', config)}${part('content', content)}--${boundary}--\r\n`));
}

export function batchFixtures(bases: readonly string[]): Map<string, RouteFixture> {
  const fixtures = new Map<string, RouteFixture>();
  const always = (code: number) => () => code;
  for (const base of bases) {
    const foreignOwner = (world: MatrixWorld) => `owner=${encodeURIComponent(world.foreign.organization.name)}`;
    const ownerRefused = /The requested owner was not found/;

    fixtures.set(`POST ${base}/v2/batch`, {
      own: async (_world, tenant) => ({ target: `${base}/v2/batch`, body: { version: 'V2', owner: tenant.organization.name, action: 'Create', haltOnError: 'true' } }),
      status: always(201),
      checkOwn: (body) => assert.ok(Number.isInteger(body.data.batchId)),
      showsOwnData: false,
      crossOwner: (world) => [
        { label: 'settings naming the foreign organization', target: `${base}/v2/batch`, body: { version: 'V2', owner: world.foreign.organization.name }, status: 403, message: ownerRefused },
        { label: '?owner= the foreign organization', target: `${base}/v2/batch?${foreignOwner(world)}`, body: { version: 'V2' }, status: 403, message: ownerRefused },
      ],
    });

    fixtures.set(`POST ${base}/v2/batch/:id`, {
      own: async (world, tenant) => {
        await stageForeign(world, base);
        return { target: `${base}/v2/batch/${await newJob(world, tenant, base)}`, body: hostsBody(tenant, 2) };
      },
      status: always(202),
      checkOwn: (body) => assert.equal(body.status, 'Queued'),
      showsOwnData: false,
      crossOwner: (world) => {
        const theirs = theirJobs(world, base);
        return [
          { label: 'the foreign organization\'s waiting job', target: `${base}/v2/batch/${theirs.waiting}`, body: hostsBody(world.home, 2), status: 404 },
          { label: 'its id with ?owner= the foreign organization', target: `${base}/v2/batch/${theirs.waiting}?${foreignOwner(world)}`, body: hostsBody(world.home, 2), status: 403, message: ownerRefused },
        ];
      },
    });

    fixtures.set(`POST ${base}/v2/batch/createAndUpload`, {
      own: async (_world, tenant) => ({ target: `${base}/v2/batch/createAndUpload?includeAdditional=true`, body: multipart({ version: 'V2', owner: tenant.organization.name }, hostsBody(tenant, 2)) }),
      status: always(201),
      checkOwn: (body) => assert.ok(Number.isInteger(body.data.batchStatus.id)),
      showsOwnData: false,
      crossOwner: (world) => [
        { label: 'config naming the foreign organization', target: `${base}/v2/batch/createAndUpload`, body: multipart({ version: 'V2', owner: world.foreign.organization.name }, hostsBody(world.home, 2)), status: 403, message: ownerRefused },
      ],
    });

    const reads: [string, keyof Jobs][] = [['', 'waiting'], ['/errors', 'completed'], ['/results', 'completed']];
    for (const [suffix, which] of reads) {
      fixtures.set(`GET ${base}/v2/batch/:id${suffix}`, {
        own: async (world, tenant) => {
          await stageForeign(world, base);
          return { target: `${base}/v2/batch/${(await jobsOf(world, tenant, base))[which]}${suffix}` };
        },
        status: always(200),
        showsOwnData: false,
        crossOwner: (world): CrossOwnerRequest[] => {
          const theirs = theirJobs(world, base);
          return [
            { label: `the foreign organization's ${which} job`, target: `${base}/v2/batch/${theirs[which]}${suffix}`, status: 404 },
            { label: 'its id with ?owner= the foreign organization', target: `${base}/v2/batch/${theirs[which]}${suffix}?${foreignOwner(world)}`, status: 403, message: ownerRefused },
          ];
        },
      });
    }
  }
  return fixtures;
}
