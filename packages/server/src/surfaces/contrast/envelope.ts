/** Contrast envelopes: every answer carries `success` and `messages`; failures add `errors`. */
import { Type, type Static, type TObject, type TProperties, type TSchema } from 'typebox';

export const ContrastFailure = Type.Object({
  success: Type.Literal(false),
  messages: Type.Array(Type.String()),
  errors: Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
}, { additionalProperties: false, description: 'Failure' });
export type ContrastFailureBody = Static<typeof ContrastFailure>;

/** A success answer: `{"success":true,"messages":[…], …properties}`. */
export function contrastSuccess<P extends TProperties>(properties: P): TObject {
  return Type.Object({ success: Type.Literal(true), messages: Type.Array(Type.String()), ...properties });
}

/** The Contrast failure answers of a route, by status. */
export function contrastFailures(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ContrastFailure]));
}
