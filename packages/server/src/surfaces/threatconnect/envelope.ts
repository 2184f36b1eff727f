/**
 * ThreatConnect envelopes: JSON or XML for v2, chosen by Accept (JSON is always exactly
 * `application/json`); the schemas of the success and failure envelopes for the route declarations.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { XMLBuilder } from 'fast-xml-parser';
import { Type, type TSchema } from 'typebox';
import { sendJson, sendSerializedJson } from '../send-json.js';

export { sendJson, sendSerializedJson };

export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

const xmlBuilder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: ' ',
  suppressEmptyNode: false,
  processEntities: true,
});

/** XML only when the client prefers it: `application/xml` or `text/xml` ranked above JSON. */
export function wantsXml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  if (!accept || !/xml/i.test(accept)) return false;
  let xml = -1;
  let json = -1;
  for (const part of accept.slice(0, 1024).split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
    const quality = Number.isFinite(q) ? q : 0;
    if (type === 'application/xml' || type === 'text/xml') xml = Math.max(xml, quality);
    if (type === 'application/json') json = Math.max(json, quality);
  }
  return xml > 0 && xml > json;
}


export function sendXml(reply: FastifyReply, status: number, document: Record<string, unknown>): FastifyReply {
  return reply.code(status).header('Content-Type', 'application/xml').send(xmlBuilder.build(document));
}

/** Sends a v2 answer as JSON, or as the XML document `xml()` builds when the client asked for XML. */
export function sendV2(request: FastifyRequest, reply: FastifyReply, status: number, json: unknown, xml: () => Record<string, unknown>): FastifyReply {
  return wantsXml(request) ? sendXml(reply, status, xml()) : sendJson(reply, status, json);
}

/** `<Data xsi:type="…" xmlns:xsi="…">` as the seed documents show it. */
export function xmlData(type: string, content: Record<string, unknown>): Record<string, unknown> {
  return { '@_xsi:type': type, '@_xmlns:xsi': XSI_NAMESPACE, ...content };
}

/** v2 failure: `{"status":"Failure","message":…}`. */
export const V2Failure = Type.Object({ status: Type.Literal('Failure'), message: Type.String() }, { additionalProperties: false, description: 'Failure' });
/** v3 failure: `{"errCode":"0x…","message":…,"status":"Error"}`. */
export const V3Failure = Type.Object({
  errCode: Type.String({ pattern: '^0x[0-9]{4}$', description: '0x1001 bad request, 0x1002 401, 0x1003 403, 0x1004 404, 0x1005 405, 0x1006 409, 0x1007 500, 0x2001 TQL, 0x2002 mismatched items, 0x2003 missing data, 0x2005 improper format, 0x2006 has dependents' }),
  message: Type.String(),
  status: Type.Literal('Error'),
}, { additionalProperties: false, description: 'Failure' });

const XmlDocument = Type.String({ description: 'The same answer as an XML document (`Accept: application/xml`)' });

/** A v2 answer: JSON, or XML when the client prefers it. */
export function v2Response(json: TSchema, description: string) {
  return { description, content: { 'application/json': { schema: json }, 'application/xml': { schema: XmlDocument } } };
}

/** The v2 failure answers of a route, by status. */
export function v2Failures(...statuses: number[]): Record<number, ReturnType<typeof v2Response>> {
  return Object.fromEntries(statuses.map((status) => [status, v2Response(V2Failure, 'Failure')]));
}

/** The v3 failure answers of a route, by status. */
export function v3Failures(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, V3Failure]));
}
