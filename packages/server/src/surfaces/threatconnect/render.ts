/** JSON or XML for the v2 surface, chosen by Accept; JSON is always exactly `application/json`. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { XMLBuilder } from 'fast-xml-parser';
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
