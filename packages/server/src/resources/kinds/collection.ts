/**
 * A nested collection (a case's tasks, tags): written as {"data":[…],"mode":"append|replace|delete"}
 * (or a bare array), shown as {"data":[…]} with `fields=`. Its items are another resource's, so
 * the engine reads and writes them; this kind only describes the wrapper.
 */
import { described, type FieldKindHandler } from './kind.js';

export const collectionKind: FieldKindHandler = {
  write: 'collection',
  render: () => undefined,
  schemaOf(def) {
    // {"data":[…],"mode":…}, or the bare array.
    const items = { type: 'object' };
    return described(def, {
      type: ['object', 'array'], items, maxItems: 1000,
      properties: { data: { type: 'array', items, maxItems: 1000 }, mode: { type: 'string', examples: ['append', 'replace', 'delete'] } },
    });
  },
};
