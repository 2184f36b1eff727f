/**
 * v2 rendering of intelligence: one description per entity (a *view*) drives both JSON and XML
 * (spec threatconnect.md §4.1, §4.2, §5, §6).
 *
 * A view is data: the JSON keys an entity shows on v2 in list items and in single objects, each read
 * from the v3 item the engine rendered (resources/*.ts field names), with the per-generation renames
 * (v3 `owner`/`ownerId` → `ownerName` in list items and `owner:{id,name,type}` in single objects; the
 * value keys of each indicator type). The engine renders only the v3 fields a view reads
 * (`exactFields`), and the view builds each JSON item in one pass. XML is written from that JSON by
 * one naming rule (xml-text.ts), so the two formats cannot disagree: element = the JSON key in
 * PascalCase (spaces dropped: `AS Number` → `ASNumber`), except `md5`/`sha1`/`sha256`, which stay
 * lower-case; an array is a repeated element; an `owner` object carries
 * `xsi:type="organization|community"`.
 *
 * Exports:
 *   V2View, V2Field, defineV2View(spec), V2RenderContext, v2RenderContext(services, principal, additional?, includes?)
 *   renderV2(view, row, shape, ctx)        → the JSON item (shape 'list' | 'single'; ctx.additional adds
 *                                            the includeAdditional fields)
 *   renderV2Both(view, row, shape, ctx)    → { json, xml } (xml: the XML element content of the item)
 *   v2XmlOf(item)                          → the XML element content of any JSON item (nested too), as an
 *                                            object tree for the envelope builder; v2XmlName(key)
 *   sendV2Item(request, reply, status, entityKey, item)        {"status":"Success","data":{key:{…}}}
 *   sendV2List(request, reply, entityKey, items, resultCount?) {"status":"Success","data":{"resultCount":n,key:[…]}}
 *   sendV2Success(request, reply, status?)                     {"status":"Success"}
 *   v2Plural(entityKey), v2ItemSchema / v2ListSchema / v2SuccessSchema (answer schemas for routes)
 *   INDICATOR_VIEW, INDICATOR_TYPES_V2 / INDICATOR_BRANCH_VIEWS, GROUP_VIEW, GROUP_TYPES_V2 /
 *   GROUP_BRANCH_VIEWS: the views of spec §5, §6, built from core/intel's type catalogues.
 *   V2_EMBEDDED, v3FieldsFor(view, ctx): what includeTags / includeAttributes / includes=labels embed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { Principal } from '../../../core/principal.js';
import type { CairnServices } from '../../../services.js';
import { GROUP_TYPES } from '../../../core/intel/group-types.js';
import { INDICATOR_TYPES, indicatorTypeNamed, type IndicatorExtraField } from '../../../core/intel/indicator-types.js';
import { sendJson, wantsXml } from '../envelope.js';
import { v2XmlEnvelope, v2XmlName, v2XmlSuccess } from './xml-text.js';

export { v2XmlName };

type Row = Record<string, unknown>;

export type V2Shape = 'list' | 'single';

/** What a row is rendered with: the caller's owners (by id), the web-link base, includeAdditional. */
export interface V2RenderContext {
  owners: ReadonlyMap<number, { id: number; name: string; type: string }>;
  /** Prefix of computed web links (CAIRN_PUBLIC_URL, or '' for a link relative to the host). */
  webBase: string;
  /** Add the fields marked `additional` (includeAdditional=true / includes=additional). */
  additional: boolean;
  /** Embed `tag[]`, `attribute[]`, `securityLabel[]` (includeTags, includeAttributes, includes=labels). */
  includes: ReadonlySet<V2Embedded>;
}

export function v2RenderContext(services: CairnServices, principal: Principal, additional = false, includes: Iterable<string> = []): V2RenderContext {
  const embedded = new Set<V2Embedded>();
  for (const include of includes) if (include in V2_EMBEDDED) embedded.add(include as V2Embedded);
  return { owners: ownersOf(principal), webBase: services.config.publicUrl ?? '', additional, includes: embedded };
}

export type V2Embedded = 'tags' | 'attributes' | 'labels';

/**
 * What includeTags / includeAttributes / includes=labels embed: the v3 collection the engine renders
 * (`fields=tags`: one query per page, not per item), the v2 key, and each v2 item from its v3 item.
 */
export const V2_EMBEDDED: Readonly<Record<V2Embedded, { collection: string; key: string; item: (v3: Row, ctx: V2RenderContext) => Row }>> = {
  tags: { collection: 'tags', key: 'tag', item: (t, ctx) => ({ name: t.name, webLink: `${ctx.webBase}/auth/tags/tag.xhtml?tag=${encodeURIComponent(String(t.name))}` }) },
  attributes: { collection: 'attributes', key: 'attribute', item: (a) => ({ ...pick(a, ['id', 'type', 'dateAdded', 'lastModified']), displayed: a.displayed ?? true, ...pick(a, ['value', 'source']) }) },
  labels: { collection: 'securityLabels', key: 'securityLabel', item: (l) => pick(l, ['name', 'description', 'dateAdded']) },
};

function pick(row: Row, keys: readonly string[]): Row {
  const out: Row = {};
  for (const key of keys) if (row[key] !== undefined && row[key] !== null) out[key] = row[key];
  return out;
}

/**
 * The v3 `fields` a v2 read asks the engine for (with exactFields): the view's own, the additional
 * ones when asked, and the collections of the embedded metadata (one query per page each).
 */
export function v3FieldsFor(view: V2View, ctx: V2RenderContext): string[] {
  const fields = [...view.v3Fields];
  if (ctx.additional) fields.push(...view.v3Additional);
  for (const include of ctx.includes) fields.push(V2_EMBEDDED[include].collection);
  return fields;
}

const ownerMaps = new WeakMap<Principal, ReadonlyMap<number, { id: number; name: string; type: string }>>();
/** The caller's owners by id, kept per principal (one immutable object per credential). */
function ownersOf(principal: Principal): ReadonlyMap<number, { id: number; name: string; type: string }> {
  let map = ownerMaps.get(principal);
  if (!map) ownerMaps.set(principal, map = new Map(principal.visibleOwners.map((o) => [o.id, { id: o.id, name: o.name, type: o.type }])));
  return map;
}

/**
 * One key of a view: its JSON name, where it shows (`both`, only in `list` items, only in `single`
 * objects; `additional` = single and list, only with includeAdditional), and how it is read from the
 * v3 item: the v3 field `from` (default: the same name), or `get`.
 */
export interface V2Field {
  key: string;
  in?: 'both' | 'list' | 'single' | 'additional';
  from?: string;
  get?: (row: Row, ctx: V2RenderContext, view: V2View) => unknown;
  /** The v3 fields `get` reads (the engine renders only what the view reads). */
  reads?: readonly string[];
}

export interface V2View {
  /** The data key (`address`, `indicator`, `incident`), singular. */
  entityKey: string;
  /** The v3 fields the view reads (what the engine renders for it: `exactFields`), derived by defineV2View. */
  v3Fields: readonly string[];
  /** The v3 fields the `additional` keys read (asked for only with includeAdditional). */
  v3Additional: readonly string[];
  fields: readonly V2Field[];
  /** The web link of an item when the v3 item has none. */
  webLink: (row: Row, ctx: V2RenderContext) => string;
}

/** A view from its keys: the v3 fields it reads (`from`, the key itself, or a getter's `reads`) are derived. */
export function defineV2View(spec: { entityKey: string; webLink: V2View['webLink']; fields: readonly V2Field[] }): V2View {
  const reads = (f: V2Field) => (f.get ? f.reads ?? [] : [f.from ?? f.key]);
  const base = new Set(spec.fields.filter((f) => f.in !== 'additional').flatMap(reads));
  const additional = new Set(spec.fields.filter((f) => f.in === 'additional').flatMap(reads).filter((r) => !base.has(r)));
  return { ...spec, v3Fields: [...base], v3Additional: [...additional] };
}

type Compiled = (row: Row, ctx: V2RenderContext) => Row;
const compiled = new WeakMap<V2View, Record<'list' | 'single' | 'listAdditional' | 'singleAdditional', Compiled>>();

/**
 * The view's four item functions, built once per view: each is the view's keys for one shape in
 * order, with the reading of each bound, so rendering a page is one pass that builds one object
 * per row (no copy of the v3 item).
 */
function compile(view: V2View): Record<'list' | 'single' | 'listAdditional' | 'singleAdditional', Compiled> {
  let functions = compiled.get(view);
  if (functions) return functions;
  const build = (shape: V2Shape, additional: boolean): Compiled => {
    const chosen = view.fields.filter((f) => {
      const where = f.in ?? 'both';
      return where === 'both' || where === shape || (additional && where === 'additional');
    });
    const keys = chosen.map((f) => f.key);
    const readers = chosen.map((f): ((row: Row, ctx: V2RenderContext) => unknown) => {
      if (f.get) { const get = f.get; return (row, ctx) => get(row, ctx, view); }
      const from = f.from ?? f.key;
      return (row) => row[from];
    });
    const n = keys.length;
    return (row, ctx) => {
      const item: Row = {};
      for (let i = 0; i < n; i++) {
        const value = readers[i]!(row, ctx);
        if (value !== undefined && value !== null) item[keys[i]!] = value;
      }
      return item;
    };
  };
  functions = { list: build('list', false), single: build('single', false), listAdditional: build('list', true), singleAdditional: build('single', true) };
  compiled.set(view, functions);
  return functions;
}

/** A v3 item (as the engine renders it) in a v2 view, as JSON. */
export function renderV2(view: V2View, row: Row, shape: V2Shape, ctx: V2RenderContext): Row {
  const functions = compile(view);
  const item = (shape === 'list' ? (ctx.additional ? functions.listAdditional : functions.list) : (ctx.additional ? functions.singleAdditional : functions.single))(row, ctx);
  for (const include of ctx.includes) {
    const { collection, key, item: v2Item } = V2_EMBEDDED[include];
    const nested = (row[collection] as { data?: Row[] } | undefined)?.data ?? [];
    item[key] = nested.map((v3) => v2Item(v3, ctx));
  }
  return item;
}

/** renderV2 and its XML element content (the contract's `{ json, xml }`). */
export function renderV2Both(view: V2View, row: Row, shape: V2Shape, ctx: V2RenderContext): { json: Row; xml: Row } {
  const json = renderV2(view, row, shape, ctx);
  return { json, xml: v2XmlOf(json) };
}

// ---- XML from JSON: one naming rule --------------------------------------------------------------

function xmlValue(key: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => xmlValue(key, v));
  if (value !== null && typeof value === 'object') {
    const content = v2XmlOf(value as Row);
    const type = (value as Row).type;
    return key === 'owner' && typeof type === 'string' ? { '@_xsi:type': type.toLowerCase(), ...content } : content;
  }
  return value;
}

/** The XML element content of a JSON item: the same keys renamed, nested objects and arrays alike. */
export function v2XmlOf(item: Row): Row {
  const xml: Row = {};
  for (const key in item) {
    const value = item[key];
    if (value === undefined || value === null) continue;
    xml[v2XmlName(key)] = xmlValue(key, value);
  }
  return xml;
}

// ---- Envelopes --------------------------------------------------------------------------------

/** An intel entity's plural is its v2 branch (`coursesOfAction`, `malware`, `cidrBlocks`), from the catalogues. */
const BRANCH_PLURALS = new Map<string, string>([
  ...INDICATOR_TYPES.filter((t) => t.v2 !== null).map((t) => [t.v2!.entity, t.v2!.branch] as [string, string]),
  ...GROUP_TYPES.map((t) => [t.v2Entity, t.v2Branch] as [string, string]),
]);

/** The plural of an entity key, as the list roots and branches spell it (`indicators`, `addresses`, `adversaries`, `coursesOfAction`). */
export function v2Plural(entityKey: string): string {
  const branch = BRANCH_PLURALS.get(entityKey);
  if (branch) return branch;
  if (/(s|x|z|ch|sh)$/.test(entityKey)) return `${entityKey}es`;
  if (/[^aeiou]y$/.test(entityKey)) return `${entityKey.slice(0, -1)}ies`;
  return `${entityKey}s`;
}

const pascal = (key: string) => key[0]!.toUpperCase() + key.slice(1);

function sendXmlText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).header('Content-Type', 'application/xml').send(text);
}

/** One item: `{"status":"Success","data":{"<entityKey>":{…}}}`, or `<{key}Response>…<{Key}>…`. */
export function sendV2Item(request: FastifyRequest, reply: FastifyReply, status: number, entityKey: string, item: Row): FastifyReply {
  if (wantsXml(request)) return sendXmlText(reply, status, v2XmlEnvelope(`${entityKey}Response`, `${entityKey}ResponseData`, [[pascal(entityKey), item, entityKey]]));
  return sendJson(reply, status, { status: 'Success', data: { [entityKey]: item } });
}

/**
 * A list: `{"status":"Success","data":{"resultCount":n,"<entityKey>":[…]}}` (resultCount only when
 * given), or `<{plural}Response>…<Data xsi:type="{key}ListResponseData"><ResultCount>n</ResultCount><{Key}>…`.
 */
export function sendV2List(request: FastifyRequest, reply: FastifyReply, entityKey: string, items: Row[], resultCount?: number): FastifyReply {
  if (wantsXml(request)) {
    const content: [string, unknown, string][] = [];
    if (resultCount !== undefined) content.push(['ResultCount', resultCount, 'resultCount']);
    content.push([pascal(entityKey), items, entityKey]);
    return sendXmlText(reply, 200, v2XmlEnvelope(`${v2Plural(entityKey)}Response`, `${entityKey}ListResponseData`, content));
  }
  const data: Row = resultCount === undefined ? {} : { resultCount };
  data[entityKey] = items;
  return sendJson(reply, 200, { status: 'Success', data });
}

/** `{"status":"Success"}`, or `<successResponse><Status>Success</Status></successResponse>`. */
export function sendV2Success(request: FastifyRequest, reply: FastifyReply, status = 200): FastifyReply {
  if (wantsXml(request)) return sendXmlText(reply, status, v2XmlSuccess());
  return sendJson(reply, status, { status: 'Success' });
}

// ---- Answer schemas ------------------------------------------------------------------------------

const Success = Type.Literal('Success');
const AnyItem = Type.Object({}, { additionalProperties: true });

/** `{"status":"Success","data":{"<entityKey>":{…}}}` (entityKey may be a union of keys: the branch's). */
export function v2ItemSchema(description: string, item: TSchema = AnyItem): TSchema {
  return Type.Object({ status: Success, data: Type.Record(Type.String(), item, { description }) });
}

/** `{"status":"Success","data":{"resultCount"?:n,"<entityKey>":[…]}}`. */
export function v2ListSchema(description: string, item: TSchema = AnyItem): TSchema {
  return Type.Object({ status: Success, data: Type.Object({ resultCount: Type.Optional(Type.Integer({ description: 'Every match, given on the first page (resultStart 0)' })) }, { additionalProperties: Type.Array(item), description }) });
}

export const v2SuccessSchema: TSchema = Type.Object({ status: Success }, { additionalProperties: false });

// ---- The views of spec §5 and §6 ---------------------------------------------------------------
// Built from the type catalogues of core/intel (indicator-types.ts, group-types.ts): the branch,
// entity key and value keys of each type are declared there once.

const ownerName = (row: Row, ctx: V2RenderContext) => row.owner ?? ctx.owners.get(Number(row.ownerId))?.name;
const ownerObject = (row: Row, ctx: V2RenderContext) => {
  const owner = ctx.owners.get(Number(row.ownerId));
  return owner ? { id: owner.id, name: owner.name, type: owner.type } : undefined;
};
/** v2's link is v3's `legacyLink` (the `…details/host.xhtml?host=…&owner=…` page), absolute when the public URL is set. */
const webLink = (row: Row, ctx: V2RenderContext, view: V2View) => {
  const link = row.legacyLink;
  if (typeof link !== 'string') return view.webLink(row, ctx);
  return link.startsWith('/') ? `${ctx.webBase}${link}` : link;
};
const booleanText = (from: string) => (row: Row) => (row[from] === undefined || row[from] === null ? undefined : String(row[from] === true || row[from] === 1 || row[from] === 'true'));

const OWNER_NAME: V2Field = { key: 'ownerName', in: 'list', get: ownerName, reads: ['owner', 'ownerId'] };
const OWNER: V2Field = { key: 'owner', in: 'single', get: ownerObject, reads: ['ownerId'] };
const WEB_LINK: V2Field = { key: 'webLink', get: webLink, reads: ['legacyLink', 'id', 'type', 'summary', 'owner', 'ownerId'] };

/** The v2 names of the indicator fields `includeAdditional` adds, from their v3 names. */
const INDICATOR_ADDITIONAL: V2Field[] = [
  { key: 'observationCount', in: 'additional', from: 'observations' },
  { key: 'lastObserved', in: 'additional' },
  { key: 'falsePositiveCount', in: 'additional', from: 'falsePositives' },
  { key: 'falsePositiveLastReported', in: 'additional', from: 'lastFalsePositive' },
  { key: 'privateFlag', in: 'additional' },
  { key: 'active', in: 'additional' },
  { key: 'activeLocked', in: 'additional' },
];

const indicatorWebLink = (row: Row, ctx: V2RenderContext) => {
  const entity = indicatorTypeNamed(String(row.type))?.v2?.entity;
  const owner = encodeURIComponent(String(ownerName(row, ctx) ?? ''));
  if (!entity) return `${ctx.webBase}/auth/indicators/details/customIndicator.xhtml?id=${String(row.id)}&owner=${owner}`;
  return `${ctx.webBase}/auth/indicators/details/${entity.toLowerCase()}.xhtml?${entity.toLowerCase()}=${encodeURIComponent(String(row.summary ?? ''))}&owner=${owner}`;
};

/** The type's own keys beside its value, shown in single objects: File size, Host dnsActive/whoisActive as "true"/"false" (spec §4.1). */
const EXTRA_FIELDS: Readonly<Record<IndicatorExtraField, V2Field>> = {
  size: { key: 'size', in: 'single' },
  dnsActive: { key: 'dnsActive', in: 'single', get: booleanText('dnsActive'), reads: ['dnsActive'] },
  whoisActive: { key: 'whoisActive', in: 'single', get: booleanText('whoisActive'), reads: ['whoisActive'] },
};

/** A type with a v2 branch: branch, v3 type name, entity key, and its view. */
export interface V2Type { branch: string; type: string; entityKey: string; view: V2View }

/** `GET /v2/indicators`: items `{id, ownerName, type, dateAdded, lastModified, rating, confidence, webLink, summary}`. */
export const INDICATOR_VIEW: V2View = defineV2View({
  entityKey: 'indicator',
  webLink: indicatorWebLink,
  fields: [
    { key: 'id' },
    OWNER_NAME,
    OWNER,
    { key: 'type' },
    { key: 'dateAdded' },
    { key: 'lastModified' },
    { key: 'rating' },
    { key: 'confidence' },
    WEB_LINK,
    { key: 'summary' },
    ...INDICATOR_ADDITIONAL,
  ],
});

/** One view per indicator branch: no `type`; the type's value keys under their v2 names (`"AS Number"` from v3 `value1`). */
export const INDICATOR_TYPES_V2: readonly V2Type[] = INDICATOR_TYPES.filter((t) => t.v2 !== null).map((t) => ({
  branch: t.v2!.branch,
  type: t.name,
  entityKey: t.v2!.entity,
  view: defineV2View({
    entityKey: t.v2!.entity,
    webLink: indicatorWebLink,
    fields: [
      { key: 'id' },
      OWNER_NAME,
      OWNER,
      { key: 'dateAdded' },
      { key: 'lastModified' },
      { key: 'rating' },
      { key: 'confidence' },
      WEB_LINK,
      ...t.keys.map((k): V2Field => ({ key: k.v2Key, from: k.v3Key })),
      ...t.extras.map((extra) => EXTRA_FIELDS[extra]),
      ...(t.name === 'URL' ? [{ key: 'source', in: 'single' } satisfies V2Field] : []),
      ...INDICATOR_ADDITIONAL,
    ],
  }),
}));

export const INDICATOR_BRANCH_VIEWS: ReadonlyMap<string, V2View> = new Map(INDICATOR_TYPES_V2.map((t) => [t.branch, t.view]));

const groupWebLink = (row: Row, ctx: V2RenderContext) => `${ctx.webBase}/auth/groups/group.xhtml?group=${encodeURIComponent(String(row.id ?? ''))}`;

/** `GET /v2/groups`: items `{id, name, type, ownerName, dateAdded, lastModified, webLink}`. */
export const GROUP_VIEW: V2View = defineV2View({
  entityKey: 'group',
  webLink: groupWebLink,
  fields: [
    { key: 'id' },
    { key: 'name' },
    { key: 'type' },
    OWNER_NAME,
    OWNER,
    { key: 'dateAdded' },
    { key: 'lastModified' },
    WEB_LINK,
  ],
});

/** One view per group branch: no `type`; the type's own keys (group-types.ts `v2ListShows` in lists, `v2Shows` in single objects). */
export const GROUP_TYPES_V2: readonly V2Type[] = GROUP_TYPES.map((t) => ({
  branch: t.v2Branch,
  type: t.name,
  entityKey: t.v2Entity,
  view: defineV2View({
    entityKey: t.v2Entity,
    webLink: groupWebLink,
    fields: [
      { key: 'id' },
      { key: 'name' },
      OWNER_NAME,
      OWNER,
      { key: 'dateAdded' },
      { key: 'lastModified' },
      WEB_LINK,
      // A key in both lists shows in both shapes, once.
      ...t.v2Shows.map((s): V2Field => ({ key: s.key, from: s.field, in: t.v2ListShows.some((l) => l.key === s.key) ? 'both' : 'single' })),
      ...t.v2ListShows.filter((l) => !t.v2Shows.some((s) => s.key === l.key)).map((l): V2Field => ({ key: l.key, from: l.field, in: 'list' })),
    ],
  }),
}));

export const GROUP_BRANCH_VIEWS: ReadonlyMap<string, V2View> = new Map(GROUP_TYPES_V2.map((t) => [t.branch, t.view]));
