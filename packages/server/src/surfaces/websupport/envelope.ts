/** Websupport envelopes: bare objects, `{items, pager}` lists, `{"code":…,"message":…}` failures. */
import { Type, type TSchema } from 'typebox';

export const WebsupportFailure = Type.Object({
  code: Type.Integer(),
  message: Type.String({ description: 'In the language Accept-Language picks (en_us, sk, cs_cz, hu)' }),
  errors: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Validation messages by field' })),
}, { additionalProperties: false, description: 'Failure' });

/** A list answer: `{"items":[…],"pager":{"page","pagesize","items"}}`. */
export function websupportList(item: TSchema): TSchema {
  return Type.Object({
    items: Type.Array(item),
    pager: Type.Object({ page: Type.Integer(), pagesize: Type.Union([Type.Integer(), Type.Null()]), items: Type.Integer({ description: 'All items, whatever the page' }) }),
  });
}

/** The Websupport failure answers of a route, by status. */
export function websupportFailures(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, WebsupportFailure]));
}
