/**
 * v2 `filters` + `orParams` (spec §4.4): the parser (properties: round-trips, only 400-class errors,
 * values that look like TQL or SQL stay values), the translation to TQL, and lists filtered over HTTP
 * on both databases (the date without separators, OR, every documented refusal).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CairnError } from '../../../src/core/errors.js';
import { resourceNamed } from '../../../src/resources/registry.js';
import { formatV2Filters, parseV2Filters, v2FiltersToTql, type V2FilterTerm } from '../../../src/surfaces/threatconnect/v2/filters.js';
import { parseV2Date } from '../../../src/surfaces/threatconnect/v2/v2-params.js';
import { parseTql } from '../../../src/tql/parser.js';
import type { TqlNode } from '../../../src/tql/ast.js';
import { rawRequest, tcHeaders } from '../../support/http.js';
import { startTestServer, testDialects, type TestServer } from '../../support/server.js';
import { call, type Json } from '../../support/v3.js';

const isBadRequest = (error: unknown) => error instanceof CairnError && error.code === 'bad-request';
const TERM_BOUNDARY = /,[A-Za-z][A-Za-z0-9]*[=<>^]/;
const fieldName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,20}$/);
const op = fc.constantFrom('=', '<', '>', '^') as fc.Arbitrary<V2FilterTerm['op']>;
const value = fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }).filter((v) => !TERM_BOUNDARY.test(v) && !v.includes('\u0000'));

/** The string values of every predicate in a TQL tree. */
function predicateValues(node: TqlNode): unknown[] {
  switch (node.kind) {
    case 'and': case 'or': return node.terms.flatMap(predicateValues);
    case 'not': return predicateValues(node.operand);
    case 'predicate': return [node.value.kind === 'list' ? node.value.items : node.value.value];
    default: return [];
  }
}

describe('v2 filters: the parser', () => {
  it('reads the documented forms', () => {
    assert.deepEqual(parseV2Filters('summary=example.com,dateAdded<2015-10-15'), [
      { field: 'summary', op: '=', value: 'example.com' },
      { field: 'dateAdded', op: '<', value: '2015-10-15' },
    ]);
    assert.deepEqual(parseV2Filters('dateAdded>20151202'), [{ field: 'dateAdded', op: '>', value: '20151202' }]);
    assert.deepEqual(parseV2Filters('summary^http://a.example/?q=1,2'), [{ field: 'summary', op: '^', value: 'http://a.example/?q=1,2' }]);
    assert.deepEqual(parseV2Filters('active=true,active=false'), [{ field: 'active', op: '=', value: 'true' }, { field: 'active', op: '=', value: 'false' }]);
    assert.deepEqual(parseV2Filters(''), []);
    // A comma that starts no term stays in the value.
    assert.deepEqual(parseV2Filters('summary=a,'), [{ field: 'summary', op: '=', value: 'a,' }]);
  });

  it('refuses malformed terms with a 400 quoting them', () => {
    for (const text of ['summary', '=x', 'summary=', ',summary=a', 'summary=a\u0000b', 'sum mary=a', 'rating>', '1abc=2', `${'a,b=1,'.repeat(25)}`]) {
      assert.throws(() => parseV2Filters(text), isBadRequest, text);
    }
  });

  it('round-trips: parse(format(terms)) = terms', () => {
    fc.assert(fc.property(fc.array(fc.record({ field: fieldName, op, value }), { minLength: 1, maxLength: 20 }), (terms) => {
      assert.deepEqual(parseV2Filters(formatV2Filters(terms)), terms.map((t) => ({ ...t })));
    }), { numRuns: 300 });
  });

  it('never throws anything but a 400-class error, whatever the text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (text) => {
      try { parseV2Filters(text); } catch (error) { assert.ok(isBadRequest(error), String(error)); }
    }), { numRuns: 500 });
  });
});

describe('v2 filters: the translation to TQL', () => {
  const indicators = resourceNamed('indicators');
  const groups = resourceNamed('groups');
  const tql = (text: string, orParams = false, entity: 'indicator' | 'group' = 'indicator') => v2FiltersToTql(entity, entity === 'indicator' ? indicators : groups, parseV2Filters(text), orParams);

  it('maps fields, operators and values', () => {
    assert.equal(tql('summary=example.com'), 'summary = "example.com"');
    assert.equal(tql('summary^exa'), 'summary STARTSWITH "exa"');
    assert.equal(tql('dateAdded>20151202'), 'dateAdded > "2015-12-02T00:00:00Z"');
    assert.equal(tql('dateAdded<2015-10-15,rating>2.5'), '(dateAdded < "2015-10-15T00:00:00Z" and rating > 2.5)');
    assert.equal(tql('active=TRUE,active=false', true), '(active = true or active = false)');
    assert.equal(tql('name^APT,dateAdded>2020-01-01T10:00:00+02:00', false, 'group'), '(name STARTSWITH "APT" and dateAdded > "2020-01-01T08:00:00Z")');
    assert.equal(tql(''), undefined);
  });

  it('refuses what it cannot honour with a 400 naming the field', () => {
    const refused: [string, RegExp][] = [
      ['color=red', /cannot be filtered by "color"/],
      ['city=Paris', /city is not supported \(Cairn does not keep this field\)/],
      ['threatAssessScore>3', /threatAssessScore is not supported/],
      ['active<true', /active takes =/],
      ['active=maybe', /active takes true or false/],
      ['rating>high', /rating takes a number/],
      ['dateAdded>yesterday', /dateAdded must be an ISO 8601 date/],
      ['dateAdded>20151332', /dateAdded must be an ISO 8601 date/],
    ];
    for (const [text, message] of refused) {
      assert.throws(() => tql(text), (error: unknown) => isBadRequest(error) && message.test((error as Error).message), text);
    }
  });

  it('keeps every value a value: the TQL parses and holds the exact text', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('summary=', 'summary^'), value), { minLength: 1, maxLength: 5 }), fc.boolean(), (terms, orParams) => {
      const text = v2FiltersToTql('indicator', indicators, terms.map(([prefix, v]) => ({ field: 'summary', op: prefix.endsWith('^') ? '^' : '=', value: v })), orParams)!;
      assert.deepEqual(predicateValues(parseTql(text)), terms.map(([, v]) => v));
    }), { numRuns: 300 });
  });

  it('throws nothing but 400-class errors on any terms', () => {
    const anyField = fc.constantFrom('summary', 'rating', 'confidence', 'active', 'dateAdded', 'city', 'name', 'nope', 'lastModified');
    fc.assert(fc.property(fc.array(fc.record({ field: anyField, op, value }), { minLength: 1, maxLength: 5 }), fc.boolean(), (terms, orParams) => {
      try {
        const text = v2FiltersToTql('indicator', indicators, terms, orParams);
        if (text !== undefined) parseTql(text);
      } catch (error) { assert.ok(isBadRequest(error), String(error)); }
    }), { numRuns: 300 });
  });

  it('reads dates as ISO 8601 or without separators', () => {
    assert.equal(parseV2Date('d', '20151202'), '2015-12-02T00:00:00Z');
    assert.equal(parseV2Date('d', '2017-7-13T00:00:00-04:00'), '2017-07-13T04:00:00Z');
    assert.equal(parseV2Date('d', '2017-10-31T16:55:44.123Z'), '2017-10-31T16:55:44.123Z');
    for (const bad of ['2017-02-30', '31/10/2017', 'NOW()', '2017-13-01', '201510', '1899-12-31']) assert.throws(() => parseV2Date('d', bad), isBadRequest, bad);
  });
});

for (const dialect of testDialects()) {
  describe(`v2 filters over HTTP (${dialect})`, () => {
    let server: TestServer;
    const ids: Record<string, number> = {};
    const getJson = async (target: string, status = 200) => {
      const { accessId, secret } = server.bootstrap.apiUser;
      const response = await rawRequest(server.baseUrl, 'GET', target, tcHeaders(accessId, secret, 'GET', target));
      assert.equal(response.status, status, `${target}: ${response.body.slice(0, 300)}`);
      assert.equal(response.headers['content-type'], 'application/json');
      return JSON.parse(response.body) as Json;
    };
    const idsOf = (body: Json, key: string) => (body.data[key] as Json[]).map((i) => i.id);

    before(async () => {
      server = await startTestServer(dialect);
      const client = server.client();
      const create = async (target: string, body: Json) => {
        const answer = await call(client, 'POST', target, body);
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        return answer.body.data.id as number;
      };
      ids.a = await create('/v3/indicators', { type: 'Host', hostName: 'alpha.example.com', rating: 1, confidence: 20 });
      ids.b = await create('/v3/indicators', { type: 'Host', hostName: 'beta.example.com', rating: 4, confidence: 80, dnsActive: true });
      ids.c = await create('/v3/indicators', { type: 'Address', ip: '192.0.2.10', rating: 5, confidence: 80 });
      ids.off = await create('/v3/indicators', { type: 'Host', hostName: 'alpha-old.example.com', rating: 2, active: false });
      ids.quote = await create('/v3/indicators', { type: 'Mutex', value1: 'x" or 1=1 --' });
      ids.g1 = await create('/v3/groups', { type: 'Threat', name: 'APT One' });
      ids.g2 = await create('/v3/groups', { type: 'Adversary', name: 'Lone Wolf' });
      ids.g3 = await create('/v3/groups', { type: 'Incident', name: 'Old breach', eventDate: '2017-07-13T00:00:00Z' });
      ids.g4 = await create('/v3/groups', { type: 'Signature', name: 'Rule', fileName: 'r.yar', fileType: 'YARA', fileText: 'rule r { condition: true }' });
    });
    after(() => server.close());

    it('filters by summary (= and ^), rating, confidence, AND by default', async () => {
      assert.deepEqual(idsOf(await getJson('/v2/indicators?filters=summary%3Dalpha.example.com'), 'indicator'), [ids.a]);
      assert.deepEqual(idsOf(await getJson('/v2/indicators?filters=summary%5Ealpha'), 'indicator'), [ids.a]);
      assert.deepEqual(idsOf(await getJson('/v2/indicators?filters=rating%3E3,confidence%3D80'), 'indicator'), [ids.b, ids.c]);
      assert.deepEqual(idsOf(await getJson('/v2/indicators/hosts?filters=rating%3E3,confidence%3D80'), 'host'), [ids.b]);
      assert.deepEqual(idsOf(await getJson('/v2/indicators?filters=rating%3C2,rating%3E4&orParams=true'), 'indicator'), [ids.a, ids.c]);
      assert.equal((await getJson('/v2/indicators?filters=rating%3C2,rating%3E4&orParams=true')).data.resultCount, 2);
    });

    it('filters hosts by dnsActive and whoisActive', async () => {
      assert.deepEqual(idsOf(await getJson('/v2/indicators/hosts?filters=dnsActive%3Dtrue'), 'host'), [ids.b]);
      assert.deepEqual(idsOf(await getJson('/v2/indicators/hosts?filters=whoisActive%3Dfalse,dnsActive%3Dfalse'), 'host'), [ids.a]);
    });

    it('takes dateAdded as a date without separators, and modifiedSince', async () => {
      assert.equal(idsOf(await getJson('/v2/indicators?filters=dateAdded%3E20151202'), 'indicator').length, 4);
      assert.deepEqual(idsOf(await getJson('/v2/indicators?filters=dateAdded%3C20151202'), 'indicator'), []);
      assert.equal(idsOf(await getJson('/v2/indicators?modifiedSince=2015-12-02T00:00:00Z'), 'indicator').length, 4);
      assert.deepEqual(idsOf(await getJson('/v2/indicators?modifiedSince=2999-01-01'), 'indicator'), []);
      assert.equal((await getJson('/v2/indicators?modifiedSince=last+week', 400)).status, 'Failure');
    });

    it('shows inactive indicators only when a filter names active', async () => {
      assert.deepEqual(idsOf(await getJson('/v2/indicators?filters=summary%5Ealpha'), 'indicator'), [ids.a]);
      assert.deepEqual(idsOf(await getJson('/v2/indicators?filters=summary%5Ealpha,active%3Dfalse'), 'indicator'), [ids.off]);
      assert.deepEqual(idsOf(await getJson('/v2/indicators?filters=active%3Dtrue,active%3Dfalse&orParams=true&resultLimit=10000'), 'indicator'), [ids.a, ids.b, ids.c, ids.off, ids.quote]);
    });

    it('keeps a quote-laden value a value', async () => {
      assert.deepEqual(idsOf(await getJson(`/v2/indicators?filters=${encodeURIComponent('summary=x" or 1=1 --')}`), 'indicator'), [ids.quote]);
      assert.deepEqual(idsOf(await getJson(`/v2/indicators?filters=${encodeURIComponent('summary=" or summary^"')}`), 'indicator'), []);
      assert.deepEqual(idsOf(await getJson(`/v2/indicators?filters=${encodeURIComponent("summary=' OR '1'='1")}`), 'indicator'), []);
    });

    it('filters groups by name (= and ^) and dates', async () => {
      assert.deepEqual(idsOf(await getJson('/v2/groups?filters=name%5EAPT'), 'group'), [ids.g1]);
      assert.deepEqual(idsOf(await getJson('/v2/groups?filters=name%3DLone%20Wolf'), 'group'), [ids.g2]);
      assert.deepEqual(idsOf(await getJson('/v2/groups/threats?filters=name%5EL'), 'threat'), []);
      assert.equal(idsOf(await getJson('/v2/groups?filters=dateAdded%3E20151202'), 'group').length, 4);
      assert.deepEqual(idsOf(await getJson('/v2/groups?filters=eventDate%3C20180101'), 'group'), [ids.g3]);
      assert.deepEqual(idsOf(await getJson('/v2/groups/incidents?filters=eventDate%3E2017-07-12,eventDate%3C2017-07-14'), 'incident'), [ids.g3]);
      assert.deepEqual(idsOf(await getJson('/v2/groups?filters=fileType%3DYARA'), 'group'), [ids.g4]);
      assert.deepEqual(idsOf(await getJson('/v2/groups?filters=name%5EAPT,name%3DRule&orParams=true'), 'group'), [ids.g1, ids.g4]);
    });

    it('answers 400 Failure naming the field for what it cannot filter', async () => {
      for (const [filters, message] of [
        ['color%3Dred', /"color"/], ['city%3DParis', /city is not supported/], ['active%3Cx', /active takes =/],
        ['rating%3Ehigh', /rating takes a number/], ['summary', /not <field><op><value>/], ['dateAdded%3E2015-13-45', /dateAdded must be an ISO 8601 date/],
      ] as const) {
        const body = await getJson(`/v2/indicators?filters=${filters}`, 400);
        assert.equal(body.status, 'Failure');
        assert.match(body.message, message, filters);
      }
      assert.match((await getJson('/v2/groups?filters=summary%3Dx', 400)).message, /groups cannot be filtered by "summary"/);
      assert.match((await getJson('/v2/indicators?filters=rating%3E1&orParams=perhaps', 400)).message, /orParams must be true or false/);
    });
  });
}
