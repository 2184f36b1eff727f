/**
 * v3 indicators over HTTP (spec threatconnect.md §5.1, §7, §9), as tcex sends them: every type's
 * good and bad values, normalisation visible in answers, POST of an existing value updating it,
 * concurrent POSTs of one value, File hashes merging, addressing by summary or any hash, TQL on
 * the indicator keywords, observations and false positives, deletion records, owner isolation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { CairnClient } from '@cairn/client';
import { startTestServer, testDialects, type TestServer } from '../support/server.js';
import { call, type Answer, type Json } from '../support/v3.js';

const OTHER_ORG = 'Indicator Rivals';
const q = encodeURIComponent;
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function assertError(answer: Answer, status: number, pattern?: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.status, 'Error');
  if (pattern) assert.match(answer.body.message, pattern);
}

/** Per type: a body, the summary Cairn stores, and the key the answer shows it under. */
const GOOD: [string, Record<string, unknown>, string, string, unknown][] = [
  ['Address', { ip: ' 192.0.2.10 ' }, '192.0.2.10', 'ip', '192.0.2.10'],
  ['Address', { ip: '2001:DB8:0:0:0:0:0:1' }, '2001:db8::1', 'ip', '2001:db8::1'],
  ['EmailAddress', { address: 'Bad.Guy@Example.COM' }, 'Bad.Guy@example.com', 'address', 'Bad.Guy@example.com'],
  ['Host', { hostName: 'BadGuy.Example.com.' }, 'badguy.example.com', 'hostName', 'badguy.example.com'],
  ['Host', { hostName: 'bücher.example' }, 'xn--bcher-kva.example', 'hostName', 'xn--bcher-kva.example'],
  ['URL', { text: 'HTTP://Evil.Example.COM/Path/To?Q=A' }, 'http://evil.example.com/Path/To?Q=A', 'text', 'http://evil.example.com/Path/To?Q=A'],
  ['ASN', { value1: 'AS64500' }, 'ASN64500', 'value1', 'ASN64500'],
  ['ASN', { 'AS Number': '64501' }, 'ASN64501', 'value1', 'ASN64501'],
  ['CIDR', { value1: '198.51.100.77/24' }, '198.51.100.0/24', 'value1', '198.51.100.0/24'],
  ['CIDR', { Block: '2001:db8::5/32' }, '2001:db8:0:0:0:0:0:0/32', 'value1', '2001:db8:0:0:0:0:0:0/32'],
  ['Mutex', { value1: '  Global\\EvilMutex ' }, 'Global\\EvilMutex', 'value1', 'Global\\EvilMutex'],
  ['Registry Key', { value1: 'hklm\\Software\\Evil', value2: 'Run', value3: 'reg_sz' }, 'HKEY_LOCAL_MACHINE\\Software\\Evil : Run : REG_SZ', 'value3', 'REG_SZ'],
  ['User Agent', { 'User Agent String': 'EvilBot/1.0 (X11)' }, 'EvilBot/1.0 (X11)', 'value1', 'EvilBot/1.0 (X11)'],
  ['Email Subject', { value1: 'Your invoice is ready' }, 'Your invoice is ready', 'value1', 'Your invoice is ready'],
  ['Hashtag', { value1: 'phishing' }, '#phishing', 'value1', '#phishing'],
  ['File', { md5: MD5.toUpperCase(), size: 1234 }, MD5, 'md5', MD5],
];

const BAD: [string, Record<string, unknown>, RegExp][] = [
  ['Address', { ip: '192.0.2.300' }, /ip must be an IPv4 address/],
  ['Address', { ip: '127.1' }, /ip must be/],
  ['Address', {}, /ip is required/],
  ['Address', { hostName: 'example.com', ip: '192.0.2.1' }, /hostName is not a value of an Address/],
  ['EmailAddress', { address: 'no-at-sign' }, /address must be an email address/],
  ['Host', { hostName: 'under score-.com' }, /hostName must be a host name/],
  ['Host', { hostName: '192.0.2.1' }, /not an address/],
  ['Host', { hostName: 'localhost' }, /with a domain/],
  ['URL', { text: 'example.com/no-scheme' }, /text must be an absolute URL/],
  ['URL', { text: 'http://exa mple.com/' }, /text must be a URL without spaces/],
  ['ASN', { value1: 'ASN99999999999' }, /value1 must be an AS number/],
  ['CIDR', { value1: '10.0.0.0/33' }, /value1 must have a prefix length of at most 32/],
  ['Mutex', { value1: '   ' }, /value1 must be a non-empty mutex name/],
  ['Registry Key', { value1: 'SOFTWARE\\Evil', value2: 'Run', value3: 'REG_SZ' }, /value1 must start with a registry hive/],
  ['Registry Key', { value1: 'HKLM\\Software', value2: 'Run', value3: 'REG_STRING' }, /value3 must be one of REG_NONE/],
  ['Hashtag', { value1: '#two words' }, /no white space/],
  ['File', { md5: 'xyz' }, /md5 must be an MD5 hash/],
  ['File', {}, /at least one of md5, sha1, sha256/],
  ['File', { sha1: SHA1, dnsActive: true }, /dnsActive applies to Host indicators only/],
  ['Address', { ip: '192.0.2.77', whoisActive: 'true' }, /whoisActive applies to Host indicators only/],
  ['Host', { hostName: 'sized.example.com', size: 10 }, /size applies to File indicators only/],
];

for (const dialect of testDialects()) {
  describe(`v3 indicators (${dialect})`, () => {
    let server: TestServer;
    let api: CairnClient;
    let other: CairnClient;
    const tc = (method: string, target: string, body?: unknown) => call(api, method, target, body);
    const create = async (body: Record<string, unknown>, client = api) => {
      const answer = await call(client, 'POST', '/v3/indicators?fields=genericCustomIndicatorValues', body);
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      return answer.body.data as Json;
    };
    const list = async (tql: string) => {
      const answer = await tc('GET', `/v3/indicators?resultLimit=10000&tql=${q(tql)}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.data as Json[];
    };

    before(async () => {
      server = await startTestServer(dialect, { env: { CAIRN_PUBLIC_URL: 'https://cairn.example.org' } });
      api = server.client('threatconnect', { baseUrl: `${server.baseUrl}/api` });
      await server.services.tenancy.createOrganization(OTHER_ORG);
      const user = await server.services.tenancy.createApiUser(OTHER_ORG);
      other = new CairnClient({ baseUrl: `${server.baseUrl}/api`, accessId: user.accessId, secret: user.secret, scheme: 'threatconnect' });
    });
    after(() => server.close());

    it('creates every type, normalising its value, and shows it under the type\'s key', async () => {
      for (const [type, body, summary, key, shown] of GOOD) {
        const data = await create({ type, rating: 3, confidence: 50, ...body });
        assert.equal(data.type, type);
        assert.equal(data.summary, summary, `${type} ${JSON.stringify(body)}`);
        assert.equal(data[key], shown, `${type}: ${key}`);
        assert.equal(data.rating, 3);
        assert.equal(data.confidence, 50);
        assert.equal(data.active, true);
        assert.equal(data.ownerName, 'Exemplary Organization');
        assert.equal(data.webLink, `https://cairn.example.org/#/details/indicators/${data.id}/overview`);
        assert.equal(typeof data.legacyLink, 'string');
        assert.equal(data.observations, 0);
        assert.equal(data.falsePositives, 0);
        // Read back by id and by its summary: the same indicator.
        const byId = await tc('GET', `/v3/indicators/${data.id}`);
        assert.equal(byId.body.data.summary, summary);
        const bySummary = await tc('GET', `/v3/indicators/${q(summary)}`);
        assert.equal(bySummary.status, 200, `${type} by summary ${summary}: ${JSON.stringify(bySummary.body)}`);
        assert.equal(bySummary.body.data.id, data.id);
      }
    });

    it('refuses bad values with a 400 naming the field', async () => {
      for (const [type, body, pattern] of BAD) {
        const answer = await tc('POST', '/v3/indicators', { type, ...body });
        assertError(answer, 400, pattern);
      }
      assertError(await tc('POST', '/v3/indicators', { type: 'Mystery', value1: 'x' }), 400, /type/);
      assertError(await tc('POST', '/v3/indicators', { type: 'Host', hostName: 'rated.example.com', rating: 6 }), 400, /rating must be at most 5/);
      assertError(await tc('POST', '/v3/indicators', { type: 'Host', hostName: 'rated.example.com', confidence: 101 }), 400, /confidence must be at most 100/);
    });

    it('takes back what it shows: a PUT of an indicator as read changes nothing it should not', async () => {
      const address = await create({ type: 'Address', ip: '192.0.2.88', rating: 2 });
      const { id, summary, dateAdded, lastModified, webLink, legacyLink, ownerName, owner, ownerId, falsePositives, lastObserved, lastFalsePositive, ...sendable } = address;
      void [summary, dateAdded, lastModified, webLink, legacyLink, ownerName, owner, ownerId, falsePositives, lastObserved, lastFalsePositive];
      const put = await tc('PUT', `/v3/indicators/${id}`, { ...sendable, rating: 3 });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.data.rating, 3);
      assert.equal(put.body.data.ip, '192.0.2.88');
    });

    it('accepts a decimal rating and shows it as a number', async () => {
      const data = await create({ type: 'Host', hostName: 'decimal.example.com', rating: '4.50', dnsActive: 'true', whoisActive: false });
      assert.equal(data.rating, 4.5);
      assert.equal(data.dnsActive, true);
      assert.equal(data.whoisActive, false);
    });

    it('a POST of an existing value updates that indicator, whatever its spelling', async () => {
      const first = await create({ type: 'Host', hostName: 'again.example.com', rating: 1, confidence: 10 });
      const second = await create({ type: 'Host', hostName: 'AGAIN.example.com.', rating: 5 });
      assert.equal(second.id, first.id);
      assert.equal(second.rating, 5);
      assert.equal(second.confidence, 10);
      assert.equal((await list('summary = "again.example.com"')).length, 1);
    });

    it('two concurrent POSTs of one value make one indicator', async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => tc('POST', '/v3/indicators', { type: 'Address', ip: '203.0.113.99', confidence: 10 + i })));
      for (const answer of answers) assert.equal(answer.status, 201, JSON.stringify(answer.body));
      const ids = new Set(answers.map((a) => a.body.data.id));
      assert.equal(ids.size, 1);
      assert.equal((await list('summary = "203.0.113.99"')).length, 1);
    });

    it('concurrent POSTs bringing different hashes of one file make one file with every hash', async () => {
      const [md5, sha1, sha256] = ['1'.repeat(32), '2'.repeat(40), '3'.repeat(64)];
      const bodies = [{ md5, sha1 }, { md5, sha256 }, { md5: md5.toUpperCase(), sha1 }, { md5, sha256, size: 99 }];
      const answers = await Promise.all(bodies.map((body) => tc('POST', '/v3/indicators', { type: 'File', ...body })));
      for (const answer of answers) assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.equal(new Set(answers.map((a) => a.body.data.id)).size, 1);
      const file = (await tc('GET', `/v3/indicators/${sha256}`)).body.data;
      assert.equal(file.summary, `${md5} : ${sha1} : ${sha256}`);
      assert.equal(file.size, 99);
      assert.equal((await list(`typeName = "File" and value1 = "${md5}"`)).length, 1);
    });

    it('merges the hashes of one file and refuses a hash held by another', async () => {
      const md5 = 'a'.repeat(32);
      const sha256 = 'b'.repeat(64);
      const file = await create({ type: 'File', md5 });
      const merged = await create({ type: 'File', md5: md5.toUpperCase(), sha256 });
      assert.equal(merged.id, file.id);
      assert.equal(merged.summary, `${md5} : ${sha256}`);
      assert.equal(merged.md5, md5);
      assert.equal(merged.sha256, sha256);
      // Any hash addresses the file, as does its summary.
      for (const ref of [md5, sha256, `${md5} : ${sha256}`]) assert.equal((await tc('GET', `/v3/indicators/${q(ref)}`)).body.data.id, file.id, ref);
      // PUT with mode merge adds a hash; without a mode a new hash is refused.
      const sha1 = 'c'.repeat(40);
      assertError(await tc('PUT', `/v3/indicators/${file.id}`, { sha1 }), 400, /mode/);
      const put = await tc('PUT', `/v3/indicators/${file.id}`, { sha1, mode: 'merge' });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.data.summary, `${md5} : ${sha1} : ${sha256}`);
      assert.equal((await tc('GET', `/v3/indicators/${sha1}`)).body.data.id, file.id);
      // Another file holding a hash: bringing both together is a conflict.
      const otherFile = await create({ type: 'File', md5: 'd'.repeat(32) });
      assertError(await tc('POST', '/v3/indicators', { type: 'File', md5: 'd'.repeat(32), sha1 }), 409);
      assertError(await tc('PUT', `/v3/indicators/${otherFile.id}`, { sha256, mode: 'merge' }), 409);
      // A different hash of a kind the file has: a conflict too.
      assertError(await tc('POST', '/v3/indicators', { type: 'File', md5, sha1: 'e'.repeat(40) }), 409);
      // mode delete removes a hash, which then addresses nothing.
      const removed = await tc('PUT', `/v3/indicators/${file.id}`, { sha1, mode: 'delete' });
      assert.equal(removed.body.data.summary, `${md5} : ${sha256}`);
      assertError(await tc('GET', `/v3/indicators/${sha1}`), 404);
    });

    it('addresses URLs by their percent-encoded value, and PUT and DELETE by summary', async () => {
      const url = await create({ type: 'URL', text: 'https://Phish.Example.com/login/a b'.replace(' ', '%20') });
      const read = await tc('GET', `/v3/indicators/${q('https://phish.example.com/login/a%20b')}`);
      assert.equal(read.body.data.id, url.id);
      const put = await tc('PUT', `/v3/indicators/${q('https://phish.example.com/login/a%20b')}`, { rating: 2, privateFlag: true });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.equal(put.body.data.rating, 2);
      assert.equal(put.body.data.privateFlag, true);
      assertError(await tc('PUT', `/v3/indicators/${url.id}`, { text: 'https://other.example.com/' }), 400, /can only be set when the (item|indicator) is created/);
      const gone = await tc('DELETE', `/v3/indicators/${q('https://phish.example.com/login/a%20b')}`);
      assert.equal(gone.status, 200);
      assertError(await tc('GET', `/v3/indicators/${url.id}`), 404);
      const deleted = await (server.services.store.db as Kysely<any>).selectFrom('deleted_indicators').selectAll().where('summary', '=', 'https://phish.example.com/login/a%20b').execute();
      assert.equal(deleted.length, 1);
      assert.equal(deleted[0]!.type, 'URL');
    });

    it('filters with the indicator TQL keywords', async () => {
      await create({ type: 'Host', hostName: 'tql-one.example.com', rating: 4, confidence: 90, dnsActive: true });
      await create({ type: 'Address', ip: '198.51.100.200', rating: 1, active: false });
      const hosts = await list('typeName = "Host" and rating >= 4 and summary startswith "tql-"');
      assert.deepEqual(hosts.map((h) => h.summary), ['tql-one.example.com']);
      assert.deepEqual((await list('hostDnsActive = true and summary = "tql-one.example.com"')).length, 1);
      assert.deepEqual((await list('indicatorActive = false')).map((i) => i.summary), ['198.51.100.200']);
      // Lists show active indicators only, unless the TQL asks about active (spec §7.3); by id or value, any.
      assert.equal((await list('summary = "198.51.100.200"')).length, 0);
      assert.equal((await list('summary = "198.51.100.200" and active in (true, false)')).length, 1);
      assert.equal((await tc('GET', '/v3/indicators?resultLimit=10000')).body.data.some((i: Json) => i.summary === '198.51.100.200'), false);
      assert.equal((await tc('GET', `/v3/indicators/${q('198.51.100.200')}`)).body.data.active, false);
      assert.ok((await list('typeName in ("Address", "Host") and ownerName = "Exemplary Organization"')).length > 3);
      assert.ok((await list('value1 = "ASN64500"')).length === 1);
      assert.equal((await list('calScore > 0')).length, 0);
      assert.equal((await list('observationCount > 0 and summary = "tql-one.example.com"')).length, 0);
      assertError(await tc('GET', `/v3/indicators?tql=${q('hasVictim(id = 1)')}`), 400, /victims/);
      const tqlOptions = await tc('OPTIONS', '/v3/indicators/tql');
      const keywords = (tqlOptions.body.data as Json[]).map((k) => k.keyword);
      for (const k of ['typeName', 'summary', 'rating', 'confidence', 'active', 'dateAdded', 'lastModified', 'ownerName', 'owner', 'value1', 'firstSeen', 'falsePositiveCount', 'observationCount', 'lastObserved', 'hostDnsActive', 'fileSize']) {
        assert.ok(keywords.includes(k), k);
      }
    });

    it('records observations and false positives (once per user and day)', async () => {
      const host = await create({ type: 'Host', hostName: 'observed.example.com', observations: 3 });
      assert.equal(host.observations, 3);
      assert.equal(typeof host.lastObserved, 'string');
      // observations is the total: a larger one adds the difference, the same one (a read sent back) nothing.
      const put = await tc('PUT', `/v3/indicators/${host.id}`, { observations: 5, falsePositiveFlag: true });
      assert.equal(put.body.data.observations, 5);
      assert.equal((await tc('PUT', `/v3/indicators/${host.id}`, { observations: 5, rating: 2 })).body.data.observations, 5);
      assertError(await tc('PUT', `/v3/indicators/${host.id}`, { observations: 1 }), 400, /observations is the total number of observations \(now 5\)/);
      assert.equal(put.body.data.falsePositives, 1);
      const again = await tc('PUT', `/v3/indicators/${host.id}`, { falsePositiveFlag: true });
      assert.equal(again.body.data.falsePositives, 1);
      assert.equal((await list('observationCount >= 5 and falsePositiveCount = 1')).map((i) => i.id).includes(host.id), true);
    });

    it('keeps owners apart: another organization sees a 404 by id and by value, and may hold the same value', async () => {
      const mine = await create({ type: 'Host', hostName: 'shared.example.com', rating: 1 });
      assertError(await call(other, 'GET', `/v3/indicators/${mine.id}`), 404);
      assertError(await call(other, 'GET', '/v3/indicators/shared.example.com'), 404);
      assertError(await call(other, 'PUT', '/v3/indicators/shared.example.com', { rating: 5 }), 404);
      assertError(await call(other, 'DELETE', `/v3/indicators/${mine.id}`), 404);
      const theirs = await create({ type: 'Host', hostName: 'shared.example.com', rating: 4 }, other);
      assert.notEqual(theirs.id, mine.id);
      assert.equal(theirs.ownerName, OTHER_ORG);
      assert.equal((await tc('GET', '/v3/indicators/shared.example.com')).body.data.rating, 1);
      const theirList = await call(other, 'GET', '/v3/indicators?resultLimit=10000');
      assert.deepEqual((theirList.body.data as Json[]).map((i) => i.id), [theirs.id]);
    });

    it('shows its fields in OPTIONS and accepts tcex\'s fields=genericCustomIndicatorValues', async () => {
      const options = await tc('OPTIONS', '/v3/indicators');
      for (const name of ['type', 'ip', 'hostName', 'md5', 'value1', 'rating', 'confidence', 'dnsActive', 'size', 'firstSeen']) assert.ok(options.body[name], name);
      const listed = await tc('GET', '/v3/indicators?fields=genericCustomIndicatorValues&resultLimit=1');
      assert.equal(listed.status, 200);
    });
  });
}
