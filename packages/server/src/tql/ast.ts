/**
 * The TQL (ThreatConnect Query Language) syntax tree produced by `parseTql` and printed by `formatTql`.
 * Positions are 0-based character offsets into the query text.
 */

export type TqlOperator =
  | 'EQ' | 'NE' | 'GT' | 'LT' | 'GEQ' | 'LEQ'
  | 'IN' | 'NOT IN'
  | 'LIKE' | 'NOT LIKE'
  | 'CONTAINS' | 'NOT CONTAINS'
  | 'STARTSWITH' | 'NOT STARTSWITH'
  | 'ENDSWITH' | 'NOT ENDSWITH';

export type TqlValue =
  | { kind: 'string'; value: string; position: number }
  | { kind: 'number'; value: number; raw: string; position: number }
  | { kind: 'boolean'; value: boolean; position: number }
  | { kind: 'list'; items: TqlValue[]; position: number }; // items are never lists

export type TqlNode =
  | { kind: 'and'; terms: TqlNode[] } // >= 2 terms; an unparenthesised chain is one node
  | { kind: 'or'; terms: TqlNode[] } // >= 2 terms; an unparenthesised chain is one node
  | { kind: 'not'; operand: TqlNode }
  | { kind: 'predicate'; keyword: string; keywordPosition: number; op: TqlOperator; value: TqlValue }
  | { kind: 'isNull'; keyword: string; keywordPosition: number; negated: boolean }
  | { kind: 'nested'; keyword: string; keywordPosition: number; query: TqlNode };

export interface TqlLimits {
  /** Maximum query length in characters (UTF-16 code units). */
  maxLength: number;
  /** Maximum number of nested '(' groups and has…() sub-queries. */
  maxDepth: number;
  /** Maximum number of items in one value list. */
  maxListItems: number;
  /** Maximum number of conditions (predicates, IS NULL tests and has…() sub-queries). */
  maxTerms: number;
}

export const DEFAULT_TQL_LIMITS: TqlLimits = { maxLength: 8192, maxDepth: 16, maxListItems: 1000, maxTerms: 256 };

/** Every operator, in canonical order. */
export const TQL_OPERATORS: readonly TqlOperator[] = [
  'EQ', 'NE', 'GT', 'LT', 'GEQ', 'LEQ',
  'IN', 'NOT IN', 'LIKE', 'NOT LIKE', 'CONTAINS', 'NOT CONTAINS',
  'STARTSWITH', 'NOT STARTSWITH', 'ENDSWITH', 'NOT ENDSWITH',
];
