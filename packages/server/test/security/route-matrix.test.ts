/**
 * The security matrix: every route in Fastify's route table × every scheme (TC HMAC, TC-Token,
 * Websupport HMAC, Contrast key pair, HTTP Basic where the surface takes it) × {no auth, wrong secret, stale, disabled user, another
 * organization's object}. Each refusal comes in the surface's own envelope, no answer to the home
 * organization shows anything of the foreign one (nor the reverse), refused writes write nothing,
 * and a valid credential gets a 2xx so that the refusals mean something. What "stale" and the
 * other cases mean per scheme: test/support/signing-schemes.ts. A registered route without a
 * fixture in ./route-fixtures.ts fails here with its name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RegisteredRoute } from '../../src/http/route-table.js';
import { assertSameDatabase, settleImports, snapshotDatabase } from '../support/database-snapshot.js';
import { assertFailureEnvelope, failureSurfaceOf, type FailureSurface } from '../support/failure-envelope.js';
import type { RawResponse } from '../support/http.js';
import { startTestServer, testDialects } from '../support/server.js';
import { authFailures, schemesFor, type SchemeName } from '../support/signing-schemes.js';
import type { Json } from '../support/v3.js';
import { MatrixWorld, type Tenant } from './matrix-world.js';
import { PUBLIC_ROUTES, routeFixtures, type OwnRequest, type RouteFixture } from './route-fixtures.js';

const routeKey = (route: RegisteredRoute) => `${route.method} ${route.url}`;

/** Runs every check to its end, then fails with all the failures at once. */
async function settleAll(checks: Promise<unknown>[]): Promise<void> {
  const failures = (await Promise.allSettled(checks)).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length === 0) return;
  const messages = failures.slice(0, 12).map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason)).split('\n')[0]);
  assert.fail(`${failures.length} of ${checks.length} checks failed:\n  ${messages.join('\n  ')}${failures.length > 12 ? '\n  …' : ''}`);
}

/** No identifier of `tenant` in the answer, except one the request itself sent (a 404 may echo the xid asked for). */
function assertShowsNothingOf(tenant: Tenant, response: RawResponse, label: string, sent: { target: string; body?: unknown } = { target: '' }): void {
  const echoable = `${sent.target} ${sent.body === undefined ? '' : JSON.stringify(sent.body)}`;
  const leaked = tenant.identifiers.filter((identifier) => response.body.includes(identifier) && !echoable.includes(identifier));
  assert.deepEqual(leaked, [], `${label}: the answer shows the ${tenant.side} organization's data`);
}

/** Runs a fixture's own check, naming the case when it fails. */
function checkAnswer(label: string, response: RawResponse, check: ((body: Json) => void) | undefined): void {
  if (!check) return;
  try {
    check(JSON.parse(response.body));
  } catch (error) {
    assert.fail(`${label}: ${(error as Error).message.split('\n')[0]}, answered ${response.body.slice(0, 300)}`);
  }
}

function failureMessage(response: RawResponse): string {
  const body = JSON.parse(response.body) as Json;
  return typeof body.message === 'string' ? body.message : (body.messages ?? []).join(' ');
}

async function expectOwnAnswer(world: MatrixWorld, fixture: RouteFixture, route: RegisteredRoute, surface: FailureSurface, tenant: Tenant, scheme: SchemeName, request: OwnRequest, label: string): Promise<void> {
  const response = await world.sendAs(request.caller ?? tenant.caller, scheme, route.method, request.target, request.body, request.headers);
  const expected = fixture.status(scheme);
  if (expected >= 400) {
    assertFailureEnvelope(surface, response, expected, label);
  } else {
    assert.equal(response.status, expected, `${label}: ${route.method} ${request.target} answered ${response.body.slice(0, 300)}`);
    checkAnswer(label, response, fixture.checkOwn);
    if (fixture.showsOwnData) assert.ok(tenant.identifiers.some((identifier) => response.body.includes(identifier)), `${label}: the answer shows none of the caller's own data: ${response.body.slice(0, 300)}`);
  }
  assertShowsNothingOf(world.other(tenant), response, label);
}

async function checkRoute(world: MatrixWorld, route: RegisteredRoute, fixture: RouteFixture | undefined): Promise<void> {
  if (!fixture) assert.fail(`${routeKey(route)} is registered but not covered: add a fixture for it to test/security/route-fixtures.ts`);
  const { method } = route;
  const { home, foreign } = world;
  const surface = failureSurfaceOf(route.url);
  const writes = method !== 'GET' && method !== 'OPTIONS';
  const store = world.server.services.store;
  const schemes = schemesFor(route.url);
  const own = new Map(await Promise.all(schemes.map(async (scheme) => [scheme, await fixture.own(world, home, scheme)] as const)));
  const crossOwner = fixture.crossOwner(world);
  // Import jobs an earlier positive control queued are finished first: the worker's writes are not the refusals'.
  if (writes) await settleImports(store.db);
  const before = writes ? await snapshotDatabase(store.db, store.dialect) : undefined;

  const refusals: Promise<void>[] = [];
  const refused = async (label: string, sent: { target: string; body?: unknown }, response: Promise<RawResponse>, status: number, message?: RegExp) => {
    const answer = await response;
    assertFailureEnvelope(surface, answer, status, label);
    if (message) assert.match(failureMessage(answer), message, label);
    assertShowsNothingOf(foreign, answer, label, sent);
  };
  const plain = own.get('tc-hmac')!;
  refusals.push(refused('no credentials at all', plain, world.send(method, plain.target, {}, plain.body), 401));
  for (const scheme of schemes) {
    const request = own.get(scheme)!;
    for (const failure of authFailures(scheme, world.failures, method, request.target)) {
      refusals.push(refused(`${scheme} × ${failure.case}: ${failure.meaning}`, request, world.send(method, request.target, { ...request.headers, ...failure.headers }, request.body), 401));
    }
    for (const cross of crossOwner) {
      const label = `${scheme} × another organization's object: ${cross.label}`;
      const response = world.sendAs(home.caller, scheme, method, cross.target, cross.body, cross.headers);
      if (cross.status >= 400) {
        refusals.push(refused(label, cross, response, cross.status, cross.message));
      } else {
        refusals.push(response.then((answer) => {
          assert.equal(answer.status, cross.status, `${label}: ${answer.body.slice(0, 300)}`);
          checkAnswer(label, answer, cross.check);
          assertShowsNothingOf(foreign, answer, label, cross);
        }));
      }
    }
  }
  await settleAll(refusals);
  if (before) assertSameDatabase(before, await snapshotDatabase(store.db, store.dialect), 'refused requests and those naming foreign objects must write nothing');

  // Positive control: each scheme's valid credential works on the caller's own data (and, for
  // reads, the foreign organization's on its own), seeing nothing of the other organization.
  const answers = schemes.map((scheme) => expectOwnAnswer(world, fixture, route, surface, home, scheme, own.get(scheme)!, `${scheme} × a valid home credential`));
  if (!writes) {
    for (const scheme of schemes) {
      answers.push(fixture.own(world, foreign, scheme).then((request) => expectOwnAnswer(world, fixture, route, surface, foreign, scheme, request, `${scheme} × a valid foreign credential`)));
    }
  }
  await settleAll(answers);
}

for (const dialect of testDialects()) {
  describe(`security matrix: every route × every scheme × a foreign organization (${dialect})`, async () => {
    const server = await startTestServer(dialect);
    after(() => server.close());
    const world = new MatrixWorld(server);
    before(() => world.prepare());

    const fixtures = routeFixtures();
    const registered = server.app.cairnRoutes;
    const getUrls = new Set(registered.filter((r) => r.method === 'GET').map((r) => r.url));
    // Fastify adds a HEAD route for every GET; it shares the GET's hooks and handler.
    const routes = registered.filter((r) => !(r.method === 'HEAD' && getUrls.has(r.url)));
    const publicRoutes = routes.filter((r) => r.config.public === true);

    it('only the allow-listed routes are public, and they answer without credentials', async () => {
      assert.deepEqual(publicRoutes.map(routeKey).sort(), [...PUBLIC_ROUTES].sort());
      for (const route of publicRoutes) {
        const answer = await world.send(route.method, route.url, {});
        assert.equal(answer.status, 200, `${routeKey(route)}: ${answer.body}`);
        assertShowsNothingOf(world.home, answer, routeKey(route));
        assertShowsNothingOf(world.foreign, answer, routeKey(route));
      }
    });

    it('every fixture names a registered route', () => {
      const keys = new Set(routes.map(routeKey));
      assert.deepEqual([...fixtures.keys()].filter((key) => !keys.has(key)), [], 'fixtures of routes that are not registered');
    });

    for (const route of routes.filter((r) => r.config.public !== true)) {
      it(routeKey(route), () => checkRoute(world, route, fixtures.get(routeKey(route))));
    }
  });
}
