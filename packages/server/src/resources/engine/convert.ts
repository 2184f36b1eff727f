/** Body values → column values through the fields' kinds, and the validation errors they raise. */
import { CairnError, type FieldProblem } from '../../core/errors.js';
import { kindOf, type ConvertContext, type Converted } from '../kinds/index.js';
import type { FieldDefinition, ResourceDefinition } from '../types.js';
import type { Row } from './context.js';

export function problem(field: string, message: string): FieldProblem {
  return { field, message };
}

/**
 * Validates one plain field (`name` is its path in the body) and writes its column value; a
 * promise only when the field's kind looks something up (an assignee), so plain fields cost no
 * turn of the event loop.
 */
export function convertField(def: FieldDefinition, value: unknown, name: string, values: Row, problems: FieldProblem[], ctx: ConvertContext): Promise<void> | undefined {
  const column = def.column!;
  const kind = kindOf(def.kind);
  if (value === null) {
    // null clears a field: back to its default where it has one (a task's status), refused where
    // the column always holds a value (a flag), NULL otherwise.
    if (def.required) problems.push(problem(name, 'is required and cannot be null'));
    else if (def.defaultValue !== undefined && kind.convert) return convertField(def, def.defaultValue, name, values, problems, ctx);
    else if (kind.refusesNull) problems.push(problem(name, kind.refusesNull));
    else values[column] = null;
    return undefined;
  }
  if (kind.write !== 'column' || !kind.convert) return void problems.push(problem(name, 'cannot be set'));
  const converted = kind.convert(def, value, ctx);
  if (converted instanceof Promise) return converted.then((looked: Converted) => take(looked, name, column, values, problems));
  take(converted, name, column, values, problems);
  return undefined;
}

function take(converted: Converted, name: string, column: string, values: Row, problems: FieldProblem[]): void {
  if ('problem' in converted) problems.push(problem(name, converted.problem));
  else values[column] = converted.value;
}

export function requireObject(body: unknown): Row {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new CairnError('validation', 'The request body must be a JSON object.');
  }
  return body as Row;
}

export function fieldError(problems: FieldProblem[], resource: ResourceDefinition): CairnError {
  const missing = problems.every((p) => p.message.startsWith('is required'));
  const summary = problems.slice(0, 10).map((p) => `${p.field} ${p.message}`).join('; ');
  // `IndicatorAttribute` → `indicator attribute`.
  const itemName = resource.itemType.replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase();
  return new CairnError(missing ? 'missing-data' : 'validation', `Invalid ${itemName}: ${summary}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}.`, { fields: problems });
}
