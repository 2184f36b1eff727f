import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { DOCUMENT_NAMES, documentOf, openApiDocuments, type DocumentName } from '../../src/docs/openapi.js';
import { startTestServer, type TestServer } from '../support/server.js';

type Documents = ReturnType<typeof openApiDocuments>;
type Operation = { responses?: Record<string, unknown>; parameters?: unknown[]; requestBody?: unknown };

/** `/v3/cases/:id` (or a parameter with a pattern, `/v2/:id(^\\d+$)`) as OpenAPI writes it. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, '{$1}');

describe('OpenAPI documents from the route table', () => {
  let server: TestServer;
  let documents: Documents;

  before(async () => {
    server = await startTestServer('sqlite');
    documents = openApiDocuments(server.app);
  });
  after(() => server.close());

  it('builds one OpenAPI 3.1 document per surface, and one for the service routes', () => {
    assert.deepEqual(Object.keys(documents).sort(), ['contrast', 'service', 'taxii', 'threatconnect', 'websupport']);
    for (const [name, document] of Object.entries(documents)) {
      assert.equal(document.openapi, '3.1.0', name);
      assert.ok(Object.keys(document.paths ?? {}).length > 0, `${name} has paths`);
    }
  });

  for (const name of DOCUMENT_NAMES) {
    it(`the ${name} document is valid OpenAPI 3.1`, async () => {
      const validator = new Validator();
      const result = await validator.validate(JSON.parse(JSON.stringify(documents[name])));
      assert.equal(validator.version, '3.1');
      assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1)?.slice(0, 3000));
    });
  }

  it('every registered route (but HEAD) appears in exactly one document: its surface\'s', () => {
    const listed = server.app.cairnRoutes.filter((route) => route.method !== 'HEAD');
    assert.ok(listed.length > 50, `${listed.length} routes`);
    for (const route of listed) {
      for (const method of [route.method.toLowerCase()]) {
        const holders = (Object.entries(documents) as [DocumentName, Documents[DocumentName]][])
          .filter(([, document]) => (document.paths?.[openApiPath(route.url)] as Record<string, unknown> | undefined)?.[method] !== undefined)
          .map(([name]) => name);
        assert.deepEqual(holders, [documentOf(route.config)], `${method.toUpperCase()} ${route.url}`);
      }
    }
    const documented = Object.values(documents).flatMap((document) => Object.values(document.paths ?? {}).flatMap((item) => Object.keys(item ?? {})));
    assert.equal(documented.length, listed.length, 'no operation without a route');
  });

  it('every operation declares its success answer, and every surface operation its failure envelope', () => {
    for (const [name, document] of Object.entries(documents)) {
      for (const [path, item] of Object.entries(document.paths ?? {})) {
        for (const [method, operation] of Object.entries(item as Record<string, Operation>)) {
          const statuses = Object.keys(operation.responses ?? {});
          assert.ok(statuses.some((s) => s.startsWith('2')), `${name} ${method} ${path}: a 2xx answer`);
          if (name !== 'service') assert.ok(statuses.some((s) => s.startsWith('4')), `${name} ${method} ${path}: a failure answer`);
        }
      }
    }
  });

  it('v3 schemas come from the declarations: the case body, its limits and its required fields', () => {
    const post = (documents.threatconnect.paths?.['/v3/cases'] as Record<string, Operation>).post!;
    const body = (post.requestBody as { content: Record<string, { schema: { properties: Record<string, Record<string, unknown>>; required?: string[] } }> }).content['application/json']!.schema;
    assert.match(String(body.properties.name!.description), /at most 255 characters/);
    assert.deepEqual(body.properties.severity!.examples, ['Low', 'Medium', 'High', 'Critical']);
    assert.deepEqual([...(body.required ?? [])].sort(), ['name', 'severity', 'status']);
    assert.equal(body.properties.dateAdded, undefined, 'read-only fields are not written');
    const failure = (post.responses!['400'] as { content: Record<string, { schema: { properties: Record<string, unknown> } }> }).content['application/json']!.schema;
    assert.deepEqual(Object.keys(failure.properties), ['errCode', 'message', 'status']);
  });
});
