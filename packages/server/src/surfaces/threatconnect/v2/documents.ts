/**
 * The file of a Document or Report group (spec threatconnect.md §6): `POST` (and `PUT`, which tcex
 * retries with) `/v2/groups/{documents|reports}/{id}/upload` with the raw bytes, and `GET
 * …/{id}/download`. `{id}` is the group's id or its xid (tcex's batch uploads by xid, with
 * `?owner=&updateIfExists=true`). The body reaches core/intel/documents as the request stream,
 * never as one buffer: these routes live in a scope of their own whose only body parser hands the
 * stream on, whatever Content-Type the client labels it with.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { CairnError } from '../../../core/errors.js';
import { documentOf, findFileGroup, readDocument, storeDocument, tooLarge } from '../../../core/intel/documents.js';
import { GROUP_TYPES } from '../../../core/intel/group-types.js';
import { readOwners } from '../../../resources/engine/owners.js';
import type { CairnServices } from '../../../services.js';
import { toStoredTime } from '../../../store/database.js';
import { sendJson, v2Failures } from '../envelope.js';
import { V2ListQuery } from './owners.js';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'The group\'s id, or its xid' }) });
const UploadQuery = Type.Intersect([V2ListQuery, Type.Object({
  updateIfExists: Type.Optional(Type.String({ maxLength: 5, description: '`false`: refuse to replace a file already uploaded (default: replace it)' })),
})]);
const Success = Type.Object({ status: Type.Literal('Success') }, { additionalProperties: false });
const Bytes = { type: 'string', format: 'binary' } as const;

/**
 * The owners a v2 call looks in: those `?owner=` names (each must be visible, else 404), else the
 * caller's organization (spec §4.3: "defaults to the user's Organization").
 */
function ownersOf(request: FastifyRequest): number[] {
  const named = (request.query as { owner?: string | string[] }).owner;
  const owners = named === undefined ? [] : Array.isArray(named) ? named : [named];
  return owners.length === 0 ? [request.principal.organizationId] : readOwners(request.principal, owners);
}

/** `attachment; filename="…"` with an RFC 5987 `filename*` for names beyond plain ASCII. */
function contentDisposition(fileName: string | null, fallback: string): string {
  const name = (fileName ?? '').trim() || fallback;
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function registerV2DocumentRoutes(app: FastifyInstance, services: CairnServices): void {
  app.register(async (scope) => {
    // Whatever the label (octet-stream as tcex sends, or none), the body is the file: handed on as the stream.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const routes = scope.withTypeProvider<TypeBoxTypeProvider>();
    const maxBytes = services.config.documentMaxBytes;

    for (const type of GROUP_TYPES.filter((t) => t.holdsFile)) {
      const path = `/groups/${type.v2Branch}/:id`;
      for (const method of ['POST', 'PUT'] as const) {
        routes.route({
          method,
          url: `${path}/upload`,
          schema: {
            summary: `Upload the file of a ${type.name} group (the raw bytes; at most CAIRN_DOCUMENT_MAX_BYTES)`,
            params: Params,
            querystring: UploadQuery,
            consumes: ['application/octet-stream'],
            body: Type.Unknown({ description: 'The file\'s bytes' }),
            response: { 200: { description: 'Stored', content: { 'application/json': { schema: Success } } }, ...v2Failures(400, 401, 404, 413, 500) },
          },
          handler: async (request, reply) => {
            const declared = Number(request.headers['content-length']);
            // A file declared too large is refused before a byte of it is read.
            if (Number.isFinite(declared) && declared > maxBytes) {
              reply.header('Connection', 'close');
              throw tooLarge(maxBytes);
            }
            const group = await findFileGroup(services.store.db, request.params.id, ownersOf(request), type.name);
            if (method === 'POST' && /^false$/i.test(request.query.updateIfExists ?? '') && await documentOf(services.store.db, group.id)) {
              throw new CairnError('conflict', `The ${type.name.toLowerCase()} already has a file; send updateIfExists=true (or PUT) to replace it.`);
            }
            const body = request.body as unknown;
            const source = body instanceof Readable ? body : Readable.from([]);
            try {
              await storeDocument(services.store.db, group, source, { maxBytes, now: toStoredTime(new Date()) });
            } catch (error) {
              // Past the limit the rest of the body is not read: the connection closes after the answer.
              if (error instanceof CairnError && error.code === 'payload-too-large') reply.header('Connection', 'close');
              throw error;
            }
            return sendJson(reply, 200, { status: 'Success' });
          },
        });
      }

      routes.get(`${path}/download`, {
        schema: {
          summary: `Download the file of a ${type.name} group`,
          params: Params,
          querystring: V2ListQuery,
          response: { 200: { description: 'The file\'s bytes', content: { 'application/octet-stream': { schema: Bytes } } }, ...v2Failures(400, 401, 404, 500) },
        },
      }, async (request, reply) => {
        const db = services.store.db;
        const group = await findFileGroup(db, request.params.id, ownersOf(request), type.name);
        const document = await documentOf(db, group.id);
        if (!document) throw new CairnError('not-found', `No file has been uploaded to this ${type.name.toLowerCase()} yet.`);
        return reply.code(200)
          .header('Content-Type', 'application/octet-stream')
          .header('Content-Length', String(document.size))
          .header('Content-Disposition', contentDisposition(group.fileName, `${type.v2Entity}-${group.id}`))
          .send(readDocument(db, group.id, document) as never);
      });
    }
  });
}
