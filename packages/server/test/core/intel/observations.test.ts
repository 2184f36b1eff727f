/**
 * Observations and false positives as the v2 routes call them (core/intel/observations), on a
 * real database of each dialect: counts per indicator and per user, once-a-day false positives.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { falsePositiveCount, listObservations, observationCount, recordObservations, reportFalsePositive } from '../../../src/core/intel/observations.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call } from '../../support/v3.js';

for (const dialect of testDialects()) {
  describe(`indicator observations and false positives (${dialect})`, () => {
    let server: TestServer;
    let db: Kysely<any>;
    let indicatorId: number;
    let me: number;
    let someoneElse: number;

    before(async () => {
      server = await startTestServer(dialect);
      db = server.services.store.db as Kysely<any>;
      const api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      const created = await call(api, 'POST', '/v3/indicators', { type: 'Host', hostName: 'observed.example.org' });
      indicatorId = created.body.data.id;
      me = server.bootstrap.apiUser.id;
      someoneElse = (await server.services.tenancy.createApiUser(server.bootstrap.organization.name)).id;
    });
    after(() => server.close());

    it('counts observations in all and per user', async () => {
      assert.deepEqual(await observationCount(db, indicatorId, me), { count: 0, lastObserved: null, yourCount: 0, yourLastObserved: null });
      await recordObservations(db, indicatorId, me, 2, '2026-01-01T10:00:00Z');
      await recordObservations(db, indicatorId, someoneElse, 5, '2026-01-02T10:00:00Z');
      assert.deepEqual(await observationCount(db, indicatorId, me), { count: 7, lastObserved: '2026-01-02T10:00:00Z', yourCount: 2, yourLastObserved: '2026-01-01T10:00:00Z' });
      assert.deepEqual(await listObservations(db, indicatorId), [{ count: 5, dateObserved: '2026-01-02T10:00:00Z' }, { count: 2, dateObserved: '2026-01-01T10:00:00Z' }]);
      await assert.rejects(recordObservations(db, indicatorId, me, 0, '2026-01-03T10:00:00Z'), /from 1 to/);
      await assert.rejects(recordObservations(db, indicatorId, me, 1.5, '2026-01-03T10:00:00Z'), /from 1 to/);
    });

    it('counts a false positive once per user and day', async () => {
      assert.deepEqual(await reportFalsePositive(db, indicatorId, me, '2026-01-01T10:00:00Z'), { count: 1, lastReported: '2026-01-01T10:00:00Z' });
      assert.deepEqual(await reportFalsePositive(db, indicatorId, me, '2026-01-01T23:59:00Z'), { count: 1, lastReported: '2026-01-01T10:00:00Z' });
      assert.deepEqual(await reportFalsePositive(db, indicatorId, someoneElse, '2026-01-01T12:00:00Z'), { count: 2, lastReported: '2026-01-01T12:00:00Z' });
      assert.deepEqual(await reportFalsePositive(db, indicatorId, me, '2026-01-02T08:00:00Z'), { count: 3, lastReported: '2026-01-02T08:00:00Z' });
      assert.deepEqual(await falsePositiveCount(db, indicatorId), { count: 3, lastReported: '2026-01-02T08:00:00Z' });
    });
  });
}
