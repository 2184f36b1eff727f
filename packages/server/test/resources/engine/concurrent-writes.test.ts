/**
 * Defect: 16 parallel POST /v3/cases naming one new tag raced a look-up-then-insert against the
 * tags' unique name per owner; on PostgreSQL about a third answered 500 or 409. Every request must
 * succeed and link the one tag. The same pattern elsewhere: one xid or one security-label name
 * claimed by parallel creates gives one 201 and 409s (never a 500, never two rows). On SQLite
 * transactions run one at a time, so these races cannot happen there; the suite runs on both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CairnClient } from '@cairn/client';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call, type Json } from '../../support/v3.js';

const BASE_CASE = { name: 'A case', severity: 'Low', status: 'Open' };
const PARALLEL = 16;

for (const dialect of testDialects()) {
  describe(`v3 find-or-create under concurrency (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    before(async () => {
      server = await startTestServer(dialect);
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
    });
    after(() => server.close());

    it(`${PARALLEL} parallel cases naming one new tag all succeed and share one tag`, async () => {
      const name = `race-${dialect}-tag`;
      const answers = await Promise.all(Array.from({ length: PARALLEL }, (_, i) =>
        call(api, 'POST', '/v3/cases?fields=tags', { ...BASE_CASE, name: `Racing case ${i}`, tags: { data: [{ name }] } })));
      for (const answer of answers) assert.equal(answer.status, 201, JSON.stringify(answer.body));
      const tags = await call(api, 'GET', `/v3/tags?tql=${encodeURIComponent(`name = "${name}"`)}`);
      assert.equal(tags.body.data.length, 1, JSON.stringify(tags.body.data));
      const tagId = tags.body.data[0].id;
      for (const answer of answers) assert.deepEqual(answer.body.data.tags.data.map((t: Json) => t.id), [tagId]);
      const tagged = await call(api, 'GET', `/v3/cases?resultLimit=100&tql=${encodeURIComponent(`hasTag(id = ${tagId})`)}`);
      assert.equal(tagged.body.data.length, PARALLEL);
    });

    it('parallel updates linking the same new tag to one case keep one link', async () => {
      const created = await call(api, 'POST', '/v3/cases', { ...BASE_CASE, name: 'Tagged twice at once' });
      const id = created.body.data.id;
      const name = `race-${dialect}-link`;
      const answers = await Promise.all(Array.from({ length: PARALLEL }, () =>
        call(api, 'PUT', `/v3/cases/${id}?fields=tags`, { tags: { data: [{ name }], mode: 'append' } })));
      for (const answer of answers) assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const final = await call(api, 'GET', `/v3/cases/${id}?fields=tags`);
      assert.deepEqual(final.body.data.tags.data.map((t: Json) => t.name), [name]);
    });

    it('parallel creates of one xid: one 201, the rest 409 naming the stored case', async () => {
      const answers = await Promise.all(Array.from({ length: PARALLEL }, (_, i) =>
        call(api, 'POST', '/v3/cases', { ...BASE_CASE, name: `Same xid ${i}`, xid: `race-${dialect}-xid` })));
      const created = answers.filter((a) => a.status === 201);
      assert.equal(created.length, 1, answers.map((a) => `${a.status} ${a.body.message ?? ''}`).join('\n'));
      for (const answer of answers.filter((a) => a.status !== 201)) {
        assert.equal(answer.status, 409, JSON.stringify(answer.body));
        assert.match(answer.body.message, new RegExp(`xid "race-${dialect}-xid" already exists \\(id ${created[0]!.body.data.id}\\)`));
      }
    });

    it('parallel creates of one security label name: one label, the rest 409', async () => {
      const name = `Label ${dialect}`;
      const answers = await Promise.all(Array.from({ length: PARALLEL }, () => call(api, 'POST', '/v3/securityLabels', { name, color: 'FF0000' })));
      assert.equal(answers.filter((a) => a.status === 201).length, 1, answers.map((a) => a.status).join(' '));
      for (const answer of answers.filter((a) => a.status !== 201)) assert.equal(answer.status, 409, JSON.stringify(answer.body));
      const labels = await call(api, 'GET', `/v3/securityLabels?tql=${encodeURIComponent(`name = "${name}"`)}`);
      assert.equal(labels.body.data.length, 1);
      const other = await call(api, 'POST', '/v3/securityLabels', { name: `${name} 2` });
      const renamed = await call(api, 'PUT', `/v3/securityLabels/${other.body.data.id}`, { name });
      assert.equal(renamed.status, 409, 'renaming onto a taken name is a conflict too');
      assert.equal((await call(api, 'POST', '/v3/securityLabels', { name: 'TLP:RED' })).status, 409, 'System names are taken');
    });

    it('creating a tag whose name is taken is still a 409 naming the stored one', async () => {
      const first = await call(api, 'POST', '/v3/tags', { name: 'Unique-ish' });
      assert.equal(first.status, 201);
      const answers = await Promise.all(Array.from({ length: 4 }, () => call(api, 'POST', '/v3/tags', { name: ' unique-ISH ' })));
      for (const answer of answers) {
        assert.equal(answer.status, 409, JSON.stringify(answer.body));
        assert.match(answer.body.message, new RegExp(`already exists \\(id ${first.body.data.id}\\)`));
      }
    });
  });
}
