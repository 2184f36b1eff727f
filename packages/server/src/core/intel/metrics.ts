/**
 * Owner metrics (`GET /v2/owners/{id}/metrics`): one row per day for the last 30 days, computed
 * from the intelligence tables of one owner, never stored. Each figure is what the owner held at
 * the end of that day (UTC): rows added by then and not yet deleted (indicators deleted later are
 * counted back in from `deleted_indicators`), observations and false positives reported by then.
 *
 * The work is a handful of aggregate statements grouped by day (each bounded by the owner's
 * index), cumulated in memory over at most a few thousand (day, type) rows.
 */
import { sql, type Kysely } from 'kysely';

/** Days a metrics answer covers, today included. */
export const METRIC_DAYS = 30;

/** Indicator types with a `total…` figure of their own, as the metrics name them. */
const INDICATOR_TOTALS: Record<string, string> = { Host: 'totalHost', Address: 'totalAddress', EmailAddress: 'totalEmailAddress', File: 'totalFile', URL: 'totalUrl' };
/** Group types with a `total…` figure of their own. */
const GROUP_TOTALS: Record<string, string> = { Threat: 'totalThreat', Incident: 'totalIncident', Email: 'totalEmail', Campaign: 'totalCampaign', Adversary: 'totalAdversary', Signature: 'totalSignature', Task: 'totalTask', Document: 'totalDocument' };
const OBSERVATION_TOTALS: Record<string, string> = { Address: 'totalObservationAddress', EmailAddress: 'totalObservationEmailAddress', File: 'totalObservationFile', Host: 'totalObservationHost', URL: 'totalObservationUrl' };

/** One day of an owner's metrics, in the order the v2 answer shows them. */
export type OwnerMetric = {
  metricDate: string;
  totalIndicator: number; totalHost: number; totalAddress: number; totalEmailAddress: number; totalFile: number; totalUrl: number;
  totalGroup: number; totalThreat: number; totalIncident: number; totalEmail: number; totalCampaign: number; totalAdversary: number;
  totalSignature: number; totalTask: number; totalDocument: number;
  totalTag: number; totalTrack: number; totalResult: number;
  totalIndicatorAttribute: number; totalGroupAttribute: number;
  averageIndicatorRating: number; averageIndicatorConfidence: number;
  totalEnrichedIndicator: number; totalGroupIndicator: number;
  totalObservationDaily: number; totalObservationIndicator: number;
  totalObservationAddress: number; totalObservationEmailAddress: number; totalObservationFile: number; totalObservationHost: number; totalObservationUrl: number;
  totalFalsePositiveDaily: number; totalFalsePositive: number;
};

function emptyMetric(metricDate: string): OwnerMetric {
  return {
    metricDate,
    totalIndicator: 0, totalHost: 0, totalAddress: 0, totalEmailAddress: 0, totalFile: 0, totalUrl: 0,
    totalGroup: 0, totalThreat: 0, totalIncident: 0, totalEmail: 0, totalCampaign: 0, totalAdversary: 0,
    totalSignature: 0, totalTask: 0, totalDocument: 0,
    totalTag: 0, totalTrack: 0, totalResult: 0,
    totalIndicatorAttribute: 0, totalGroupAttribute: 0,
    averageIndicatorRating: 0, averageIndicatorConfidence: 0,
    totalEnrichedIndicator: 0, totalGroupIndicator: 0,
    totalObservationDaily: 0, totalObservationIndicator: 0,
    totalObservationAddress: 0, totalObservationEmailAddress: 0, totalObservationFile: 0, totalObservationHost: 0, totalObservationUrl: 0,
    totalFalsePositiveDaily: 0, totalFalsePositive: 0,
  };
}

/** `YYYY-MM-DD` of a Unix time in seconds (UTC). */
export const utcDay = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString().slice(0, 10);

/** The `METRIC_DAYS` days ending with `today`, oldest first. */
function windowDays(today: string): string[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: METRIC_DAYS }, (_, i) => new Date(end - (METRIC_DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/** The day (`YYYY-MM-DD`) of a stored ISO timestamp column. */
const day = (column: string) => sql<string>`substr(${sql.ref(column)}, 1, 10)`;
const n = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));

/** A figure that grows by `amount` on `on`: added to every window day from `on`, and before `until` when it stops counting then. */
type Step = { on: string; until?: string; amount: number };

/** Cumulative sums over the window of steps keyed by figure name. */
class Cumulation {
  readonly #steps = new Map<string, Step[]>();
  add(figure: string, step: Step): void {
    let steps = this.#steps.get(figure);
    if (!steps) this.#steps.set(figure, (steps = []));
    steps.push(step);
  }
  /** The figure at the end of `date`. */
  at(figure: string, date: string): number {
    let total = 0;
    for (const step of this.#steps.get(figure) ?? []) if (step.on <= date && (step.until === undefined || step.until > date)) total += step.amount;
    return total;
  }
}

/** An owner's metrics for the 30 days ending `today` (`YYYY-MM-DD`), oldest first. */
export async function ownerMetrics(db: Kysely<any>, ownerId: number, today: string): Promise<OwnerMetric[]> {
  const days = windowDays(today);
  const cumulative = new Cumulation();
  const daily = new Map<string, number>();

  // Indicators still held, by day added and type, with what the averages need.
  const indicators = await db.selectFrom('indicators').where('owner_id', '=', ownerId)
    .select([day('date_added').as('d'), 'type', sql<number>`count(*)`.as('n'),
      sql<number>`sum(rating)`.as('rating_sum'), sql<number>`count(rating)`.as('rating_n'),
      sql<number>`sum(confidence)`.as('confidence_sum'), sql<number>`count(confidence)`.as('confidence_n')])
    .groupBy([day('date_added'), 'type']).execute();
  for (const row of indicators) {
    const step = { on: String(row.d), amount: n(row.n) };
    cumulative.add('totalIndicator', step);
    const own = INDICATOR_TOTALS[String(row.type)];
    if (own) cumulative.add(own, step);
    cumulative.add('ratingSum', { on: String(row.d), amount: n(row.rating_sum) });
    cumulative.add('ratingN', { on: String(row.d), amount: n(row.rating_n) });
    cumulative.add('confidenceSum', { on: String(row.d), amount: n(row.confidence_sum) });
    cumulative.add('confidenceN', { on: String(row.d), amount: n(row.confidence_n) });
  }
  // Indicators deleted since: held from the day they were added until the day they were deleted.
  const deleted = await db.selectFrom('deleted_indicators').where('owner_id', '=', ownerId)
    .select([day('date_added').as('d'), day('date_deleted').as('gone'), 'type', sql<number>`count(*)`.as('n')])
    .groupBy([day('date_added'), day('date_deleted'), 'type']).execute();
  for (const row of deleted) {
    const step = { on: String(row.d), until: String(row.gone), amount: n(row.n) };
    cumulative.add('totalIndicator', step);
    const own = INDICATOR_TOTALS[String(row.type)];
    if (own) cumulative.add(own, step);
  }

  const groups = await db.selectFrom('groups').where('owner_id', '=', ownerId)
    .select([day('date_added').as('d'), 'type', sql<number>`count(*)`.as('n')]).groupBy([day('date_added'), 'type']).execute();
  for (const row of groups) {
    const step = { on: String(row.d), amount: n(row.n) };
    cumulative.add('totalGroup', step);
    const own = GROUP_TOTALS[String(row.type)];
    if (own) cumulative.add(own, step);
  }

  const byDay = async (table: string, figure: string) => {
    const rows = await db.selectFrom(table).where('owner_id', '=', ownerId)
      .select([day('date_added').as('d'), sql<number>`count(*)`.as('n')]).groupBy(day('date_added')).execute();
    for (const row of rows) cumulative.add(figure, { on: String(row.d), amount: n(row.n) });
  };
  await byDay('tags', 'totalTag');
  await byDay('indicator_attributes', 'totalIndicatorAttribute');
  await byDay('group_attributes', 'totalGroupAttribute');

  // Indicators associated with a group, counted from the day the indicator was added.
  const grouped = await db.selectFrom('indicators as i').where('i.owner_id', '=', ownerId)
    .where((eb) => eb.exists(eb.selectFrom('indicator_groups as ig').select(sql`1`.as('one')).whereRef('ig.indicator_id', '=', 'i.id')))
    .select([day('i.date_added').as('d'), sql<number>`count(*)`.as('n')]).groupBy(day('i.date_added')).execute();
  for (const row of grouped) cumulative.add('totalGroupIndicator', { on: String(row.d), amount: n(row.n) });

  // Observations: the count reported per day, and the indicators observed by then (from each one's first observation).
  const observedDaily = await db.selectFrom('indicator_observations as o').innerJoin('indicators as i', 'i.id', 'o.indicator_id').where('i.owner_id', '=', ownerId)
    .select([day('o.date_observed').as('d'), sql<number>`sum(o.count)`.as('n')]).groupBy(day('o.date_observed')).execute();
  for (const row of observedDaily) daily.set(`obs:${String(row.d)}`, n(row.n));
  const firstObserved = await db.selectFrom((eb) => eb.selectFrom('indicator_observations as o').innerJoin('indicators as i', 'i.id', 'o.indicator_id')
    .where('i.owner_id', '=', ownerId).select(['i.type as type', sql<string>`min(substr(o.date_observed, 1, 10))`.as('first')]).groupBy(['o.indicator_id', 'i.type']).as('f'))
    .select(['f.type', 'f.first', sql<number>`count(*)`.as('n')]).groupBy(['f.type', 'f.first']).execute();
  for (const row of firstObserved) {
    const step = { on: String(row.first), amount: n(row.n) };
    cumulative.add('totalObservationIndicator', step);
    const own = OBSERVATION_TOTALS[String(row.type)];
    if (own) cumulative.add(own, step);
  }

  const falsePositives = await db.selectFrom('indicator_false_positives as f').innerJoin('indicators as i', 'i.id', 'f.indicator_id').where('i.owner_id', '=', ownerId)
    .select(['f.day as d', sql<number>`count(*)`.as('n')]).groupBy('f.day').execute();
  for (const row of falsePositives) {
    cumulative.add('totalFalsePositive', { on: String(row.d), amount: n(row.n) });
    daily.set(`fp:${String(row.d)}`, n(row.n));
  }

  return days.map((date) => {
    const metric = emptyMetric(date);
    for (const key of Object.keys(metric) as (keyof OwnerMetric)[]) {
      if (key === 'metricDate' || key.startsWith('average') || key.endsWith('Daily')) continue;
      (metric as unknown as Record<string, number>)[key] = cumulative.at(key, date);
    }
    const ratings = cumulative.at('ratingN', date);
    const confidences = cumulative.at('confidenceN', date);
    metric.averageIndicatorRating = ratings === 0 ? 0 : round2(cumulative.at('ratingSum', date) / ratings);
    metric.averageIndicatorConfidence = confidences === 0 ? 0 : round2(cumulative.at('confidenceSum', date) / confidences);
    metric.totalObservationDaily = daily.get(`obs:${date}`) ?? 0;
    metric.totalFalsePositiveDaily = daily.get(`fp:${date}`) ?? 0;
    return metric;
  });
}

const round2 = (value: number) => Math.round(value * 100) / 100;
