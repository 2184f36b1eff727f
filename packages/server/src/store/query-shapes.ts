/**
 * Statements compiled once per query shape. Kysely builds the statement (types, both dialects);
 * building and compiling the same page query on every request cost about as much as running it.
 * A shape is compiled the first time its key is seen, with slots where the per-request values go
 * (a page's limit and offset, an id); later requests bind their values into the cached compiled
 * query and execute it as it is (`db.executeQuery`). Everything else in a compiled query (columns,
 * tables, the TQL's own bound values, the owner ids) is part of its key, so a key names exactly
 * one SQL text and one set of fixed parameters. User text still only ever becomes a parameter.
 */
import { sql, type Compilable, type CompiledQuery, type RawBuilder } from 'kysely';
import { LRUCache } from 'lru-cache';

/** Shapes kept per engine (most recently used): a page, an item look-up or a user look-up each. */
export const QUERY_SHAPE_CACHE_SIZE = 500;

/** A parameter bound per execution: compiled as a placeholder, found again by identity. */
class Slot {
  constructor(readonly name: string) {}
}

/** A placeholder for the value bound under `name` each time the shape runs. */
export function slot<T>(name: string): RawBuilder<T> {
  return sql<T>`${new Slot(name)}`;
}

/** What building a shape gives: the query, and whether it may be reused (false when it read the clock). */
export interface BuiltShape { query: Compilable; reusable: boolean }

/** A compiled query and where its slots are among its parameters, found once when it is compiled. */
interface CompiledShape {
  query: CompiledQuery;
  /** Parameter index and slot name of each slot, in parameter order; empty when nothing is bound per run. */
  slots: readonly (readonly [index: number, name: string])[];
}

export class QueryShapes {
  readonly #compiled = new LRUCache<string, CompiledShape>({ max: QUERY_SHAPE_CACHE_SIZE });

  get size(): number {
    return this.#compiled.size;
  }

  /** The compiled query of `key` (from `build` the first time), its slots bound from `values`. */
  compiled(key: string, build: () => BuiltShape, values: Readonly<Record<string, unknown>> = {}): CompiledQuery {
    let shape = this.#compiled.get(key);
    if (shape === undefined) {
      const built = build();
      shape = shapeOf(built.query.compile());
      if (built.reusable) this.#compiled.set(key, shape);
    }
    return bindSlots(shape, values);
  }
}

function shapeOf(query: CompiledQuery): CompiledShape {
  const slots: [number, string][] = [];
  query.parameters.forEach((parameter, index) => {
    if (parameter instanceof Slot) slots.push([index, parameter.name]);
  });
  return { query, slots };
}

function bindSlots({ query, slots }: CompiledShape, values: Readonly<Record<string, unknown>>): CompiledQuery {
  if (slots.length === 0) return query;
  const parameters = query.parameters.slice();
  for (const [index, name] of slots) {
    if (!Object.hasOwn(values, name)) throw new Error(`No value for the query slot "${name}".`);
    parameters[index] = values[name];
  }
  return { query: query.query, queryId: query.queryId, sql: query.sql, parameters };
}
