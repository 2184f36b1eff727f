/**
 * The engine's exactFields: a surface that shows a few fields of a resource (v2) has the engine
 * render only those, in a list and in one item, nested collections included; without it, the
 * defaults are rendered as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Principal } from '../../../src/core/principal.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call } from '../../support/v3.js';

for (const dialect of testDialects()) {
  describe(`engine exactFields (${dialect})`, () => {
    let server: TestServer;
    let principal: Principal;
    let id: number;
    before(async () => {
      server = await startTestServer(dialect);
      const created = await call(server.client(), 'POST', '/v3/indicators', { type: 'Host', hostName: 'exact.example.com', rating: 2, tags: { data: [{ name: 'Exact' }] } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      id = created.body.data.id;
      const credential = await server.services.credentials.byUserName(server.bootstrap.apiUser.accessId);
      principal = { ...credential!.principal, scheme: 'threatconnect-hmac' };
    });
    after(() => server.close());

    it('renders only the fields named, in a list and in one item', async () => {
      const indicators = server.services.resources.registry.named('indicators');
      const page = await server.services.resources.list(indicators, principal, { fields: ['id', 'summary', 'tags'], resultStart: 0, resultLimit: 10, count: false, exactFields: true });
      const tags = (page.data[0]!.tags as { data: Record<string, unknown>[] }).data;
      assert.deepEqual(page.data, [{ id, summary: 'exact.example.com', tags: { data: tags } }]);
      assert.deepEqual(tags.map((t) => t.name), ['Exact']);
      const item = await server.services.resources.get(indicators, principal, String(id), ['rating', 'hostName'], undefined, { exactFields: true });
      assert.deepEqual(item, { rating: 2, hostName: 'exact.example.com' });
      const full = await server.services.resources.get(indicators, principal, String(id), ['rating']);
      assert.ok('dateAdded' in full && 'webLink' in full && 'summary' in full, 'without exactFields the defaults show');
    });
  });
}
