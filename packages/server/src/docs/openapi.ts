/**
 * OpenAPI 3.1 documents from the route table: one per surface (routes tagged `config.surface`),
 * and one for the service's own routes outside every surface (health). Built by @fastify/swagger
 * from the schemas each route declares; nothing here adds a route.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { SURFACES } from '../surfaces/registry.js';
import type { SurfaceName } from '../surfaces/surface.js';
import { CAIRN_VERSION } from '../version.js';

export type DocumentName = SurfaceName | 'service';

export const DOCUMENT_NAMES: readonly DocumentName[] = [...SURFACES.map((s) => s.name), 'service'];

const TITLES: Record<DocumentName, string> = {
  threatconnect: 'Cairn ThreatConnect-style API (v2 and v3, at /api and without it: /api/v3/cases is /v3/cases)',
  contrast: 'Cairn Contrast-style API (/Contrast/api and /Contrast/s/api)',
  websupport: 'Cairn Websupport-style API (/v1)',
  taxii: 'Cairn TAXII 2.1 server (/taxii2/)',
  service: 'Cairn service routes',
};

/** The document a route belongs to. */
export function documentOf(config: { surface?: SurfaceName } | undefined): DocumentName {
  return config?.surface ?? 'service';
}

/** The one collector's decorator: the whole API in one document, each operation tagged with its document's name. */
const DECORATOR = 'openapiAll';

/**
 * Starts collecting the routes for the documents; registered before any route. One collector for
 * every document (a collector keeps every route it sees: one per document kept each route four
 * times, and cost every start its share): each operation carries its document's name as its tag,
 * and openApiDocuments splits the whole by tag.
 */
export async function collectOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    decorator: DECORATOR,
    openapi: { openapi: '3.1.0', info: { title: 'Cairn', version: CAIRN_VERSION } },
    transform: ({ schema, url, route }) => ({ schema: { ...schema, tags: [...(schema?.tags ?? []), documentOf(route.config)] }, url }),
  });
}

type Operation = OpenAPIV3_1.OperationObject;

/** The OpenAPI documents of a ready app, by name: the whole, split by each operation's document tag. */
export function openApiDocuments(app: FastifyInstance): Record<DocumentName, OpenAPIV3_1.Document> {
  const whole = (app as unknown as Record<string, () => OpenAPIV3_1.Document>)[DECORATOR]!.call(app);
  const documents = {} as Record<DocumentName, OpenAPIV3_1.Document>;
  for (const name of DOCUMENT_NAMES) {
    const paths: OpenAPIV3_1.PathsObject = {};
    for (const [path, item] of Object.entries(whole.paths ?? {})) {
      const kept: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(item ?? {})) {
        const operation = value as Operation;
        if (typeof operation === 'object' && operation !== null && Array.isArray(operation.tags)) {
          if (operation.tags.includes(name)) kept[key] = { ...operation, tags: operation.tags.filter((tag) => !(DOCUMENT_NAMES as readonly string[]).includes(tag)) };
        } else {
          kept[key] = value;
        }
      }
      if (Object.values(kept).some((v) => typeof v === 'object' && v !== null && 'responses' in (v as object))) paths[path] = kept as OpenAPIV3_1.PathItemObject;
    }
    documents[name] = { ...whole, info: { ...whole.info, title: TITLES[name] }, paths };
  }
  return documents;
}
