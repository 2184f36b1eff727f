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
  threatconnect: 'Cairn ThreatConnect-style API (v2 and v3, at /api and without it)',
  contrast: 'Cairn Contrast-style API (/Contrast/api and /Contrast/s/api)',
  websupport: 'Cairn Websupport-style API (/v1)',
  service: 'Cairn service routes',
};

const decoratorOf = (name: DocumentName) => `openapi_${name}`;

/** The document a route belongs to. */
export function documentOf(config: { surface?: SurfaceName } | undefined): DocumentName {
  return config?.surface ?? 'service';
}

/**
 * Starts collecting the routes for the documents; registered before any route. One collector per
 * document, each keeping only its own routes.
 */
export async function collectOpenApi(app: FastifyInstance): Promise<void> {
  for (const name of DOCUMENT_NAMES) {
    await app.register(swagger, {
      decorator: decoratorOf(name),
      openapi: { openapi: '3.1.0', info: { title: TITLES[name], version: CAIRN_VERSION } },
      transform: ({ schema, url, route }) => ({ schema: { ...schema, hide: schema?.hide === true || documentOf(route.config) !== name }, url }),
    });
  }
}

/** The OpenAPI documents of a ready app, by name. */
export function openApiDocuments(app: FastifyInstance): Record<DocumentName, OpenAPIV3_1.Document> {
  const byName = app as unknown as Record<string, () => OpenAPIV3_1.Document>;
  return Object.fromEntries(DOCUMENT_NAMES.map((name) => [name, byName[decoratorOf(name)]!.call(app)])) as Record<DocumentName, OpenAPIV3_1.Document>;
}
