/**
 * TAXII 2.1 media types (spec §1.6.8): requests accept `application/taxii+json;version=2.1`, and
 * every answer, failures included, is sent with it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CairnError } from '../../core/errors.js';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';

const asIs = (payload: unknown) => payload as string;

export function sendTaxii(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('Content-Type', TAXII_MEDIA_TYPE).serializer(asIs).send(JSON.stringify(body));
}

interface MediaRange { type: string; subtype: string; params: Map<string, string>; q: number }

function parseMediaRanges(header: string): MediaRange[] {
  return header.split(',').map((part) => {
    const [range = '', ...rawParams] = part.split(';');
    const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
    const params = new Map<string, string>();
    for (const raw of rawParams) {
      const at = raw.indexOf('=');
      if (at > 0) params.set(raw.slice(0, at).trim().toLowerCase(), raw.slice(at + 1).trim().replace(/^"|"$/g, '').toLowerCase());
    }
    const q = params.has('q') ? Number(params.get('q')) : 1;
    params.delete('q');
    return { type, subtype, params, q: Number.isFinite(q) ? q : 0 };
  }).filter((range) => range.type !== '' && range.q > 0);
}

/** Whether a TAXII 2.1 answer satisfies this range: the TAXII type at version 2.1 or with no version (the latest), or a wildcard. */
function acceptsTaxii21(range: MediaRange): boolean {
  if (range.type === '*' && range.subtype === '*') return true;
  if (range.type !== 'application') return false;
  if (range.subtype === '*') return true;
  if (range.subtype !== 'taxii+json') return false;
  const version = range.params.get('version');
  return version === undefined || version === '2.1';
}

/**
 * Refuses (406) a request whose Accept admits no TAXII 2.1 answer. No Accept header at all is
 * taken as accepting anything (RFC 9110 §12.5.1), so `curl` without `-H Accept` works.
 */
export function checkAccept(request: FastifyRequest): void {
  const header = request.headers.accept;
  if (header === undefined || header.trim() === '') return;
  if (parseMediaRanges(header).some(acceptsTaxii21)) return;
  throw new CairnError('not-acceptable', `This server answers in ${TAXII_MEDIA_TYPE}; the Accept header (${header.slice(0, 100)}) admits none of it.`, { accept: header.slice(0, 100) });
}

/** Refuses (415) a body that is not `application/taxii+json` (at version 2.1, or without a version). */
export function checkContentType(request: FastifyRequest): void {
  const header = request.headers['content-type'] ?? '';
  const [range] = parseMediaRanges(header);
  if (range && range.type === 'application' && range.subtype === 'taxii+json' && (range.params.get('version') ?? '2.1') === '2.1') return;
  throw new CairnError('unsupported-media-type', `Send the envelope as ${TAXII_MEDIA_TYPE}; got ${header === '' ? 'no Content-Type' : `"${header.slice(0, 100)}"`}.`);
}
