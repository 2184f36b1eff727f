/**
 * The v2 batch API over HTTP (spec threatconnect.md §5.4), on both databases, signed as the clients
 * sign: the flows tcex makes (POST /v2/batch with its string booleans, the octet-stream upload,
 * createAndUpload's multipart, polling with includeAdditional=true, /errors) and the JS SDK's V1 flow
 * (no version, an array body, `/errors/` with a trailing slash); the size and indicator limits; bad
 * bodies and settings; another organization's jobs; every status and envelope.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import http from 'node:http';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { tcHeaders } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import type { Json } from '../../support/v3.js';

const run = promisify(execFile);
const MAX_BYTES = 1024 * 1024;
const MAX_INDICATORS = 3000;

interface Sent { status: number; headers: http.IncomingHttpHeaders; text: string; json(): Json }
interface Caller { accessId: string; secret: string }

/** A TC-signed request with its body written as given: whole (with Content-Length) or in pieces (chunked, no length). */
function send(server: TestServer, caller: Caller, method: string, target: string, body?: string | Buffer | Buffer[], headers: Record<string, string> = {}): Promise<Sent> {
  const url = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const all: Record<string, string> = { ...tcHeaders(caller.accessId, caller.secret, method, target), ...headers };
    if (body !== undefined && !Array.isArray(body)) all['Content-Length'] = String(Buffer.byteLength(body));
    const request = http.request({ host: url.hostname, port: url.port, method, path: target, headers: all }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        assert.ok((response.statusCode ?? 0) < 500, `${method} ${target} → ${response.statusCode} ${text.slice(0, 300)}`);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: () => JSON.parse(text) });
      });
      response.on('error', reject);
    });
    // A server that refuses early may close while the rest is still being written.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (Array.isArray(body)) for (const piece of body) request.write(piece);
    else if (body !== undefined) request.write(body);
    request.end();
  });
}

const OCTET = { 'Content-Type': 'application/octet-stream' };
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** The multipart body tcex's requests sends for `files=(('config', json), ('content', text))`: each part a file named after its field. */
function tcexMultipart(parts: [string, string | Buffer][]): { body: Buffer; contentType: string } {
  const boundary = `cairnbatch${Date.now().toString(16)}`;
  const pieces: Buffer[] = [];
  for (const [name, content] of parts) {
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\n\r\n`));
    pieces.push(Buffer.isBuffer(content) ? content : Buffer.from(content));
    pieces.push(Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(pieces), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** tcex's settings (batch_submit.py `settings`): string booleans, version V2. */
const tcexSettings = (owner: string, extra: Record<string, string> = {}) => ({
  action: 'Create', attributeWriteType: 'Replace', haltOnError: 'false', owner, playbookTriggersEnabled: 'false',
  securityLabelWriteType: 'Replace', tagWriteType: 'Replace', version: 'V2', ...extra,
});

let unique = 0;
const host = () => `batch-${process.pid}-${++unique}.example.com`;

for (const dialect of testDialects()) {
  describe(`v2 batch API (${dialect})`, () => {
    let server: TestServer;
    let home: Caller;
    let foreign: Caller;
    let org: string;
    let community: string;
    const db = () => server.services.store.db as unknown as Kysely<any>;
    const jobRow = (id: number) => db().selectFrom('import_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const chunks = async (id: number) => (await db().selectFrom('import_job_chunks').selectAll().where('job_id', '=', id).orderBy('seq').execute())
      .map((row) => ({ seq: Number(row.seq), count: Number(row.item_count), items: JSON.parse(Buffer.from(row.items as Uint8Array).toString('utf8')) as Json[] }));
    const problems = (id: number) => db().selectFrom('import_job_errors').selectAll().where('job_id', '=', id).orderBy('id').execute();

    const createJob = async (settings: Record<string, unknown>, caller = home, target = '/api/v2/batch') => {
      const created = await send(server, caller, 'POST', target, JSON.stringify(settings), JSON_TYPE);
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers['content-type'], 'application/json');
      const body = created.json();
      assert.equal(body.status, 'Success');
      assert.ok(Number.isInteger(body.data.batchId));
      return body.data.batchId as number;
    };

    before(async () => {
      server = await startTestServer(dialect, { env: { CAIRN_BATCH_MAX_UPLOAD_BYTES: String(MAX_BYTES), CAIRN_BATCH_MAX_INDICATORS: String(MAX_INDICATORS) } });
      home = server.bootstrap.apiUser;
      org = server.bootstrap.organization.name;
      community = server.bootstrap.community.name;
      const rival = await server.services.tenancy.createOrganization('Batch Rivals');
      foreign = await server.services.tenancy.createApiUser(rival.name, 'rival batcher');
    });
    after(() => server.close());

    it('tcex\'s flow: settings with string booleans → 201 batchId; an octet-stream V2 upload → 202 Queued, stored in chunks; the status in the full form', async () => {
      const id = await createJob(tcexSettings(org, { haltOnError: 'true', attributeWriteType: 'Append', fileMergeMode: 'Merge', hashCollisionMode: 'FavorIncoming' }));
      const row = await jobRow(id);
      assert.equal(row.status, 'Created');
      assert.equal(Number(row.owner_id), server.bootstrap.organization.id);
      assert.deepEqual(JSON.parse(row.settings), {
        version: 'V2', action: 'Create', haltOnError: true, attributeWriteType: 'Append', tagWriteType: 'Replace', securityLabelWriteType: 'Replace', fileMergeMode: 'Merge', hashCollisionMode: 'FavorIncoming',
      });

      // Before the upload: Created, in the form tcex and the JS SDK read.
      const waiting = await send(server, home, 'GET', `/api/v2/batch/${id}?includeAdditional=true`);
      assert.equal(waiting.status, 200);
      assert.deepEqual(waiting.json(), { status: 'Success', data: { batchStatus: { id, status: 'Created', errorCount: 0, successCount: 0, unprocessCount: 0, errorGroupCount: 0, errorIndicatorCount: 0, errorAssociationCount: 0 } } });

      const hosts = Array.from({ length: 2500 }, () => host());
      const body = {
        indicator: hosts.map((h, i) => ({ summary: h, type: 'Host', rating: i % 6, confidence: 50, xid: `x-${i}`, tag: [{ name: 'batch' }], attribute: [{ type: 'Description', value: `host ${i}`, displayed: true }] })),
        group: [{ name: 'Batch incident', type: 'Incident', xid: `inc-${id}`, eventDate: '2024-08-04T00:00:00Z' }],
        association: [{ ref_1: hosts[0], type_1: 'Host', ref_2: `inc-${id}` }],
      };
      const text = JSON.stringify(body);
      assert.ok(Buffer.byteLength(text) < MAX_BYTES, 'sized for the test');
      // Sent gzip-compressed (the limit counts the file as inflated).
      const upload = await send(server, home, 'POST', `/api/v2/batch/${id}`, zlib.gzipSync(text), OCTET);
      assert.equal(upload.status, 202, upload.text);
      assert.equal(upload.headers['content-type'], 'application/json');
      assert.deepEqual(upload.json(), { status: 'Queued' });

      const stored = await chunks(id);
      assert.deepEqual(stored.map((c) => [c.seq, c.count]), [[0, 1000], [1, 1000], [2, 502]]);
      assert.deepEqual(stored[0]!.items[0], { kind: 'indicator', type: 'Host', summary: hosts[0], rating: 0, confidence: 50, attributes: [{ type: 'Description', value: 'host 0', displayed: true }], tags: ['batch'] });
      assert.deepEqual(stored[2]!.items.slice(-2), [
        { kind: 'group', type: 'Incident', name: 'Batch incident', xid: `inc-${id}`, fields: { eventDate: '2024-08-04T00:00:00Z' } },
        { kind: 'association', from: { indicator: { type: 'Host', summary: hosts[0] } }, to: { group: { xid: `inc-${id}` } } },
      ]);
      const queued = await jobRow(id);
      assert.ok(['Queued', 'Running', 'Completed'].includes(queued.status), queued.status);
      assert.equal(Number(queued.item_count), 2502);
      assert.equal(Number(queued.chunk_count), 3);
      assert.equal(queued.claimed_by === null || !String(queued.claimed_by).startsWith('upload:'), true, 'the upload let go of the job');

      const status = (await send(server, home, 'GET', `/v2/batch/${id}`)).json();
      assert.equal(status.status, 'Success');
      assert.deepEqual(Object.keys(status.data.batchStatus), ['id', 'status', 'errorCount', 'successCount', 'unprocessCount']);
      assert.equal(status.data.batchStatus.id, id);

      // One upload per job.
      const again = await send(server, home, 'POST', `/api/v2/batch/${id}`, text, OCTET);
      assert.equal(again.status, 400);
      assert.match(again.json().message, /has its upload already .*create a new job/);
    });

    it('the JS SDK\'s V1 flow: no version, haltOnError false, an array body labelled octet-stream with resultLimit=10000 on every call; GET /errors/ waits for Completed', async () => {
      const id = await createJob({ owner: org, action: 'Create', attributeWriteType: 'Append', haltOnError: false }, home, `/api/v2/batch?resultLimit=10000&owner=${encodeURIComponent(org)}`);
      assert.equal(JSON.parse((await jobRow(id)).settings).version, 'V1');
      const v1 = [
        { summary: host(), type: 'Host', rating: 3, confidence: 60, description: 'A malicious domain', attribute: [{ type: 'Additional Analysis and Context', value: 'ransomware' }], tag: [{ name: 'Malicious Host' }] },
        { summary: '96.38.88.212', type: 'Address' },
        { summary: 'nothing', type: 'Teapot' },
      ];
      const upload = await send(server, home, 'POST', `/api/v2/batch/${id}?resultLimit=10000`, JSON.stringify(v1), { 'Content-Type': 'application/octet-stream' });
      assert.equal(upload.status, 202, upload.text);
      const [chunk] = await chunks(id);
      assert.deepEqual(chunk!.items.map((i: Json) => i.type), ['Host', 'Address']);
      assert.deepEqual(chunk!.items[0].attributes, [{ type: 'Description', value: 'A malicious domain', displayed: true }, { type: 'Additional Analysis and Context', value: 'ransomware' }]);
      const [problem] = await problems(id);
      assert.equal(problem!.code, '0x1005');
      assert.match(problem!.reason, /^indicator\[2\]: Unknown indicator type "Teapot"/);
      const row = await jobRow(id);
      assert.equal(Number(row.error_count), 1);
      assert.equal(Number(row.error_indicator_count), 1);

      // The JS SDK polls with a content type and the paging parameters.
      const status = await send(server, home, 'GET', `/api/v2/batch/${id}?resultLimit=10000&resultStart=0`, undefined, { 'Content-Type': 'application/octet-stream' });
      assert.equal(status.status, 200);
      assert.equal(status.json().data.batchStatus.id, id);
      // Until Completed the errors and results are refused as ThreatConnect refuses them.
      const waiting = await createJob({ owner: org });
      for (const path of [`/api/v2/batch/${waiting}/errors/`, `/api/v2/batch/${waiting}/errors`, `/api/v2/batch/${waiting}/results`]) {
        const early = await send(server, home, 'GET', path);
        assert.equal(early.status, 400);
        assert.deepEqual(early.json(), { status: 'Invalid', description: 'Batch still in Created state' });
      }
    });

    it('over the indicator limit: accepted, then Completed with nothing applied and the documented message in /errors, /errors/ and /results', async () => {
      const id = await createJob(tcexSettings(org));
      const body = JSON.stringify({ indicator: Array.from({ length: MAX_INDICATORS + 1 }, () => ({ summary: host(), type: 'Host' })), group: [{ name: 'g', type: 'Adversary', xid: `adv-${id}` }] });
      const upload = await send(server, home, 'POST', `/v2/batch/${id}`, [Buffer.from(body)], OCTET);
      assert.equal(upload.status, 202, upload.text);
      assert.deepEqual(await chunks(id), [], 'nothing stored to apply');
      const status = (await send(server, home, 'GET', `/v2/batch/${id}?includeAdditional=true`)).json();
      assert.deepEqual(status, { status: 'Success', data: { batchStatus: { id, status: 'Completed', errorCount: 1, successCount: 0, unprocessCount: MAX_INDICATORS + 2, errorGroupCount: 0, errorIndicatorCount: 0, errorAssociationCount: 0 } } });

      for (const path of [`/api/v2/batch/${id}/errors`, `/api/v2/batch/${id}/errors/`]) {
        const errors = await send(server, home, 'GET', path);
        assert.equal(errors.status, 200);
        assert.equal(errors.headers['content-type'], 'application/octet-stream');
        const list = JSON.parse(errors.text);
        assert.equal(list.length, 1);
        assert.match(list[0].errorReason, /would exceed the number of allowed indicators/, 'tcex\'s critical-failure text');
        assert.match(list[0].errorReason, new RegExp(`${MAX_INDICATORS + 1} indicators .*\\(${MAX_INDICATORS}\\)`));
        assert.deepEqual(Object.keys(list[0]), ['errorReason', 'errorSource']);
      }
      const results = await send(server, home, 'GET', `/api/v2/batch/${id}/results`);
      assert.equal(results.status, 200);
      assert.equal(results.headers['content-type'], 'application/json');
      const [result] = results.json();
      assert.equal(result.code, '0x1008');
      assert.equal(result.severity, 'Error');
      assert.match(result.errorReason, /would exceed/);
      assert.deepEqual((await send(server, home, 'GET', `/api/v2/batch/${id}/results?code=0x1008&severity=err&contains=EXCEED`)).json().length, 1);
      assert.deepEqual((await send(server, home, 'GET', `/api/v2/batch/${id}/results?code=0x1005`)).json(), []);
      assert.deepEqual((await send(server, home, 'GET', `/api/v2/batch/${id}/results?severity=warning`)).json(), []);
      const badCode = await send(server, home, 'GET', `/api/v2/batch/${id}/results?code=1005`);
      assert.equal(badCode.status, 400);
      assert.match(badCode.json().message, /code must be an error code such as 0x1005/);
      const badSeverity = await send(server, home, 'GET', `/api/v2/batch/${id}/results?severity=loud`);
      assert.equal(badSeverity.status, 400);
      assert.match(badSeverity.json().message, /severity takes err, error, info, warn or warning/);
    });

    it('the size limit: a declared length or a streamed body past it is 400 Invalid with the documented text, nothing kept, and the job takes a new upload', async () => {
      const id = await createJob(tcexSettings(org));
      const big = Buffer.from(JSON.stringify({ indicator: Array.from({ length: 30_000 }, () => ({ summary: host(), type: 'Host' })) }));
      assert.ok(big.length > MAX_BYTES);
      const declared = await send(server, home, 'POST', `/v2/batch/${id}`, big, OCTET);
      assert.equal(declared.status, 400);
      assert.deepEqual(declared.json(), { status: 'Invalid', description: `File size greater than allowable limit of ${MAX_BYTES}` });
      // Chunked (no Content-Length): refused once the limit is passed, with what was stored removed.
      const streamed = await send(server, home, 'POST', `/v2/batch/${id}`, [big.subarray(0, 400_000), big.subarray(400_000)], OCTET);
      assert.equal(streamed.status, 400);
      assert.deepEqual(streamed.json(), { status: 'Invalid', description: `File size greater than allowable limit of ${MAX_BYTES}` });
      // A gzip body that inflates past the limit is refused the same way.
      const bomb = await send(server, home, 'POST', `/v2/batch/${id}`, zlib.gzipSync(big), { ...OCTET, 'Content-Encoding': 'gzip' });
      assert.equal(bomb.status, 400);
      assert.equal(bomb.json().status, 'Invalid');
      const row = await jobRow(id);
      assert.equal(row.status, 'Created');
      assert.equal(row.claimed_by, null);
      assert.deepEqual(await chunks(id), []);
      assert.deepEqual(await problems(id), []);
      // The job still takes a good upload.
      const good = await send(server, home, 'POST', `/v2/batch/${id}`, JSON.stringify({ indicator: [{ summary: host(), type: 'Host' }] }), JSON_TYPE);
      assert.equal(good.status, 202, good.text);
    });

    it('bad bodies: malformed JSON keeps what came before and records where it broke; not gzip though labelled; an empty upload', async () => {
      const id = await createJob(tcexSettings(org));
      const good = Array.from({ length: 30 }, () => ({ summary: host(), type: 'Host' }));
      const text = `{"indicator": ${JSON.stringify(good).slice(0, -1)}, {"summary": "x.example.com", "type" "Host"}]}`;
      const upload = await send(server, home, 'POST', `/v2/batch/${id}`, text, OCTET);
      assert.equal(upload.status, 202, upload.text);
      const kept = (await chunks(id)).flatMap((c) => c.items);
      assert.equal(kept.length, 30, 'every entry before the broken one');
      const [problem] = await problems(id);
      assert.equal(problem!.kind, 'file');
      assert.equal(problem!.code, '0x1003');
      assert.match(problem!.reason, new RegExp(`not valid JSON .*last known JSON path: '\\$\\.indicator\\[${kept.length - 1}\\]'`));
      const row = await jobRow(id);
      assert.equal(Number(row.error_count), 1);
      assert.equal(Number(row.item_count), kept.length);

      const gzipLie = await createJob(tcexSettings(org));
      const refused = await send(server, home, 'POST', `/v2/batch/${gzipLie}`, '[{"summary":"a.example.com","type":"Host"}]', { ...OCTET, 'Content-Encoding': 'gzip' });
      assert.equal(refused.status, 400);
      assert.match(refused.json().message, /not valid gzip data/);
      assert.equal((await jobRow(gzipLie)).status, 'Created');

      const empty = await createJob(tcexSettings(org));
      const none = await send(server, home, 'POST', `/v2/batch/${empty}`, '', OCTET);
      assert.equal(none.status, 202);
      assert.match((await problems(empty))[0]!.reason, /The upload is empty/);
    });

    it('createAndUpload as tcex sends it: multipart config then content, ?includeAdditional=true → the batchStatus with its id', async () => {
      const hosts = [host(), host()];
      const { body, contentType } = tcexMultipart([
        ['config', JSON.stringify(tcexSettings(community))],
        ['content', JSON.stringify({ indicator: hosts.map((h) => ({ summary: h, type: 'Host' })), group: [], association: [] })],
      ]);
      const answer = await send(server, home, 'POST', '/api/v2/batch/createAndUpload?includeAdditional=true', body, { 'Content-Type': contentType });
      assert.equal(answer.status, 201, answer.text);
      assert.equal(answer.headers['content-type'], 'application/json');
      const status = answer.json().data.batchStatus;
      assert.ok(Number.isInteger(status.id));
      assert.ok(['Queued', 'Running', 'Completed'].includes(status.status));
      assert.equal(status.errorIndicatorCount, 0);
      const row = await jobRow(status.id);
      assert.equal(Number(row.owner_id), server.bootstrap.community.id, 'the community named in config');
      assert.deepEqual((await chunks(status.id))[0]!.items.map((i: Json) => i.summary), hosts);

      // Content before config, no content, no multipart, bad config: 400 and no job left behind.
      const before = Number((await db().selectFrom('import_jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      for (const [parts, message] of [
        [[['content', '[]'], ['config', JSON.stringify(tcexSettings(org))]], /config part must come before the content part/],
        [[['config', JSON.stringify(tcexSettings(org))]], /needs a `config` part .* and then a `content` part/],
        [[['config', '{"owner": '], ['content', '[]']], /config part must be the job settings as JSON/],
        [[['config', JSON.stringify(tcexSettings(org, { action: 'Explode' }))], ['content', '[]']], /action must be one of Create, Delete/],
      ] as [[string, string][], RegExp][]) {
        const multipart = tcexMultipart(parts);
        const refused = await send(server, home, 'POST', '/v2/batch/createAndUpload', multipart.body, { 'Content-Type': multipart.contentType });
        assert.equal(refused.status, 400, refused.text);
        assert.match(refused.json().message, message);
      }
      const plain = await send(server, home, 'POST', '/v2/batch/createAndUpload', '{}', JSON_TYPE);
      assert.equal(plain.status, 400);
      assert.match(plain.json().message, /multipart\/form-data/);
      // Too large a content part: Invalid, and the job it made is gone.
      const large = tcexMultipart([['config', JSON.stringify(tcexSettings(org))], ['content', Buffer.alloc(MAX_BYTES + 10, 0x20)]]);
      const tooLarge = await send(server, home, 'POST', '/v2/batch/createAndUpload', large.body, { 'Content-Type': large.contentType });
      assert.equal(tooLarge.status, 400);
      assert.deepEqual(tooLarge.json(), { status: 'Invalid', description: `File size greater than allowable limit of ${MAX_BYTES}` });
      const after = Number((await db().selectFrom('import_jobs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      assert.equal(after, before, 'no job left behind');
    });

    it('createAndUpload from curl -F (a plain config field and a file part), signed by hand as the README shows', async () => {
      const file = path.join(server.dataDir, 'batch-curl.json');
      const hosts = [host(), host()];
      fs.writeFileSync(file, JSON.stringify({ indicator: hosts.map((h) => ({ summary: h, type: 'Host' })) }));
      const target = '/api/v2/batch/createAndUpload?includeAdditional=true';
      const headers = tcHeaders(home.accessId, home.secret, 'POST', target);
      const { stdout } = await run('curl', ['-sS', '--fail-with-body', '-H', `Timestamp: ${headers.Timestamp}`, '-H', `Authorization: ${headers.Authorization}`,
        '-F', `config=${JSON.stringify({ version: 'V2', owner: org, haltOnError: 'false' })}`, '-F', `content=@${file}`, `${server.baseUrl}${target}`]);
      const status = JSON.parse(stdout).data.batchStatus;
      assert.deepEqual((await chunks(status.id))[0]!.items.map((i: Json) => i.summary), hosts);
    });

    it('settings: a 400 naming the field and its choices; an owner the caller cannot see is 403; XML when asked', async () => {
      for (const [settings, message] of [
        [{ ...tcexSettings(org), haltOnError: 'maybe' }, /^haltOnError must be true or false/],
        [{ ...tcexSettings(org), attributeWriteType: 'Overwrite' }, /^attributeWriteType must be one of Append, Replace, Singleton, Static; got "Overwrite"/],
        [{ ...tcexSettings(org), version: 'V3' }, /^version must be one of V1, V2/],
        [[1, 2], /must be a JSON object/],
      ] as [unknown, RegExp][]) {
        const refused = await send(server, home, 'POST', '/v2/batch', JSON.stringify(settings), JSON_TYPE);
        assert.equal(refused.status, 400, refused.text);
        assert.deepEqual(Object.keys(refused.json()), ['status', 'message']);
        assert.equal(refused.json().status, 'Failure');
        assert.match(refused.json().message, message);
      }
      // Settings labelled octet-stream are read as JSON too; bytes that are no JSON are refused.
      assert.equal((await send(server, home, 'POST', '/v2/batch', JSON.stringify(tcexSettings(org)), OCTET)).status, 201);
      const notJson = await send(server, home, 'POST', '/v2/batch', 'owner=me', OCTET);
      assert.equal(notJson.status, 400);
      assert.match(notJson.json().message, /must be a JSON object/);
      const notMine = await send(server, home, 'POST', '/v2/batch', JSON.stringify(tcexSettings('Batch Rivals')), JSON_TYPE);
      assert.equal(notMine.status, 403);
      assert.deepEqual(notMine.json(), { status: 'Failure', message: 'The requested owner was not found' });
      // No owner at all: the caller's organization.
      const id = await createJob({ version: 'V2' });
      assert.equal(Number((await jobRow(id)).owner_id), server.bootstrap.organization.id);

      const xml = await send(server, home, 'POST', '/v2/batch', JSON.stringify(tcexSettings(org)), { ...JSON_TYPE, Accept: 'application/xml' });
      assert.equal(xml.status, 201);
      assert.equal(xml.headers['content-type'], 'application/xml');
      assert.match(xml.text, /<batchResponse>\s*<Status>Success<\/Status>\s*<Data xsi:type="batchResponseData"[^>]*>\s*<BatchId>\d+<\/BatchId>/);
      const status = await send(server, home, 'GET', `/v2/batch/${id}`, undefined, { Accept: 'application/xml' });
      assert.match(status.text, /<batchStatusResponse>[\s\S]*<BatchStatus>\s*<Id>\d+<\/Id>\s*<Status>Created<\/Status>/);
    });

    it('another organization\'s job is the v2 404 on every route and is left untouched; an id that is no number is 404 too', async () => {
      const theirs = await createJob(tcexSettings('Batch Rivals'), foreign);
      const notFound = { status: 'Failure', message: 'The requested resource was not found' };
      for (const [method, path, body] of [
        ['GET', `/v2/batch/${theirs}`], ['GET', `/v2/batch/${theirs}/errors`], ['GET', `/v2/batch/${theirs}/errors/`], ['GET', `/v2/batch/${theirs}/results`],
        ['POST', `/v2/batch/${theirs}`, '[{"summary":"stolen.example.com","type":"Host"}]'], ['GET', '/v2/batch/abc'], ['GET', '/v2/batch/99999999'],
      ] as [string, string, string?][]) {
        const answer = await send(server, home, method, path, body, body ? OCTET : {});
        assert.equal(answer.status, 404, `${method} ${path}: ${answer.text}`);
        assert.deepEqual(answer.json(), notFound);
      }
      const row = await jobRow(theirs);
      assert.equal(row.status, 'Created');
      assert.deepEqual(await chunks(theirs), []);
      // Their own caller sees it.
      assert.equal((await send(server, foreign, 'GET', `/v2/batch/${theirs}`)).json().data.batchStatus.status, 'Created');
    });

    /** Polls the job's status, as tcex and the JS SDK do, until the worker has completed it. */
    const completed = async (id: number, caller = home): Promise<Json> => {
      for (let attempt = 0; attempt < 1200; attempt++) {
        const status = (await send(server, caller, 'GET', `/api/v2/batch/${id}?includeAdditional=true`)).json();
        assert.equal(status.status, 'Success');
        if (status.data.batchStatus.status === 'Completed') return status.data.batchStatus;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.fail(`batch job ${id} did not complete`);
    };
    const v2Get = async (target: string) => send(server, home, 'GET', target);

    it('end to end as tcex runs it: upload → poll until Completed → counts by kind, the errors of the bad items, and the good ones written with their tags, attributes, group and association', async () => {
      const id = await createJob(tcexSettings(org, { attributeWriteType: 'Append', tagWriteType: 'Append' }));
      const [first, second] = [host(), host()];
      const body = {
        indicator: [
          { summary: first, type: 'Host', rating: 4, confidence: 70, tag: [{ name: 'e2e' }], attribute: [{ type: 'Description', value: 'first host', displayed: true }], associatedGroups: [{ groupXid: `e2e-${id}` }] },
          { summary: second, type: 'Host' },
          { summary: 'not a host name', type: 'Host' },
          { summary: 'x', type: 'Teapot' },
        ],
        group: [{ name: `E2E incident ${id}`, type: 'Incident', xid: `e2e-${id}`, eventDate: '2024-08-04T00:00:00Z' }, { name: 'no type', xid: 'nope' }],
        association: [{ ref_1: second, type_1: 'Host', ref_2: `e2e-${id}` }],
      };
      assert.equal((await send(server, home, 'POST', `/api/v2/batch/${id}`, JSON.stringify(body), OCTET)).status, 202);
      const status = await completed(id);
      assert.equal(status.errorIndicatorCount, 2);
      assert.equal(status.errorGroupCount, 1);
      assert.equal(status.errorCount, 3);
      assert.equal(status.unprocessCount, 0);
      assert.ok(status.successCount >= 3, JSON.stringify(status));

      const errors = JSON.parse((await v2Get(`/api/v2/batch/${id}/errors`)).text) as Json[];
      assert.equal(errors.length, 3);
      assert.ok(errors.some((e) => /not a host name/.test(`${e.errorReason} ${e.errorSource}`)), JSON.stringify(errors));
      assert.ok(errors.some((e) => /Teapot/.test(e.errorReason)));
      const results = (await v2Get(`/api/v2/batch/${id}/results?severity=error`)).json() as Json[];
      assert.deepEqual(results.map((r) => r.code).sort(), ['0x1005', '0x1005', '0x1006']);

      const written = (await v2Get(`/api/v2/indicators/hosts/${first}?includeTags=true&includeAttributes=true`)).json().data.host;
      assert.equal(written.rating, 4);
      assert.equal(written.confidence, 70);
      assert.deepEqual(written.tag.map((t: Json) => t.name), ['e2e']);
      assert.ok(written.attribute.some((a: Json) => a.type === 'Description' && a.value === 'first host'));
      for (const h of [first, second]) {
        const groups = (await v2Get(`/api/v2/indicators/hosts/${h}/groups`)).json().data.group as Json[];
        assert.deepEqual(groups.map((g) => g.name), [`E2E incident ${id}`], `${h} is associated with the incident`);
      }
    });

    it('end to end as the JS SDK runs it: V1 array, poll, then /errors/ (trailing slash) read as the SDK parses it', async () => {
      const id = await createJob({ owner: org, action: 'Create', attributeWriteType: 'Append', haltOnError: false }, home, '/api/v2/batch?resultLimit=10000');
      const good = host();
      const upload = await send(server, home, 'POST', `/api/v2/batch/${id}?resultLimit=10000`, JSON.stringify([{ summary: good, type: 'Host', rating: 2 }, { summary: 'x', type: 'Nonsense' }]), OCTET);
      assert.equal(upload.status, 202);
      const status = await completed(id);
      assert.equal(status.errorCount, 1);
      assert.equal(status.successCount, 1);
      const errors = await send(server, home, 'GET', `/api/v2/batch/${id}/errors/?resultLimit=10000`);
      assert.equal(errors.status, 200);
      assert.equal(errors.headers['content-type'], 'application/octet-stream');
      assert.match(JSON.parse(errors.text)[0].errorReason, /Unknown indicator type "Nonsense"/);
      assert.equal((await v2Get(`/api/v2/indicators/hosts/${good}`)).json().data.host.rating, 2);
    });

    it('haltOnError: the job stops at the first failure, the rest counted unprocessed; action Delete removes what a job names', async () => {
      const hosts = Array.from({ length: 5 }, () => host());
      const halting = await createJob(tcexSettings(org, { haltOnError: 'true' }));
      const body = { indicator: [{ summary: hosts[0], type: 'Host' }, { summary: 'bad host name', type: 'Host' }, ...hosts.slice(1).map((h) => ({ summary: h, type: 'Host' }))] };
      assert.equal((await send(server, home, 'POST', `/api/v2/batch/${halting}`, JSON.stringify(body), OCTET)).status, 202);
      const halted = await completed(halting);
      assert.ok(halted.errorCount >= 1);
      assert.ok(halted.unprocessCount > 0, JSON.stringify(halted));

      const creating = await createJob(tcexSettings(org));
      assert.equal((await send(server, home, 'POST', `/api/v2/batch/${creating}`, JSON.stringify({ indicator: hosts.map((h) => ({ summary: h, type: 'Host' })) }), OCTET)).status, 202);
      assert.equal((await completed(creating)).successCount, 5);
      const deleting = await createJob(tcexSettings(org, { action: 'Delete' }));
      assert.equal((await send(server, home, 'POST', `/api/v2/batch/${deleting}`, JSON.stringify({ indicator: hosts.slice(0, 2).map((h) => ({ summary: h, type: 'Host' })) }), OCTET)).status, 202);
      await completed(deleting);
      assert.equal((await v2Get(`/api/v2/indicators/hosts/${hosts[0]}`)).status, 404);
      assert.equal((await v2Get(`/api/v2/indicators/hosts/${hosts[2]}`)).status, 200);
    });

    it('a JSON bulk report is a batch file (the docs\' hint): exported from one organization, imported into another, the same indicators', async () => {
      const exporters = await server.services.tenancy.createOrganization(`Bulk Exporters ${++unique}`);
      const exporter = await server.services.tenancy.createApiUser(exporters.name, 'exporter');
      const tag = `bulk-${process.pid}-${unique}`;
      const made = [host(), host(), host()];
      for (const [i, h] of made.entries()) {
        const created = await send(server, exporter, 'POST', '/api/v2/indicators/hosts', JSON.stringify({ hostName: h, rating: i + 1, confidence: 10 * (i + 1) }), JSON_TYPE);
        assert.equal(created.status, 201, created.text);
        assert.equal((await send(server, exporter, 'POST', `/api/v2/indicators/hosts/${h}/tags/${tag}`)).status, 201);
      }
      const report = await send(server, exporter, 'GET', '/api/v2/indicators/bulk/json');
      assert.equal(report.status, 200);
      const id = await createJob(tcexSettings(org));
      assert.equal((await send(server, home, 'POST', `/api/v2/batch/${id}`, report.text, OCTET)).status, 202);
      const status = await completed(id);
      assert.equal(status.errorCount, 0, JSON.stringify(status));
      assert.equal(status.successCount, 3);
      for (const [i, h] of made.entries()) {
        const copied = (await v2Get(`/api/v2/indicators/hosts/${h}?includeTags=true`)).json().data.host;
        assert.equal(copied.owner.name, org);
        assert.equal(copied.rating, i + 1);
        assert.equal(copied.confidence, 10 * (i + 1));
        assert.deepEqual(copied.tag.map((t: Json) => t.name), [tag]);
      }
    });

    it('a completed job with no errors: /errors and /results are 404', async () => {
      const id = await createJob(tcexSettings(org));
      assert.equal((await send(server, home, 'POST', `/api/v2/batch/${id}`, JSON.stringify([{ summary: host(), type: 'Host' }]), OCTET)).status, 202);
      assert.equal((await completed(id)).errorCount, 0);
      for (const path of [`/v2/batch/${id}/errors`, `/v2/batch/${id}/results`]) {
        const answer = await send(server, home, 'GET', path);
        assert.equal(answer.status, 404);
        assert.deepEqual(answer.json(), { status: 'Failure', message: `Batch job ${id} has no errors.` });
      }
    });
  });
}
