/**
 * The TAXII 2.1 server at `/taxii2/` (the OASIS TAXII 2.1 specification): discovery, one API root
 * (`/taxii2/cairn/`), a collection per owner the caller may read. Every answer, failures included,
 * is `application/taxii+json;version=2.1`; a request whose Accept admits none of it is 406.
 */
import type { FastifyPluginAsync } from 'fastify';
import { CairnError } from '../../core/errors.js';
import { failureHandler, notFoundHandler, tagRoutes } from '../failure-handlers.js';
import type { ErrorClassifier, Surface, SurfaceOptions } from '../surface.js';
import { renderTaxiiFailure, taxiiFailureBody } from './failure.js';
import { checkAccept, checkContentType } from './media.js';
import { registerTaxiiRoutes } from './routes.js';

const taxii: FastifyPluginAsync<SurfaceOptions> = async (surface, { services, classifyError }) => {
  tagRoutes(surface, 'taxii');
  // A POST past the API root's max_content_length says that limit, not the server's general one.
  const limit = services.config.taxiiMaxContentLength;
  const classify: ErrorClassifier = (thrown) => {
    const classified = classifyError(thrown);
    if (classified.error.code !== 'payload-too-large') return classified;
    return { error: new CairnError('payload-too-large', `The request body is larger than this API root's max_content_length of ${limit} bytes; send fewer objects per POST.`, { limit }), unexpected: false };
  };
  surface.setErrorHandler(failureHandler(renderTaxiiFailure, classify));
  surface.register(async (root) => {
    root.setNotFoundHandler(notFoundHandler(renderTaxiiFailure));
    // Before the body is read: what the client accepts, and what a POST sends.
    root.addHook('preParsing', async (request) => {
      checkAccept(request);
      if (request.method === 'POST') checkContentType(request);
    });
    root.addContentTypeParser('application/taxii+json', { parseAs: 'string', bodyLimit: limit }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (error) {
        done(new CairnError('malformed-body', `The envelope is not valid JSON: ${(error as Error).message}`), undefined);
      }
    });
    registerTaxiiRoutes(root, services);
  }, { prefix: '/taxii2' });
};

export const taxiiSurface: Surface = {
  name: 'taxii',
  prefixes: ['/taxii2'],
  plugin: taxii,
  renderFailure: renderTaxiiFailure,
  earlyFailureBody: taxiiFailureBody,
};
