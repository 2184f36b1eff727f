/**
 * Indicators (spec threatconnect.md §5, §7, §9): one v3 resource over every indicator type. The
 * rules (which keys each type takes, how a value is validated and normalised, the summary, which
 * values address an indicator, claiming them, merging File hashes, observations and false
 * positives) live in core/intel; this declaration calls them.
 *
 * - A value is claimed through `indicator_values` (INSERT … ON CONFLICT DO NOTHING): a POST of a
 *   value the owner already has updates that indicator (answered like a create, 201 "Created",
 *   with the existing indicator), and two concurrent POSTs of one value make one indicator.
 * - A File is addressed by each of its hashes: a POST naming a hash of an existing file fills
 *   that file with the hashes it brings; hashes held by two different files are a 409.
 *   `PUT {"md5":…,"mode":"merge"}` adds hashes to a file, `"mode":"delete"` removes them.
 * - `GET|PUT|DELETE /v3/indicators/{summary}`: any value that addresses an indicator, among the
 *   caller's visible owners (findByRef).
 * - TQL keywords Cairn cannot answer (enrichment scores, geolocation, threat assessment) compare
 *   a NULL, so they match nothing, as on cases; sub-queries over things Cairn does not store
 *   (victims, intel requirements, custom associations) are refused with a reason.
 */
import { sql, type Kysely } from 'kysely';
import { CairnError, type FieldProblem } from '../core/errors.js';
import {
  claimIndicatorValues, findIndicatorByRef, moveIndicatorValues, recordIndicatorDeletion, releaseIndicatorValues,
} from '../core/intel/indicator-store.js';
import {
  describeValue, INDICATOR_TYPE_NAMES, INDICATOR_TYPES, indicatorTypeNamed, readIndicatorValue, type IndicatorType, type ValueSlot,
} from '../core/intel/indicator-types.js';
import { indicatorCounters, observationCount, recordObservations, reportFalsePositive } from '../core/intel/observations.js';
import { indicatorAssociationKeywords, indicatorAssociations } from './associations.js';
import { computedKeyword, defineResource, field, keyword } from './define.js';
import { hasAllTags, intelMetadataCollections } from './metadata.js';
import type { FieldDefinition, RowExpression, UnsupportedQuery, WriteContext } from './types.js';

export { INDICATOR_TYPE_NAMES as INDICATOR_TYPES };

const SLOTS: readonly ValueSlot[] = ['value1', 'value2', 'value3'];

/** The keys a body may name a value by: the v3 keys (`ip`, `md5`, `value1`) and the v2 labels (`"AS Number"`). */
const VALUE_INPUT_KEYS: readonly string[] = [...new Set(INDICATOR_TYPES.flatMap((t) => t.keys.flatMap((k) => [k.v3Key, k.v2Key])).concat(SLOTS))];

/** Which type shows a key, and from which slot (`ip` → Address value1). */
const SHOWN_KEYS = new Map<string, Map<string, ValueSlot>>();
for (const type of INDICATOR_TYPES) {
  for (const k of type.keys) {
    const byType = SHOWN_KEYS.get(k.v3Key) ?? new Map<string, ValueSlot>();
    byType.set(type.name, k.slot);
    SHOWN_KEYS.set(k.v3Key, byType);
  }
}

const shownValue = (name: string) => (row: Record<string, unknown>) => {
  const slot = SHOWN_KEYS.get(name)?.get(String(row.type));
  return slot ? row[slot] ?? undefined : undefined;
};

/** A value key: shown for the types that show it; written on POST (and, for File hashes, PUT with a mode). */
function valueKeyField(name: string): FieldDefinition {
  const types = [...(SHOWN_KEYS.get(name)?.keys() ?? [])];
  const shown = SHOWN_KEYS.has(name);
  const description = shown ? `The indicator's value (${types.join(', ')})` : `The indicator's value under its v2 label (${INDICATOR_TYPES.filter((t) => t.keys.some((k) => k.v2Key === name)).map((t) => t.name).join(', ')})`;
  // Only a File's hashes change after a create (PUT with "mode":"merge" or "delete"); other values are set once.
  const updatable = INDICATOR_TYPES.some((t) => t.anyOneOf && t.keys.some((k) => k.v3Key === name));
  return { ...field.computed('String', description, shownValue(name)), reads: ['type', ...SLOTS], readOnly: false, writeOnly: !shown, includedByDefault: true, ...(updatable ? {} : { createOnly: true }) };
}

/** Sent on writes only: handed to the hooks. */
const writeOnlyInput = (type: string, description: string): FieldDefinition =>
  ({ ...field.computed(type, description, () => undefined), reads: [], readOnly: false, writeOnly: true });

/** Where an indicator is seen in the ThreatConnect-style UI (`…/#/details/indicators/{id}/overview`). */
const webLink = (row: Record<string, unknown>, lookups: { publicUrl: string }) => `${lookups.publicUrl}/#/details/indicators/${String(row.id)}/overview`;

function legacyLink(row: Record<string, unknown>, lookups: { publicUrl: string; ownerName(id: unknown): string }): string {
  const type = indicatorTypeNamed(String(row.type));
  const owner = encodeURIComponent(lookups.ownerName(row.owner_id));
  if (!type?.v2) return `${lookups.publicUrl}/auth/indicators/details/customIndicator.xhtml?id=${String(row.id)}&owner=${owner}`;
  return `${lookups.publicUrl}/auth/indicators/details/${type.v2.entity.toLowerCase()}.xhtml?${type.v2.entity.toLowerCase()}=${encodeURIComponent(String(row.summary))}&owner=${owner}`;
}

const column = (alias: string, name: string) => sql.ref(`${alias}.${name}`);
const ownerNameOf: RowExpression = (alias) => sql`(select owners.name from owners where owners.id = ${column(alias, 'owner_id')})`;
const untrackedInteger: RowExpression = () => sql`cast(null as integer)`;
const untrackedText: RowExpression = () => sql`cast(null as text)`;
/** Keywords of enrichment and scoring services Cairn does not run: NULL, so every comparison matches nothing. */
const UNTRACKED: [string, 'Integer' | 'String' | 'Boolean' | 'Date', string][] = [
  ['abuseIpdbConfidenceScore', 'Integer', 'The AbuseIPDB confidence score'],
  ['addressAsn', 'Integer', 'The ASN of the address (geolocation)'],
  ['addressCity', 'String', 'The city of the address (geolocation)'],
  ['addressCountryCode', 'String', 'The country code of the address (geolocation)'],
  ['addressCountryName', 'String', 'The country name of the address (geolocation)'],
  ['addressRegisteringOrg', 'String', 'The registering organization of the address (geolocation)'],
  ['addressState', 'String', 'The state of the address (geolocation)'],
  ['addressTimezone', 'String', 'The time zone of the address (geolocation)'],
  ['calScore', 'Integer', 'The CAL score'],
  ['commonId', 'Integer', 'The ID common to the same indicator in every owner'],
  ['dtLastUpdated', 'Date', 'When DomainTools last updated the indicator'],
  ['dtMalwareScore', 'Integer', 'The DomainTools malware score'],
  ['dtOverallScore', 'Integer', 'The DomainTools overall score'],
  ['dtPhishingScore', 'Integer', 'The DomainTools phishing score'],
  ['dtSpamScore', 'Integer', 'The DomainTools spam score'],
  ['dtStatus', 'Boolean', 'The DomainTools status'],
  ['externalDateAdded', 'Date', 'When the indicator was added in another system'],
  ['externalDateExpires', 'Date', 'When the indicator expires in another system'],
  ['externalLastModified', 'Date', 'When the indicator was last modified in another system'],
  ['riskIqClassification', 'String', 'The RiskIQ classification'],
  ['riskIqReputationScore', 'Integer', 'The RiskIQ reputation score'],
  ['threatAssessScore', 'Integer', 'The threat assessment score'],
  ['type', 'Integer', 'The ID of the indicator type (Cairn names types: use typeName)'],
  ['vtLastUpdated', 'Date', 'When VirusTotal last updated the indicator'],
  ['vtMaliciousCount', 'Integer', 'The VirusTotal malicious count'],
];
const untracked = UNTRACKED.map(([name, type, description]) =>
  computedKeyword(name, type, type === 'Integer' || type === 'Boolean' ? untrackedInteger : untrackedText, `${description} (not tracked by Cairn: matches nothing)`));

const NOT_STORED: UnsupportedQuery[] = [
  { keyword: 'hasVictim', reason: 'Cairn stores no victims, so no indicator has associated victims.' },
  { keyword: 'hasVictimAsset', reason: 'Cairn stores no victim assets, so no indicator has associated victim assets.' },
  { keyword: 'hasIntelRequirement', reason: 'Cairn stores no intel requirements.' },
  { keyword: 'hasCustomAssociation', reason: 'Cairn stores no custom indicator associations; use hasIndicator.' },
];

/** Private to the hooks: what onCreate read, for settleCreate (a symbol key is never a column). */
const PENDING = Symbol('indicator value');
interface Pending { type: IndicatorType; addressing: string[]; observations?: number; falsePositive: boolean }

const problemOf = (field: string, message: string): FieldProblem => ({ field, message });

function refuse(problems: FieldProblem[]): never {
  const summary = problems.slice(0, 10).map((p) => `${p.field} ${p.message}`).join('; ');
  throw new CairnError(problems.every((p) => p.message.startsWith('is required')) ? 'missing-data' : 'validation', `Invalid indicator: ${summary}.`, { fields: problems });
}

/** The observation count a body gives (`observations`), or a problem. */
function readObservations(value: unknown, problems: FieldProblem[]): number | undefined {
  if (value === undefined || value === null) return undefined;
  const count = typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : value;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 1_000_000) {
    problems.push(problemOf('observations', 'must be a whole number from 0 to 1000000 (the total number of observations)'));
    return undefined;
  }
  return count;
}

function readFlag(value: unknown, name: string, problems: FieldProblem[]): boolean {
  if (value === undefined || value === null) return false;
  if (value === true || value === 'true' || value === 'True') return true;
  if (value === false || value === 'false' || value === 'False') return false;
  problems.push(problemOf(name, 'must be true or false'));
  return false;
}

/**
 * The type-specific columns (File size; Host dnsActive, whoisActive) set on a type that has none.
 * Their unset values (false, no size) are what every indicator holds and shows, so a client
 * sending back an Address it read (`"dnsActive": false`) changes nothing and is not refused.
 */
function checkExtras(type: IndicatorType, values: Record<string, unknown>, problems: FieldProblem[]): void {
  const extras: [string, string, string][] = [['size', 'size', 'File'], ['dns_active', 'dnsActive', 'Host'], ['whois_active', 'whoisActive', 'Host']];
  for (const [col, name, owner] of extras) {
    if (values[col] === undefined || values[col] === null || values[col] === 0 && col !== 'size' || type.extras.includes(name as never)) continue;
    problems.push(problemOf(name, `applies to ${owner} indicators only`));
  }
}

/** Value keys in a body that the type does not take (`ip` on a Host). */
function foreignKeys(type: IndicatorType, values: Record<string, unknown>, problems: FieldProblem[]): void {
  for (const name of VALUE_INPUT_KEYS) {
    if (values[name] === undefined) continue;
    if (!type.keys.some((k) => k.v3Key === name || k.v2Key === name || k.slot === name)) problems.push(problemOf(name, `is not a value of a${/^[AEIOU]/.test(type.name) ? 'n' : ''} ${type.name} indicator (its keys: ${type.keys.map((k) => k.v3Key).join(', ')})`));
  }
}

/** A body's value for key `k` of the type: under its v3 key, its v2 label or its slot name. */
const inputOf = (values: Record<string, unknown>) => (k: { v3Key: string; v2Key: string; slot: string }) => {
  for (const name of [k.v3Key, k.v2Key, k.slot]) if (values[name] !== undefined) return { name, value: values[name] };
  return undefined;
};

const FILE_MODES = new Set(['merge', 'delete']);

/** The columns a create sets that an update of an existing indicator carries over (its value and identity excepted). */
const MERGE_SKIP = new Set(['id', 'owner_id', 'type', 'summary', 'value1', 'value2', 'value3', 'date_added', 'created_by_id']);

/**
 * `observations` in a body is the indicator's total (what a read shows, and what tcex sends back
 * on a PUT of an indicator it read): a larger total adds the difference as observations by the
 * caller, the same total changes nothing, a smaller one is refused.
 */
async function afterWrite(db: Kysely<any>, id: number, pending: Pending, ctx: WriteContext): Promise<void> {
  if (pending.observations !== undefined) {
    const { count } = await observationCount(db, id, ctx.principal.userId);
    if (pending.observations < count) refuse([problemOf('observations', `is the total number of observations (now ${count}); it can grow, not shrink`)]);
    if (pending.observations > count) await recordObservations(db, id, ctx.principal.userId, pending.observations - count, ctx.now);
  }
  if (pending.falsePositive) await reportFalsePositive(db, id, ctx.principal.userId, ctx.now);
}

export const indicators = defineResource({
  name: 'indicators',
  itemType: 'Indicator',
  table: 'indicators',
  ownerColumn: 'owner_id',
  fields: {
    id: field.id('The ID of the indicator', { tql: true, sortable: true }),
    type: field.enum('type', INDICATOR_TYPE_NAMES, 'The type of the indicator', { required: true, createOnly: true, tql: 'typeName', sortable: true }),
    summary: field.string('summary', 'The indicator\'s value as shown (a File: its hashes, "MD5 : SHA1 : SHA256")', { readOnly: true, tql: true, sortable: true }),
    ...Object.fromEntries(VALUE_INPUT_KEYS.filter((name) => !(SLOTS as readonly string[]).includes(name)).map((name) => [name, valueKeyField(name)])),
    // The stored values themselves: what tcex sends for the types without a key of their own (ASN, CIDR, …).
    value1: field.string('value1', 'The first value of the indicator (a File: its MD5; a Registry Key: its key name)', { maxLength: 4000, createOnly: true, tql: true }),
    value2: field.string('value2', 'The second value of the indicator (a File: its SHA1; a Registry Key: its value name)', { maxLength: 4000, createOnly: true, tql: true }),
    value3: field.string('value3', 'The third value of the indicator (a File: its SHA256; a Registry Key: its value type)', { maxLength: 4000, createOnly: true, tql: true }),
    mode: writeOnlyInput('String', 'On a File PUT: "merge" adds the hashes sent, "delete" removes them'),
    rating: field.decimal('rating', 'The threat rating of the indicator, 0 to 5', { minValue: 0, maxValue: 5, tql: true, sortable: true }),
    confidence: field.integer('confidence', 'The confidence in the indicator, 0 to 100', { minValue: 0, maxValue: 100, tql: true, sortable: true }),
    active: field.boolean('active', 'Whether the indicator is active', { tql: true }),
    activeLocked: field.boolean('active_locked', 'Whether the active status is locked', { tql: true }),
    privateFlag: field.boolean('private_flag', 'Whether the indicator is private', { tql: true }),
    dnsActive: field.boolean('dns_active', 'Whether DNS is active for the host (Host only)', { tql: 'hostDnsActive' }),
    whoisActive: field.boolean('whois_active', 'Whether WHOIS is active for the host (Host only)', { tql: 'hostWhoisActive' }),
    size: field.integer('size', 'The size of the file in bytes (File only)', { minValue: 0, maxValue: 2_147_483_647, tql: 'fileSize', sortable: true }),
    firstSeen: field.date('first_seen', 'When the indicator was first seen', { tql: true, sortable: true }),
    lastSeen: field.date('last_seen', 'When the indicator was last seen', { tql: true, sortable: true }),
    description: field.string('description', 'The description of the indicator (its Description attribute)', { readOnly: true, tql: true }),
    source: field.string('source', 'The source of the indicator (its Source attribute)', { readOnly: true, tql: true }),
    dateAdded: field.date('date_added', 'The date the indicator was added', { readOnly: true, tql: true, sortable: true }),
    lastModified: field.date('last_modified', 'The date the indicator was last modified', { readOnly: true, tql: true, sortable: true }),
    webLink: { ...field.computed('String', 'A link to the indicator in the user interface', webLink), reads: ['id'] },
    legacyLink: { ...field.computed('String', 'A link to the indicator in the legacy user interface', legacyLink), reads: ['id', 'type', 'summary', 'owner_id'] },
    observations: { ...field.computed('Integer', 'How many times the indicator was observed; a write of a larger total adds the difference as observations by you', (row) => Number(row.observation_count ?? 0)), reads: ['observation_count'], readOnly: false },
    lastObserved: { ...field.computed('Date', 'When the indicator was last observed', (row) => row.last_observed ?? undefined), reads: ['last_observed'] },
    falsePositives: { ...field.computed('Integer', 'How many times the indicator was reported as a false positive (once per user and day)', (row) => Number(row.false_positive_count ?? 0)), reads: ['false_positive_count'] },
    lastFalsePositive: { ...field.computed('Date', 'When the indicator was last reported as a false positive', (row) => row.last_false_positive ?? undefined), reads: ['last_false_positive'] },
    falsePositiveFlag: writeOnlyInput('Boolean', 'true: report the indicator as a false positive (counted once per user and day)'),
    owner: field.owner(),
    ownerName: field.owner({ description: 'The name of the owner of the indicator' }),
    ownerId: field.ownerId({ tql: 'owner', sortable: true }),
  },
  collections: {
    ...intelMetadataCollections('indicator'),
    ...indicatorAssociations,
  },
  everyQueries: [hasAllTags('indicator')],
  defaultSort: { column: 'id', direction: 'asc' },
  // "Indicator GETs return only active indicators by default" (spec §7.3), unless the TQL asks about active.
  defaultListFilter: { column: 'active', value: 1, unlessKeywords: ['active', 'indicatorActive'] },
  unsupportedNested: NOT_STORED,
  extraTql: [
    computedKeyword('ownerName', 'String', ownerNameOf, 'The name of the owner of the indicator'),
    keyword('indicatorActive', 'Boolean', 'active', 'Whether the indicator is active'),
    computedKeyword('observationCount', 'Integer', indicatorCounters.observationCount, 'How many times the indicator was observed'),
    computedKeyword('lastObserved', 'Date', indicatorCounters.lastObserved, 'When the indicator was last observed'),
    computedKeyword('falsePositiveCount', 'Integer', indicatorCounters.falsePositiveCount, 'How many times the indicator was reported as a false positive'),
    computedKeyword('lastFalsePositive', 'Date', indicatorCounters.lastFalsePositive, 'When the indicator was last reported as a false positive'),
    computedKeyword('addressIsIpv6', 'Boolean', (alias) => sql`case when ${column(alias, 'type')} = 'Address' then (case when ${column(alias, 'value1')} like '%:%' then 1 else 0 end) end`, 'Whether the address is an IPv6 address'),
    ...untracked,
    ...indicatorAssociationKeywords,
  ],
  extraColumns: {
    observation_count: indicatorCounters.observationCount,
    last_observed: indicatorCounters.lastObserved,
    false_positive_count: indicatorCounters.falsePositiveCount,
    last_false_positive: indicatorCounters.lastFalsePositive,
  },
  findByRef: (ref, ownerIds, db) => findIndicatorByRef(db, ownerIds, ref),

  onCreate(values, ctx) {
    const problems: FieldProblem[] = [];
    const type = indicatorTypeNamed(String(values.type))!;
    foreignKeys(type, values, problems);
    const read = readIndicatorValue(type, inputOf(values));
    if ('problems' in read) problems.push(...read.problems);
    checkExtras(type, values, problems);
    if (values.mode !== undefined && (type.name !== 'File' || !FILE_MODES.has(String(values.mode).toLowerCase()))) problems.push(problemOf('mode', 'applies to File indicators only, as "merge" or "delete"'));
    const observations = readObservations(values.observations, problems);
    const falsePositive = readFlag(values.falsePositiveFlag, 'falsePositiveFlag', problems);
    if (problems.length > 0 || 'problems' in read) refuse(problems);
    Object.assign(values, { value1: read.value.value1, value2: read.value.value2, value3: read.value.value3, summary: read.value.summary, created_by_id: ctx.principal.userId });
    (values as Record<symbol, Pending>)[PENDING] = { type, addressing: read.value.addressing, observations, falsePositive };
  },

  async settleCreate(id, values, ctx) {
    const pending = (values as Record<symbol, Pending>)[PENDING]!;
    const holders = await claimIndicatorValues(ctx.db, ctx.ownerId, pending.type.name, pending.addressing, id);
    if (holders.length === 0) {
      await afterWrite(ctx.db, id, pending, ctx);
      return id;
    }
    if (holders.length > 1) throw new CairnError('conflict', `The values sent belong to ${holders.length} different ${pending.type.name} indicators (ids ${holders.join(', ')}).`);
    // The value is the owner's already: this POST updates that indicator.
    const existingId = holders[0]!;
    const existing = await ctx.db.selectFrom('indicators').selectAll().where('id', '=', existingId).executeTakeFirstOrThrow();
    const changes: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(values)) if (!MERGE_SKIP.has(name) && value !== undefined) changes[name] = value;
    if (pending.type.anyOneOf) {
      // A File: the hashes it brings fill the existing file; a different hash of the same kind is a conflict.
      const slots: Partial<Record<ValueSlot, string | null>> = {};
      for (const slot of SLOTS) {
        const had = existing[slot] as string | null;
        const brought = values[slot] as string | null;
        if (had !== null && brought !== null && had !== brought) {
          throw new CairnError('conflict', `File ${existingId} already has the ${slot === 'value1' ? 'MD5' : slot === 'value2' ? 'SHA1' : 'SHA256'} ${had}; it cannot also be ${brought}.`);
        }
        slots[slot] = had ?? brought;
      }
      const merged = describeValue(pending.type, slots);
      Object.assign(changes, { value1: merged.value1, value2: merged.value2, value3: merged.value3, summary: merged.summary });
      await moveIndicatorValues(ctx.db, id, existingId);
    }
    await ctx.db.deleteFrom('indicators').where('id', '=', id).execute();
    await ctx.db.updateTable('indicators').set(changes).where('id', '=', existingId).execute();
    await afterWrite(ctx.db, existingId, pending, ctx);
    return existingId;
  },

  async onUpdate(values, existing, ctx) {
    const problems: FieldProblem[] = [];
    const type = indicatorTypeNamed(String(existing.type))!;
    const id = Number(existing.id);
    foreignKeys(type, values, problems);
    checkExtras(type, values, problems);
    const mode = values.mode === undefined ? undefined : String(values.mode).toLowerCase();
    if (mode !== undefined && (!type.anyOneOf || !FILE_MODES.has(mode))) problems.push(problemOf('mode', 'applies to File indicators only, as "merge" or "delete"'));
    const observations = readObservations(values.observations, problems);
    const falsePositive = readFlag(values.falsePositiveFlag, 'falsePositiveFlag', problems);
    const sent = type.keys.map((k) => [k, inputOf(values)(k)] as const).filter(([, given]) => given !== undefined);
    const slots: Partial<Record<ValueSlot, string | null>> = Object.fromEntries(SLOTS.map((s) => [s, existing[s] as string | null]));
    let changed = false;
    for (const [k, given] of sent) {
      if (typeof given!.value !== 'string') { problems.push(problemOf(given!.name, 'must be a string')); continue; }
      const normalized = k.normalize(given!.value);
      if ('problem' in normalized) { problems.push(problemOf(given!.name, normalized.problem)); continue; }
      const current = slots[k.slot] ?? null;
      if (mode === 'merge' && current === null) { slots[k.slot] = normalized.value; changed = true; }
      else if (mode === 'delete' && current === normalized.value) { slots[k.slot] = null; changed = true; }
      else if (current !== normalized.value) {
        problems.push(problemOf(given!.name, type.anyOneOf
          ? (mode === 'merge' ? `cannot replace the file's ${k.label} ${current} (delete it first with "mode":"delete")` : mode === 'delete' ? `is not the file's ${k.label}` : 'is the file\'s value: add a hash with "mode":"merge"')
          : 'can only be set when the indicator is created'));
      }
    }
    if (changed && SLOTS.every((s) => slots[s] === null)) problems.push(problemOf('mode', 'would remove every hash of the file; delete the indicator instead'));
    if (problems.length > 0) refuse(problems);
    for (const name of [...VALUE_INPUT_KEYS, 'mode', 'observations', 'falsePositiveFlag']) delete values[name];
    if (changed) {
      const next = describeValue(type, slots);
      const before = describeValue(type, Object.fromEntries(SLOTS.map((s) => [s, existing[s] as string | null])));
      await releaseIndicatorValues(ctx.db, id, before.addressing.filter((v) => !next.addressing.includes(v)));
      const holders = await claimIndicatorValues(ctx.db, ctx.ownerId, type.name, next.addressing.filter((v) => !before.addressing.includes(v)), id);
      if (holders.length > 0) throw new CairnError('conflict', `A hash sent belongs to another file (id ${holders.join(', ')}).`);
      Object.assign(values, { value1: next.value1, value2: next.value2, value3: next.value3, summary: next.summary });
    }
    await afterWrite(ctx.db, id, { type, addressing: [], observations, falsePositive }, ctx);
  },

  beforeRemove: (row, ctx) => recordIndicatorDeletion(ctx.db, row, ctx.now),
});
