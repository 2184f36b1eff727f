/**
 * The STIX reader a TAXII POST goes through: core/exchange/stix's streamed bundle parser.
 * (Until that parser is on this branch: a minimal stand-in that reads single-comparison
 * indicator patterns and group SDOs, so the TAXII path can be exercised end to end.)
 */
import type { Readable } from 'node:stream';
import { ITEM_ERROR_CODES, type ImportItem, type ItemProblem } from './items.js';

const PATTERN_TYPES: Readonly<Record<string, string>> = {
  'ipv4-addr:value': 'Address', 'ipv6-addr:value': 'Address', 'domain-name:value': 'Host', 'url:value': 'URL', 'email-addr:value': 'EmailAddress', 'mutex:name': 'Mutex',
};
const GROUP_TYPES: Readonly<Record<string, string>> = {
  'threat-actor': 'Adversary', 'attack-pattern': 'Attack Pattern', campaign: 'Campaign', 'course-of-action': 'Course of Action', 'intrusion-set': 'Intrusion Set',
  incident: 'Incident', malware: 'Malware', report: 'Report', tool: 'Tool', vulnerability: 'Vulnerability',
};

export async function* readTaxiiObjects(input: Readable, _options: { maxBytes: number }): AsyncGenerator<ImportItem | ItemProblem> {
  const parts: Buffer[] = [];
  for await (const part of input) parts.push(Buffer.from(part as Buffer));
  const bundle = JSON.parse(Buffer.concat(parts).toString('utf8')) as { objects: Record<string, unknown>[] };
  for (const [index, object] of bundle.objects.entries()) {
    const source = JSON.stringify(object).slice(0, 500);
    const problem = (reason: string): ItemProblem => ({ index, kind: 'indicator', code: ITEM_ERROR_CODES.invalidIndicator, severity: 'Error', reason, source });
    if (object.type === 'indicator') {
      const match = /^\[([a-z0-9-]+:[a-z_]+) = '((?:[^'\\]|\\.)*)'\]$/.exec(String(object.pattern ?? ''));
      const type = match ? PATTERN_TYPES[match[1]!] : undefined;
      if (!match || !type) { yield problem(`The pattern ${String(object.pattern).slice(0, 100)} is not one this reader maps.`); continue; }
      yield { kind: 'indicator', type, summary: match[2]!.replace(/\\(.)/g, '$1'), ...(typeof object.created === 'string' ? { created: object.created } : {}), ...(typeof object.modified === 'string' ? { modified: object.modified } : {}) };
    } else if (typeof object.type === 'string' && GROUP_TYPES[object.type]) {
      yield { kind: 'group', type: GROUP_TYPES[object.type]!, name: String(object.name ?? object.id), xid: String(object.id) };
    } else {
      yield { ...problem(`Unknown STIX type ${String(object.type).slice(0, 60)}.`), kind: 'group', code: ITEM_ERROR_CODES.invalidGroup };
    }
  }
}
