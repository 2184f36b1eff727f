/**
 * Finding indicators by value (core/intel/indicator-store) as the v2 routes will: by type and
 * value in any spelling the type normalises, by any hash of a File, among the given owners only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { findIndicatorByRef, findIndicatorByValue } from '../../../src/core/intel/indicator-store.js';
import { indicatorTypeOfBranch } from '../../../src/core/intel/indicator-types.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call } from '../../support/v3.js';

for (const dialect of testDialects()) {
  describe(`indicators by value (${dialect})`, () => {
    let server: TestServer;
    let db: Kysely<any>;
    let org: number;
    let host: number;
    let file: number;

    before(async () => {
      server = await startTestServer(dialect);
      db = server.services.store.db as Kysely<any>;
      org = server.bootstrap.organization.id;
      const api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      host = (await call(api, 'POST', '/v3/indicators', { type: 'Host', hostName: 'store.example.net' })).body.data.id;
      file = (await call(api, 'POST', '/v3/indicators', { type: 'File', md5: 'a'.repeat(32), sha1: 'b'.repeat(40) })).body.data.id;
    });
    after(() => server.close());

    it('finds by branch type and any spelling of the value', async () => {
      assert.equal(await findIndicatorByValue(db, [org], indicatorTypeOfBranch('hosts')!, 'STORE.example.net.'), host);
      assert.equal(await findIndicatorByValue(db, [org], indicatorTypeOfBranch('files')!, 'B'.repeat(40)), file);
      assert.equal(await findIndicatorByValue(db, [org], indicatorTypeOfBranch('files')!, `${'a'.repeat(32)} : ${'b'.repeat(40)}`), file);
      assert.equal(await findIndicatorByValue(db, [org], indicatorTypeOfBranch('addresses')!, 'store.example.net'), undefined);
      assert.equal(await findIndicatorByValue(db, [org], indicatorTypeOfBranch('mutexes')!, 'store.example.net'), undefined);
      assert.equal(await findIndicatorByRef(db, [org], 'store.example.net'), host);
    });

    it('finds nothing among other owners', async () => {
      assert.equal(await findIndicatorByValue(db, [org + 1000], indicatorTypeOfBranch('hosts')!, 'store.example.net'), undefined);
      assert.equal(await findIndicatorByValue(db, [], indicatorTypeOfBranch('hosts')!, 'store.example.net'), undefined);
      assert.equal(await findIndicatorByRef(db, [org + 1000], 'a'.repeat(32)), undefined);
    });
  });
}
