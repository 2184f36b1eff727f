/** Request body parsers: the tolerant readings real clients of the three surfaces need. */
import type { FastifyInstance } from 'fastify';

export function registerBodyParsers(app: FastifyInstance): void {
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
