/**
 * The file of a Document or Report group over v2 (spec threatconnect.md §6): upload as tcex sends
 * it (octet-stream, by id or xid, `?owner=&updateIfExists=true`, POST or PUT), download byte for
 * byte, the size limit (nothing stored past it), and another organization's documents unreachable
 * both ways, on both databases.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { tcHeaders } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call, type Json } from '../../support/v3.js';
import { CairnClient } from '@cairn/client';
import type { Kysely } from 'kysely';

const LIMIT = 3 * 1024 * 1024;

interface Sent { status: number; headers: http.IncomingHttpHeaders; body: Buffer }
interface Caller { accessId: string; secret: string }

/** A TC-signed request whose body is written as given: whole (with Content-Length) or in pieces (chunked). */
function send(server: TestServer, caller: Caller, method: string, target: string, body?: Buffer | Buffer[], headers: Record<string, string> = {}): Promise<Sent> {
  const url = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const all: Record<string, string> = { ...tcHeaders(caller.accessId, caller.secret, method, target), ...headers };
    if (Buffer.isBuffer(body)) all['Content-Length'] = String(body.length);
    const request = http.request({ host: url.hostname, port: url.port, method, path: target, headers: all }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    // A server that refuses early may close while the rest is still being written.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (Array.isArray(body)) for (const piece of body) request.write(piece);
    else if (body) request.write(body);
    request.end();
  });
}

const failure = (sent: Sent) => JSON.parse(sent.body.toString('utf8')) as Json;

for (const dialect of testDialects()) {
  describe(`v2 document files (${dialect})`, () => {
    let server: TestServer;
    let home: Caller;
    let foreign: Caller;
    let foreignClient: CairnClient;
    let api: CairnClient;
    const createGroup = async (body: Record<string, unknown>, client = api) => {
      const answer = await call(client, 'POST', '/v3/groups', body);
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      return answer.body.data as Json;
    };
    const db = () => server.services.store.db as unknown as Kysely<any>;
    const stored = async (groupId: number) => ({
      document: await db().selectFrom('documents').selectAll().where('group_id', '=', groupId).executeTakeFirst(),
      chunks: Number((await db().selectFrom('document_chunks').select((eb) => eb.fn.countAll().as('n')).where('group_id', '=', groupId).executeTakeFirstOrThrow()).n),
    });

    before(async () => {
      server = await startTestServer(dialect, { env: { CAIRN_DOCUMENT_MAX_BYTES: String(LIMIT) } });
      home = server.bootstrap.apiUser;
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      const org = await server.services.tenancy.createOrganization('Document Rivals');
      const user = await server.services.tenancy.createApiUser(org.name, 'rival');
      foreign = user;
      foreignClient = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: user.accessId, secret: user.secret, apiKey: user.apiKey, scheme: 'threatconnect' });
    });
    after(() => server.close());

    it('round-trips a multi-MiB file byte for byte, in 64 KiB chunks with its sha256, and the group shows it', async () => {
      const group = await createGroup({ type: 'Document', name: 'Big memo', fileName: 'memo ü.bin' });
      assert.equal(group.status, 'Awaiting Upload');
      const bytes = crypto.randomBytes(LIMIT - 12_345);
      const upload = await send(server, home, 'POST', `/api/v2/groups/documents/${group.id}/upload`, bytes, { 'Content-Type': 'application/octet-stream' });
      assert.equal(upload.status, 200, upload.body.toString());
      assert.equal(upload.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(upload.body.toString()), { status: 'Success' });

      const download = await send(server, home, 'GET', `/api/v2/groups/documents/${group.id}/download`);
      assert.equal(download.status, 200);
      assert.equal(download.headers['content-type'], 'application/octet-stream');
      assert.equal(download.headers['content-disposition'], `attachment; filename="memo _.bin"; filename*=UTF-8''${encodeURIComponent('memo ü.bin')}`);
      assert.ok(download.body.equals(bytes), 'the same bytes');

      const { document, chunks } = await stored(group.id);
      assert.equal(Number(document!.size), bytes.length);
      assert.equal(document!.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
      assert.equal(chunks, Math.ceil(bytes.length / 65_536));
      const shown = (await call(api, 'GET', `/v3/groups/${group.id}`)).body.data;
      assert.equal(shown.fileSize, bytes.length);
      assert.equal(shown.status, 'Success');
    });

    it('takes tcex\'s upload: by xid, ?owner= with + for spaces, updateIfExists=true, retried as PUT, chunked; and replaces the file', async () => {
      const xid = `tcex-${crypto.randomUUID()}`;
      const group = await createGroup({ type: 'Report', name: 'Quarterly', fileName: 'q.pdf', xid });
      const owner = server.bootstrap.organization.name.replace(/ /g, '+');
      const first = crypto.randomBytes(200_000);
      const put = await send(server, home, 'PUT', `/v2/groups/reports/${xid}/upload?owner=${owner}&updateIfExists=true`, [first.subarray(0, 70_000), first.subarray(70_000)], { 'Content-Type': 'application/octet-stream' });
      assert.equal(put.status, 200, put.body.toString());
      const second = Buffer.from('a smaller second version');
      assert.equal((await send(server, home, 'POST', `/v2/groups/reports/${group.id}/upload?updateIfExists=true`, second, { 'Content-Type': 'application/octet-stream' })).status, 200);
      const download = await send(server, home, 'GET', `/v2/groups/reports/${xid}/download?owner=${owner}`);
      assert.ok(download.body.equals(second), 'the second version, whole');
      assert.equal((await stored(group.id)).chunks, 1);

      const refused = await send(server, home, 'POST', `/v2/groups/reports/${group.id}/upload?updateIfExists=false`, first, { 'Content-Type': 'application/octet-stream' });
      assert.equal(refused.status, 409);
      assert.match(failure(refused).message, /already has a file/);
      assert.ok((await send(server, home, 'GET', `/v2/groups/reports/${group.id}/download`)).body.equals(second), 'kept');

      // tcex's threat-intelligence module posts the bytes with no Content-Type at all.
      const unlabelled = Buffer.from('no label');
      assert.equal((await send(server, home, 'POST', `/v2/groups/reports/${group.id}/upload?updateIfExists=true`, unlabelled)).status, 200);
      assert.ok((await send(server, home, 'GET', `/v2/groups/reports/${group.id}/download`)).body.equals(unlabelled));

      const empty = await createGroup({ type: 'Document', name: 'Empty', fileName: 'empty.txt' });
      assert.equal((await send(server, home, 'POST', `/v2/groups/documents/${empty.id}/upload`, Buffer.alloc(0), { 'Content-Type': 'application/octet-stream' })).status, 200);
      const none = await send(server, home, 'GET', `/v2/groups/documents/${empty.id}/download`);
      assert.equal(none.status, 200);
      assert.equal(none.body.length, 0);
    });

    it('takes tcex\'s v3 upload and download on /v3/groups/{id}, with v3 failures', async () => {
      const group = await createGroup({ type: 'Report', name: 'v3 report', fileName: 'v3.bin', xid: `v3-${crypto.randomUUID()}` });
      const bytes = crypto.randomBytes(150_000);
      const upload = await send(server, home, 'POST', `/api/v3/groups/${group.id}/upload`, bytes, { 'Content-Type': 'application/octet-stream' });
      assert.equal(upload.status, 200, upload.body.toString());
      assert.deepEqual(JSON.parse(upload.body.toString()), { message: 'Uploaded', status: 'Success' });
      const download = await send(server, home, 'GET', `/v3/groups/${encodeURIComponent(group.xid)}/download`, undefined, { Accept: 'application/octet-stream' });
      assert.equal(download.headers['content-type'], 'application/octet-stream');
      assert.ok(download.body.equals(bytes));

      const theirs = await createGroup({ type: 'Document', name: 'v3 rival', fileName: 'r.txt' }, foreignClient);
      for (const [method, target] of [['POST', `/api/v3/groups/${theirs.id}/upload`], ['GET', `/api/v3/groups/${theirs.id}/download`], ['GET', `/api/v3/groups/${group.id}/download?owner=${theirs.ownerId}`]] as const) {
        const answer = await send(server, home, method, target, method === 'POST' ? Buffer.from('x') : undefined);
        assert.equal(answer.status, 404, target);
        assert.equal(failure(answer).errCode, '0x1004');
      }
      const adversary = await createGroup({ type: 'Adversary', name: 'v3 adversary' });
      assert.equal((await send(server, home, 'POST', `/v3/groups/${adversary.id}/upload`, Buffer.from('x'))).status, 404);
      const tooBig = await send(server, home, 'PUT', `/v3/groups/${group.id}/upload`, crypto.randomBytes(LIMIT + 1));
      assert.equal(tooBig.status, 413);
      assert.equal(failure(tooBig).status, 'Error');
      assert.ok((await send(server, home, 'GET', `/v3/groups/${group.id}/download`)).body.equals(bytes), 'kept');
    });

    it('deletes the file with its group', async () => {
      const group = await createGroup({ type: 'Document', name: 'Short-lived', fileName: 'gone.txt' });
      assert.equal((await send(server, home, 'POST', `/v2/groups/documents/${group.id}/upload`, crypto.randomBytes(100_000))).status, 200);
      assert.equal((await call(api, 'DELETE', `/v3/groups/${group.id}`)).status, 200);
      assert.deepEqual(await stored(group.id), { document: undefined, chunks: 0 });
      assert.equal((await send(server, home, 'GET', `/v2/groups/documents/${group.id}/download`)).status, 404);
    });

    it('refuses a file past CAIRN_DOCUMENT_MAX_BYTES, declared or streamed, naming the limit, and stores nothing', async () => {
      const group = await createGroup({ type: 'Document', name: 'Too big', fileName: 'big.iso' });
      const declared = await send(server, home, 'POST', `/api/v2/groups/documents/${group.id}/upload`, crypto.randomBytes(LIMIT + 1), { 'Content-Type': 'application/octet-stream' });
      assert.equal(declared.status, 413);
      assert.equal(declared.headers['content-type'], 'application/json');
      assert.deepEqual(failure(declared), { status: 'Failure', message: `The document is larger than the limit of ${LIMIT} bytes (CAIRN_DOCUMENT_MAX_BYTES).` });
      const pieces = Array.from({ length: 5 }, () => crypto.randomBytes(LIMIT / 4));
      const streamed = await send(server, home, 'PUT', `/api/v2/groups/documents/${group.id}/upload`, pieces, { 'Content-Type': 'application/octet-stream' });
      assert.equal(streamed.status, 413);
      assert.match(failure(streamed).message, new RegExp(`limit of ${LIMIT} bytes`));
      assert.deepEqual(await stored(group.id), { document: undefined, chunks: 0 });
      assert.equal((await call(api, 'GET', `/v3/groups/${group.id}`)).body.data.status, 'Awaiting Upload');
      const download = await send(server, home, 'GET', `/api/v2/groups/documents/${group.id}/download`);
      assert.equal(download.status, 404);
      assert.match(failure(download).message, /No file has been uploaded/);
    });

    it('keeps another organization\'s documents unreachable both ways, and only Documents and Reports hold files', async () => {
      const theirs = await createGroup({ type: 'Document', name: 'Rival memo', fileName: 'rival.txt', xid: `rival-${crypto.randomUUID()}` }, foreignClient);
      const secret = Buffer.from('rival secret');
      assert.equal((await send(server, foreign, 'POST', `/v2/groups/documents/${theirs.id}/upload`, secret, { 'Content-Type': 'application/octet-stream' })).status, 200);
      const mine = await createGroup({ type: 'Document', name: 'Mine', fileName: 'mine.txt' });
      const rivalOrg = (await server.services.store.db.selectFrom('owners').select('name').where('id', '=', Number(theirs.ownerId)).executeTakeFirstOrThrow()).name as string;

      for (const ref of [String(theirs.id), theirs.xid as string]) {
        for (const method of ['POST', 'PUT']) {
          const upload = await send(server, home, method, `/api/v2/groups/documents/${encodeURIComponent(ref)}/upload`, Buffer.from('overwrite'), { 'Content-Type': 'application/octet-stream' });
          assert.equal(upload.status, 404, `${method} ${ref}`);
          assert.deepEqual(failure(upload), { status: 'Failure', message: 'The requested resource was not found' });
        }
        const download = await send(server, home, 'GET', `/api/v2/groups/documents/${encodeURIComponent(ref)}/download`);
        assert.equal(download.status, 404);
        assert.ok(!download.body.includes(secret));
      }
      for (const target of [`/v2/groups/documents/${theirs.id}/download?owner=${encodeURIComponent(rivalOrg)}`, `/v2/groups/documents/${mine.id}/upload?owner=${encodeURIComponent(rivalOrg)}`]) {
        const method = target.includes('/download') ? 'GET' : 'POST';
        const answer = await send(server, home, method, target, method === 'POST' ? Buffer.from('x') : undefined);
        // An owner the caller cannot see, as on every v2 route (spec §4.3: 403, owner missing or inaccessible).
        assert.equal(answer.status, 403, target);
        assert.deepEqual(failure(answer), { status: 'Failure', message: 'The requested owner was not found' });
      }
      assert.ok((await send(server, foreign, 'GET', `/v2/groups/documents/${theirs.id}/download`)).body.equals(secret), 'the rival\'s file is intact');
      assert.deepEqual(await stored(mine.id), { document: undefined, chunks: 0 });
      // And the rival cannot reach mine.
      assert.equal((await send(server, foreign, 'GET', `/v2/groups/documents/${mine.id}/download`)).status, 404);

      const adversary = await createGroup({ type: 'Adversary', name: 'No file here' });
      assert.equal((await send(server, home, 'POST', `/v2/groups/documents/${adversary.id}/upload`, Buffer.from('x'))).status, 404);
      const report = await createGroup({ type: 'Report', name: 'A report', fileName: 'r.txt' });
      assert.equal((await send(server, home, 'POST', `/v2/groups/documents/${report.id}/upload`, Buffer.from('x'))).status, 404, 'a report is under reports/');
    });
  });
}
