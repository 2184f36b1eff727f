/**
 * Uploading and downloading the file of a Document or Report group, for the v2 and v3 routes
 * (v2/documents.ts, v3/documents.ts): the routes differ in path, owners and answer; the work is
 * core/intel/documents. The body reaches it as the request stream, never as one buffer: the routes
 * live in a scope of their own whose only body parser hands the stream on, whatever Content-Type
 * the client labels it with (tcex sends octet-stream, or no label at all).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Type, type TSchema } from 'typebox';
import { CairnError } from '../../core/errors.js';
import { documentOf, findFileGroup, readDocument, storeDocument, tooLarge } from '../../core/intel/documents.js';
import type { CairnServices } from '../../services.js';
import { toStoredTime } from '../../store/database.js';
import { sendJson } from './envelope.js';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'The group\'s id, or its xid' }) });
const Bytes = { type: 'string', format: 'binary' } as const;

export interface FileRoutes {
  /** The group path, with `:id` (`/groups/documents/:id`); `/upload` and `/download` follow it. */
  path: string;
  /** The one group type the path serves (a v2 branch), or any that holds a file. */
  groupType?: string;
  /** What the group is called in summaries and messages. */
  what: string;
  /** The owners a request looks in (404 for one not visible). */
  owners(request: FastifyRequest): number[];
  querystring: TSchema;
  /** The success answer of an upload, and its schema. */
  uploaded: { body: unknown; schema: TSchema };
  /** Failure answers by status, in the surface version's envelope. */
  failures(...statuses: number[]): Record<number, unknown>;
}

/** `attachment; filename="…"` with an RFC 5987 `filename*` for names beyond plain ASCII. */
function contentDisposition(fileName: string | null, fallback: string): string {
  const name = (fileName ?? '').trim() || fallback;
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Registers `POST|PUT {path}/upload` and `GET {path}/download` for each of `routes`, in a scope that streams bodies. */
export function registerFileRoutes(app: FastifyInstance, services: CairnServices, routes: FileRoutes[]): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const typed = scope.withTypeProvider<TypeBoxTypeProvider>();
    const maxBytes = services.config.documentMaxBytes;
    const db = services.store.db;

    for (const spec of routes) {
      for (const method of ['POST', 'PUT'] as const) {
        typed.route({
          method,
          url: `${spec.path}/upload`,
          schema: {
            summary: `Upload the file of ${spec.what} (the raw bytes; at most CAIRN_DOCUMENT_MAX_BYTES)`,
            params: Params,
            querystring: spec.querystring,
            consumes: ['application/octet-stream'],
            body: Type.Unknown({ description: 'The file\'s bytes' }),
            response: { 200: { description: 'Stored', content: { 'application/json': { schema: spec.uploaded.schema } } }, ...spec.failures(400, 401, 403, 404, 409, 413, 500) },
          },
          handler: async (request, reply) => {
            const declared = Number(request.headers['content-length']);
            // A file declared too large is refused before a byte of it is read.
            if (Number.isFinite(declared) && declared > maxBytes) {
              reply.header('Connection', 'close');
              throw tooLarge(maxBytes);
            }
            const group = await findFileGroup(db, request.params.id, spec.owners(request), spec.groupType);
            const updateIfExists = (request.query as { updateIfExists?: unknown }).updateIfExists;
            if (method === 'POST' && /^false$/i.test(String(updateIfExists ?? '')) && await documentOf(db, group.id)) {
              throw new CairnError('conflict', `The ${group.type.toLowerCase()} already has a file; send updateIfExists=true (or PUT) to replace it.`);
            }
            const body = request.body as unknown;
            try {
              await storeDocument(db, group, body instanceof Readable ? body : Readable.from([]), { maxBytes, now: toStoredTime(new Date()) });
            } catch (error) {
              // Past the limit the rest of the body is not read: the connection closes after the answer.
              if (error instanceof CairnError && error.code === 'payload-too-large') reply.header('Connection', 'close');
              throw error;
            }
            return sendJson(reply, 200, spec.uploaded.body);
          },
        });
      }

      typed.get(`${spec.path}/download`, {
        schema: {
          summary: `Download the file of ${spec.what}`,
          params: Params,
          querystring: spec.querystring,
          response: { 200: { description: 'The file\'s bytes', content: { 'application/octet-stream': { schema: Bytes } } }, ...spec.failures(400, 401, 403, 404, 500) },
        },
      }, async (request, reply) => sendFile(services, spec, request.params.id, request, reply));
    }
  });
}

async function sendFile(services: CairnServices, spec: FileRoutes, ref: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const db = services.store.db;
  const group = await findFileGroup(db, ref, spec.owners(request), spec.groupType);
  const document = await documentOf(db, group.id);
  if (!document) throw new CairnError('not-found', `No file has been uploaded to this ${group.type.toLowerCase()} yet.`);
  return reply.code(200)
    .header('Content-Type', 'application/octet-stream')
    .header('Content-Length', String(document.size))
    .header('Content-Disposition', contentDisposition(group.fileName, `${group.type.toLowerCase()}-${group.id}`))
    .send(readDocument(db, group.id, document) as never);
}
