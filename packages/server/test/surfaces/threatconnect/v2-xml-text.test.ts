/**
 * The v2 XML writer gives, byte for byte, what envelope.ts's builder gives for the same answer built
 * as an object tree (v2XmlOf: the JSON renamed by the one rule), on any JSON items: nested objects,
 * arrays, owners with their xsi:type, keys that are no XML names, text that needs escaping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { XMLBuilder } from 'fast-xml-parser';
import { xmlData } from '../../../src/surfaces/threatconnect/envelope.js';
import { v2XmlOf } from '../../../src/surfaces/threatconnect/v2/intel-render.js';
import { v2XmlEnvelope, v2XmlName, v2XmlSuccess } from '../../../src/surfaces/threatconnect/v2/xml-text.js';

// The options of envelope.ts's builder.
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: ' ', suppressEmptyNode: false, processEntities: true });
type Json = Record<string, unknown>;

/** The answer as the generic builder writes it. */
function built(root: string, dataType: string, resultCount: number | undefined, itemName: string, items: Json[]): string {
  const content: Json = {};
  if (resultCount !== undefined) content.ResultCount = resultCount;
  content[itemName] = items.map(v2XmlOf);
  return builder.build({ [root]: { Status: 'Success', Data: xmlData(dataType, content) } });
}

const key = fc.oneof(fc.stringMatching(/^[a-z][A-Za-z0-9]{0,8}$/), fc.constantFrom('md5', 'sha1', 'sha256', 'AS Number', 'Key Name', 'owner', 'tag', 'type'));
const scalar = fc.oneof(fc.string({ maxLength: 20, unit: 'binary' }), fc.integer(), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('a & b < c > d " e \' f', 'http://x/?a=1&b=2'));
const { item } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, scalar, fc.array(tie('item'), { maxLength: 3 }), tie('item'),
    fc.record({ id: fc.integer(), name: fc.string({ maxLength: 10 }), type: fc.constantFrom('Organization', 'Community') })),
  item: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
}));

describe('v2 XML text', () => {
  it('writes a list envelope as the builder does', () => {
    const items = [
      { id: 1, owner: { id: 0, name: 'A & B', type: 'Organization' }, summary: 'x<y>"z"', 'AS Number': 'ASN1', md5: 'ab', tag: [{ name: 'APT' }, { name: 'b' }] },
      { id: 2, rating: 4.5, active: true, empty: {}, none: [] },
    ];
    const text = v2XmlEnvelope('indicatorsResponse', 'indicatorListResponseData', [['ResultCount', 2, 'resultCount'], ['Indicator', items, 'indicator']]);
    assert.equal(text, built('indicatorsResponse', 'indicatorListResponseData', 2, 'Indicator', items));
    assert.match(text, /<Owner xsi:type="organization">\n    <Id>0<\/Id>\n    <Name>A &amp; B<\/Name>/);
    assert.match(text, /<ASNumber>ASN1<\/ASNumber>\n   <md5>ab<\/md5>/);
    assert.equal(v2XmlEnvelope('addressesResponse', 'addressListResponseData', [['Address', [], 'address']]), built('addressesResponse', 'addressListResponseData', undefined, 'Address', []));
    assert.equal(v2XmlSuccess(), builder.build({ successResponse: { Status: 'Success' } }));
    assert.equal(v2XmlName('AS Number'), 'ASNumber');
  });

  it('writes any items as the builder does', () => {
    fc.assert(fc.property(fc.array(item, { maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }), (items, count) => {
      const content: [string, unknown, string][] = count === undefined ? [] : [['ResultCount', count, 'resultCount']];
      content.push(['Indicator', items, 'indicator']);
      assert.equal(v2XmlEnvelope('indicatorsResponse', 'indicatorListResponseData', content), built('indicatorsResponse', 'indicatorListResponseData', count, 'Indicator', items));
    }), { numRuns: 600 });
  });

  it('writes one item as the builder does', () => {
    fc.assert(fc.property(item, (one) => {
      const text = v2XmlEnvelope('hostResponse', 'hostResponseData', [['Host', one, 'host']]);
      assert.equal(text, builder.build({ hostResponse: { Status: 'Success', Data: xmlData('hostResponseData', { Host: v2XmlOf(one) }) } }));
    }), { numRuns: 400 });
  });
});
