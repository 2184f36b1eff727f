/**
 * Builds the Fastify instance: CORS preflight, authentication, body parsers, one error path,
 * then the three surfaces. Everything that can fail ends in the failing surface's own envelope.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import type { Principal } from '../auth/principal.js';
import { CairnError } from '../core/errors.js';
import type { CairnServices } from '../services.js';
import { classifyError } from './classify-error.js';
import { contrastSurface } from '../surfaces/contrast/index.js';
import type { Surface } from '../surfaces/surface.js';
import { threatConnectSurface } from '../surfaces/threatconnect/index.js';
import { websupportSurface } from '../surfaces/websupport/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every route that is not `config.public`. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** No authentication (health checks, documentation). */
    public?: boolean;
  }
}

export const SURFACES: readonly Surface[] = [contrastSurface, websupportSurface, threatConnectSurface];

/** The surface that owns a path; ThreatConnect's envelope is the fallback for unknown roots. */
export function surfaceFor(url: string): Surface {
  const path = url.split('?', 1)[0] ?? '/';
  return SURFACES.find((s) => s.owns(path)) ?? threatConnectSurface;
}

export const CORS_ALLOWED_HEADERS = [
  'Authorization', 'Timestamp', 'Date', 'X-Date', 'API-Key', 'Content-Type', 'X-Requested-With', 'Accept', 'Accept-Language',
].join(',');
export const CORS_ALLOWED_METHODS = 'GET,POST,PUT,DELETE,OPTIONS,HEAD';

/** Largest request head Node accepts; beyond it the client gets a 431 from `answerClientError`. */
export const MAX_HEADER_BYTES = 16 * 1024;

export async function buildApp(services: CairnServices): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers["api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
    },
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 2048 },
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  });

  app.decorateRequest('principal', null as unknown as Principal);

  // CORS: a preflight is answered before authentication and before any route (v3 has OPTIONS
  // routes). Callback-style hooks: authentication of a cached credential completes without a
  // single promise on this hot path.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      reply
        .code(204)
        .header('Access-Control-Allow-Methods', CORS_ALLOWED_METHODS)
        .header('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS)
        .header('Access-Control-Max-Age', '600')
        .send();
      return;
    }
    if (request.is404 || request.routeOptions.config?.public) return done();
    let outcome: Principal | Promise<Principal>;
    try {
      outcome = services.authenticator.authenticate({ method: request.method, rawUrl: request.raw.url ?? request.url, headers: request.headers });
    } catch (error) {
      return done(error as Error);
    }
    if (!(outcome instanceof Promise)) {
      request.principal = outcome;
      return done();
    }
    outcome.then((principal) => {
      request.principal = principal;
      done();
    }, (error: Error) => done(error));
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Vary', 'Origin');
    }
    done(null, payload);
  });

  services.credentials.startWatching();

  registerBodyParsers(app);

  app.setErrorHandler((thrown, request, reply) => {
    const { error, unexpected } = classifyError(thrown, config.bodyLimitBytes);
    if (unexpected) request.log.error({ err: thrown }, 'unexpected error');
    else if (error.code === 'unauthorized') request.log.info({ reason: (error as { reason?: string }).reason }, 'authentication failed');
    return surfaceFor(request.url).renderFailure(request, reply, error);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    return surfaceFor(request.url).renderFailure(request, reply, new CairnError('route-not-found', `No route ${request.method} ${path}.`, { method: request.method, path }));
  });

  app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true } }, async (_request, reply) => {
    try {
      await services.store.db.selectFrom('system_settings').select('key').limit(1).execute();
      return { status: 'ok', database: services.store.dialect };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: services.store.dialect });
    }
  });

  for (const surface of SURFACES) surface.register(app, services);
  return app;
}

function registerBodyParsers(app: FastifyInstance): void {
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // An empty body with a JSON content type is "no body" (jQuery and tcex send the header on GET/DELETE).
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined);
    defaultJson(request, body as string, done);
  });
  // Some Websupport clients send JSON labelled as a form; read it as JSON when it looks like JSON.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    if (text.startsWith('{') || text.startsWith('[')) return defaultJson(request, text as never, done);
    done(null, Object.fromEntries(new URLSearchParams(text)));
  });
  // Anything else (octet-stream uploads, Contrast v1's empty text/xml PUTs) arrives as raw bytes.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/** Answers requests Node rejects before Fastify sees them (oversized or malformed heads). */
function answerClientError(clientError: Error, socket: Socket): void {
  const error = clientError as Error & { code?: string; rawPacket?: unknown };
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const message = tooLarge
    ? `The request headers are larger than the ${MAX_HEADER_BYTES} bytes the server accepts.`
    : 'The request could not be parsed as HTTP.';
  const firstLine = (Buffer.isBuffer(error.rawPacket) ? error.rawPacket : Buffer.alloc(0)).subarray(0, 2048).toString('latin1').split('\r\n', 1)[0] ?? '';
  const target = firstLine.split(' ')[1] ?? '/';
  const body = JSON.stringify(earlyFailureBody(target, status, message));
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function earlyFailureBody(target: string, status: number, message: string): unknown {
  switch (surfaceFor(target).name) {
    case 'websupport': return { code: status, message };
    case 'contrast': return { success: false, messages: [message], errors: [] };
    default: return { status: 'Failure', message };
  }
}

export type { FastifyReply, FastifyRequest };
