/**
 * The TQL compiler, beside the declarations it reads (tql/ parses and knows no resource): compiles
 * a TQL AST to a parameterised SQL condition through Kysely's `sql` template. Every keyword,
 * column and table comes from a resource declaration; user text only ever becomes a bound
 * parameter. String matching (CONTAINS, STARTSWITH, ENDSWITH, LIKE) compares lower-cased
 * on both dialects (SQLite's lower() is replaced by a Unicode one in store/database.ts), so SQLite
 * and PostgreSQL return the same rows. Where the dialect's LIKE already ignores ASCII case (SQLite)
 * and the pattern is ASCII, the column is matched as it is: the same rows, and no function call
 * per row scanned.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { ASCII_ONLY, toStoredTime } from '../../store/database.js';
import type { TqlNode, TqlOperator, TqlValue } from '../../tql/ast.js';
import { parseTqlDate } from '../../tql/dates.js';
import { TqlError } from '../../tql/errors.js';
import { keywordKey } from '../define.js';
import type { NestedQuery, ResourceDefinition, TqlKeyword } from '../types.js';
import { ownerCondition } from './owners.js';

export interface TqlScope {
  resource: ResourceDefinition;
  /** Looks up another resource for `has…()` sub-queries. */
  resourceNamed(name: string): ResourceDefinition;
  /** Owners whose rows a sub-query may reach. */
  ownerIds: readonly number[];
  now: Date;
  /** The dialect's LIKE ignores the case of ASCII letters (SQLite), so an ASCII pattern needs no lower(). */
  likeIgnoresAsciiCase?: boolean;
  /**
   * The dialect's LIKE takes a backslash as its escape character unless told otherwise (PostgreSQL).
   * TQL's LIKE has no escape character, as on SQLite: the pattern says `escape ''` there.
   */
  backslashEscapesLike?: boolean;
}

type Condition = RawBuilder<SqlBool>;

function findNested(resource: ResourceDefinition, keyword: string): NestedQuery | undefined {
  const wanted = keywordKey(keyword);
  return resource.nested?.find((n) => keywordKey(n.keyword) === wanted) ?? resource.everyNested?.find((n) => keywordKey(n.keyword) === wanted);
}

/** The positive operator a negated one tests under NOT (for keywords on values a row has many of). */
const POSITIVE: Partial<Record<TqlOperator, TqlOperator>> = {
  NE: 'EQ', 'NOT IN': 'IN', 'NOT LIKE': 'LIKE', 'NOT CONTAINS': 'CONTAINS', 'NOT STARTSWITH': 'STARTSWITH', 'NOT ENDSWITH': 'ENDSWITH',
};

export function compileTql(node: TqlNode, scope: TqlScope): Condition {
  return new TqlCompiler(scope).compile(node, scope.resource, 't0', 0);
}

class TqlCompiler {
  constructor(private readonly scope: TqlScope) {}

  compile(node: TqlNode, resource: ResourceDefinition, alias: string, depth: number): Condition {
    switch (node.kind) {
      case 'and':
      case 'or': {
        const parts = node.terms.map((t) => this.compile(t, resource, alias, depth));
        return sql<SqlBool>`(${sql.join(parts, sql.raw(node.kind === 'and' ? ' and ' : ' or '))})`;
      }
      case 'not':
        return sql<SqlBool>`not (${this.compile(node.operand, resource, alias, depth)})`;
      case 'isNull': {
        const { keyword, ref } = this.column(resource, node.keyword, node.keywordPosition, alias);
        if (keyword.anyOf) {
          // "tag IS NULL": no value at all; "tag IS NOT NULL": at least one.
          const some = keyword.anyOf(alias, (value) => sql<SqlBool>`${value} is not null`, this.scope.ownerIds);
          return node.negated ? some : sql<SqlBool>`not (${some})`;
        }
        return node.negated ? sql<SqlBool>`${ref} is not null` : sql<SqlBool>`${ref} is null`;
      }
      case 'nested':
        return this.nested(node.keyword, node.keywordPosition, node.query, resource, alias, depth);
      case 'predicate':
        return this.predicate(resource, alias, node.keyword, node.keywordPosition, node.op, node.value);
    }
  }

  /** The keyword and what it compares: its column, or its expression over the row (`anyOf` keywords have no single value). */
  private column(resource: ResourceDefinition, keyword: string, position: number, alias: string): { keyword: TqlKeyword; ref: RawBuilder<unknown> } {
    const found = resource.tqlByKey.get(keywordKey(keyword));
    if (!found) {
      const hint = findNested(resource, keyword) ? ` "${keyword}" is a sub-query: write ${keyword}(…).` : '';
      throw new TqlError(`Unknown keyword "${keyword}" at position ${position + 1} for ${resource.name}.${hint} See OPTIONS /v3/${resource.name}/tql for the keywords.`, position);
    }
    const ref = found.column !== undefined ? sql.ref(`${alias}.${found.column}`) : found.expression ? sql`(${found.expression(alias)})` : sql`null`;
    return { keyword: found, ref };
  }

  private nested(keyword: string, position: number, query: TqlNode, resource: ResourceDefinition, outer: string, depth: number): Condition {
    const nested = findNested(resource, keyword);
    if (!nested) {
      const unsupported = resource.unsupportedNested?.find((u) => keywordKey(u.keyword) === keywordKey(keyword));
      if (unsupported) throw new TqlError(`The sub-query "${keyword}" at position ${position + 1} is not supported on ${resource.name}: ${unsupported.reason}`, position);
      const known = [...(resource.nested ?? []), ...(resource.everyNested ?? [])].map((n) => n.keyword).join(', ') || 'none';
      throw new TqlError(`Unknown sub-query "${keyword}" at position ${position + 1} for ${resource.name}; known: ${known}.`, position);
    }
    const target = this.scope.resourceNamed(nested.target);
    const inner = `t${depth + 1}`;
    const condition = this.compile(query, target, inner, depth + 1);
    const owned = ownerCondition(target, inner, this.scope.ownerIds);
    const { link } = nested;
    // `outer.col IN (select … )` rather than a correlated EXISTS: the sub-query runs once and the
    // outer side can use its index (tasks.case_id for hasCase(id = 5)). The NULL guard keeps
    // NOT has…() true for rows without a link, as NOT EXISTS would be.
    const outerColumn = sql.ref(`${outer}.${link.outerColumn}`);
    if (nested.every && link.via) {
      // Every target row (in the outer row's owner) that the inner query matches is linked, and there is one.
      const via = `v${depth + 1}`;
      const sameOwner = target.ownerColumn && resource.ownerColumn ? sql<SqlBool>`${sql.ref(`${inner}.${target.ownerColumn}`)} = ${sql.ref(`${outer}.${resource.ownerColumn}`)}` : sql<SqlBool>`1 = 1`;
      const linked = sql<SqlBool>`${sql.ref(`${inner}.${link.innerColumn}`)} in (select ${sql.ref(`${via}.${link.via.innerColumn}`)} from ${sql.table(link.via.table)} as ${sql.raw(via)} where ${sql.ref(`${via}.${link.via.outerColumn}`)} = ${outerColumn})`;
      const matching = sql`from ${sql.table(target.table)} as ${sql.raw(inner)} where ${owned} and ${sameOwner} and ${condition}`;
      return sql<SqlBool>`(exists (select 1 ${matching}) and not exists (select 1 ${matching} and not (${linked})))`;
    }
    if (link.via) {
      const via = `v${depth + 1}`;
      const linkedThrough = (outerSide: string, innerSide: string) =>
        sql<SqlBool>`${outerColumn} in (select ${sql.ref(`${via}.${outerSide}`)} from ${sql.table(link.via!.table)} as ${sql.raw(via)} join ${sql.table(target.table)} as ${sql.raw(inner)} on ${sql.ref(`${inner}.${link.innerColumn}`)} = ${sql.ref(`${via}.${innerSide}`)} where ${owned} and ${condition})`;
      const forward = linkedThrough(link.via.outerColumn, link.via.innerColumn);
      // A relation stored once in either order (indicator ↔ indicator): the outer row may be on either side.
      if (link.via.bothWays) return sql<SqlBool>`(${outerColumn} is not null and (${forward} or ${linkedThrough(link.via.innerColumn, link.via.outerColumn)}))`;
      return sql<SqlBool>`(${outerColumn} is not null and ${forward})`;
    }
    // The linked column may be NULL on the inner side (a case-level note has no task_id); a NULL in
    // the set would turn `x in (…)` into NULL for every non-member and break NOT has…().
    const innerColumn = sql.ref(`${inner}.${link.innerColumn}`);
    return sql<SqlBool>`(${outerColumn} is not null and ${outerColumn} in (select ${innerColumn} from ${sql.table(target.table)} as ${sql.raw(inner)} where ${innerColumn} is not null and ${owned} and ${condition}))`;
  }

  private predicate(resource: ResourceDefinition, alias: string, keyword: string, position: number, op: TqlOperator, value: TqlValue): Condition {
    const found = this.column(resource, keyword, position, alias);
    const many = found.keyword.anyOf;
    if (many) {
      // A value the row has many of (a case's tag names): "tag = x" when any is x; "tag != x" when none is.
      const positive = POSITIVE[op];
      const some = many(alias, (ref) => this.comparison(found.keyword, ref, position, positive ?? op, value), this.scope.ownerIds);
      return positive ? sql<SqlBool>`not (${some})` : some;
    }
    return this.comparison(found.keyword, found.ref, position, op, value);
  }

  /** `ref op value` for the keyword's type: values bound, case folded where the type says so. */
  private comparison(kw: TqlKeyword, ref: RawBuilder<unknown>, position: number, op: TqlOperator, value: TqlValue): Condition {
    const items = value.kind === 'list' ? value.items : [value];
    const scalars = () => {
      if (value.kind === 'list') throw new TqlError(`${kw.keyword} ${op} takes one value, not a list (position ${value.position + 1}).`, value.position);
      return this.coerce(kw, value);
    };
    const textual = kw.type === 'String' || kw.type === 'StringLower' || kw.type === 'Enum';
    const lowered = sql`lower(${ref})`;
    // Whole numbers are bound as BIGINT: TQL takes up to 15 digits, and PostgreSQL would reject a
    // value beyond the int4 range of an INTEGER column instead of comparing it.
    const integral = kw.type === 'Integer' || kw.type === 'BigInteger';
    const bind = (v: string | number) => (integral ? sql`cast(${v} as bigint)` : sql`${v}`);
    switch (op) {
      case 'EQ':
      case 'NE':
      case 'GT':
      case 'LT':
      case 'GEQ':
      case 'LEQ': {
        const operator = { EQ: '=', NE: '<>', GT: '>', LT: '<', GEQ: '>=', LEQ: '<=' }[op];
        const bound = scalars();
        if (kw.type === 'StringLower') return sql<SqlBool>`${lowered} ${sql.raw(operator)} lower(${bound})`;
        return sql<SqlBool>`${ref} ${sql.raw(operator)} ${bind(bound)}`;
      }
      case 'IN':
      case 'NOT IN': {
        const values = items.map((item) => this.coerce(kw, item));
        const target = kw.type === 'StringLower' ? lowered : ref;
        const list = sql.join(values.map((v) => (kw.type === 'StringLower' ? sql`lower(${v})` : bind(v))));
        return op === 'IN' ? sql<SqlBool>`${target} in (${list})` : sql<SqlBool>`${target} not in (${list})`;
      }
      default: {
        if (!textual) throw new TqlError(`${op} works on text keywords; ${kw.keyword} is ${kw.type} (position ${position + 1}).`, position);
        const negated = op.startsWith('NOT ');
        const kind = negated ? op.slice(4) : op;
        const patterns = items.map((item) => {
          if (item.kind !== 'string' && item.kind !== 'number') throw new TqlError(`${op} needs text at position ${item.position + 1}.`, item.position);
          const text = item.kind === 'string' ? item.value : item.raw;
          const plain = this.scope.likeIgnoresAsciiCase === true && ASCII_ONLY.test(text);
          if (kind === 'LIKE') {
            if (plain) return sql<SqlBool>`${ref} like ${text}`;
            return this.scope.backslashEscapesLike === true ? sql<SqlBool>`${lowered} like lower(${text}) escape ''` : sql<SqlBool>`${lowered} like lower(${text})`;
          }
          const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
          const pattern = kind === 'CONTAINS' ? `%${escaped}%` : kind === 'STARTSWITH' ? `${escaped}%` : `%${escaped}`;
          return plain ? sql<SqlBool>`${ref} like ${pattern} escape '\\'` : sql<SqlBool>`${lowered} like lower(${pattern}) escape '\\'`;
        });
        const any = patterns.length === 1 ? patterns[0]! : sql<SqlBool>`(${sql.join(patterns, sql.raw(' or '))})`;
        return negated ? sql<SqlBool>`(${ref} is null or not (${any}))` : any;
      }
    }
  }

  /** A TQL value as the bound parameter the keyword's column compares against. */
  private coerce(kw: TqlKeyword, value: TqlValue): string | number {
    const at = ` at position ${value.position + 1}`;
    switch (kw.type) {
      case 'Integer':
      case 'BigInteger': {
        const text = value.kind === 'number' ? value.raw : value.kind === 'string' ? value.value.trim() : '';
        if (!/^-?\d{1,15}$/.test(text)) throw new TqlError(`${kw.keyword} takes a whole number; got ${describe(value)}${at}.`, value.position);
        return Number(text);
      }
      case 'Boolean': {
        if (value.kind === 'boolean') return value.value ? 1 : 0;
        const text = value.kind === 'string' ? value.value.toLowerCase() : value.kind === 'number' ? value.raw : '';
        if (text === 'true' || text === '1') return 1;
        if (text === 'false' || text === '0') return 0;
        throw new TqlError(`${kw.keyword} takes true or false; got ${describe(value)}${at}.`, value.position);
      }
      case 'Date': {
        if (value.kind !== 'string') throw new TqlError(`${kw.keyword} takes a quoted date such as "2023-02-01" or "NOW() - 1 DAY"; got ${describe(value)}${at}.`, value.position);
        try {
          return toStoredTime(parseTqlDate(value.value, this.scope.now));
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new TqlError(`${reason.replace(/\.$/, '')} (${kw.keyword}${at}).`, value.position);
        }
      }
      case 'Enum': {
        const text = value.kind === 'string' ? value.value : value.kind === 'number' ? value.raw : String(value.kind === 'boolean' ? value.value : '');
        const match = kw.allowableValues?.find((v) => v.toLowerCase() === text.toLowerCase());
        if (kw.allowableValues && !match) throw new TqlError(`${kw.keyword} is one of ${kw.allowableValues.map((v) => `"${v}"`).join(', ')}; got ${describe(value)}${at}.`, value.position);
        return match ?? text;
      }
      default: {
        if (value.kind === 'string') return value.value;
        if (value.kind === 'number') return value.raw;
        if (value.kind === 'boolean') return String(value.value);
        throw new TqlError(`${kw.keyword} takes one value${at}.`, value.position);
      }
    }
  }
}

function describe(value: TqlValue): string {
  switch (value.kind) {
    case 'string': return `"${value.value.slice(0, 40)}"`;
    case 'number': return value.raw;
    case 'boolean': return String(value.value);
    case 'list': return 'a list';
  }
}
