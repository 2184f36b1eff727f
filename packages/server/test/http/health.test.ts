import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('health routes', () => {
  let server: TestServer;
  before(async () => { server = await startTestServer('sqlite'); });
  after(() => server.close());

  it('GET /healthz reports the version of the server package and the surfaces served, without authentication', async () => {
    const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const response = await rawRequest(server.baseUrl, 'GET', '/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { status: 'ok', version, surfaces: ['threatconnect', 'contrast', 'websupport', 'taxii'] });
  });

  it('GET /readyz reports the database', async () => {
    const response = await rawRequest(server.baseUrl, 'GET', '/readyz');
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { status: 'ok', database: 'sqlite' });
  });
});
