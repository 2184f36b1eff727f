/**
 * The intelligence the STIX suites export: every indicator type (one inactive), tags, TLP labels,
 * attributes, ratings, every group kind the mapping treats apart, and associations of each kind
 * (indicator → group, group ↔ group, indicator ↔ indicator), written over the v3 API.
 */
import type { Json } from '../../support/v3.js';

/** Writes the fixtures through `ok` (a v3 call that asserts success and answers `data`); their ids by key. */
export async function writeStixFixtures(ok: (method: string, target: string, body?: unknown) => Promise<Json>): Promise<Record<string, number>> {
  const ids: Record<string, number> = {};
  const tagged = (names: string[]) => ({ tags: { data: names.map((name) => ({ name })) } });
  const labelled = (names: string[]) => ({ securityLabels: { data: names.map((name) => ({ name })) } });
  const attributes = (list: [string, string][]) => ({ attributes: { data: list.map(([type, value]) => ({ type, value })) } });
  const indicators: [string, Record<string, unknown>][] = [
    ['address', { type: 'Address', ip: '192.0.2.44', rating: 3, confidence: 70, ...tagged(['c2', 'botnet']), ...labelled(['TLP:AMBER']), ...attributes([['Description', 'A C2 server'], ['Source', 'feed'], ['Reference Link', 'https://ref.example/1'], ['External ID', 'EXT-1']]) }],
    ['address6', { type: 'Address', ip: '2001:db8::44' }],
    ['host', { type: 'Host', hostName: 'c2.example.net', dnsActive: true, firstSeen: '2024-02-01T00:00:00Z', lastSeen: '2024-02-03T00:00:00Z', ...labelled(['TLP:RED']) }],
    ['url', { type: 'URL', text: 'http://c2.example.net/gate.php' }],
    ['email', { type: 'EmailAddress', address: 'phish@example.net' }],
    ['file', { type: 'File', md5: 'd41d8cd98f00b204e9800998ecf8427e', sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', size: 1024 }],
    ['asn', { type: 'ASN', value1: 'AS64511' }],
    ['cidr', { type: 'CIDR', value1: '198.51.100.0/24' }],
    ['mutex', { type: 'Mutex', value1: "Global\\it's-me" }],
    ['registry', { type: 'Registry Key', value1: 'HKLM\\Software\\Run', value2: 'evil', value3: 'REG_SZ' }],
    ['agent', { type: 'User Agent', value1: 'EvilBot/2.0' }],
    ['subject', { type: 'Email Subject', value1: 'Your invoice' }],
    ['hashtag', { type: 'Hashtag', value1: '#stix' }],
  ];
  for (const [key, body] of indicators) ids[key] = (await ok('POST', '/v3/indicators', body)).id;
  ids.inactive = (await ok('POST', '/v3/indicators', { type: 'Host', hostName: 'retired.example.net', active: false })).id;
  const groups: [string, Record<string, unknown>][] = [
    ['adversary', { type: 'Adversary', name: 'Sandstorm', ...tagged(['apt']), ...attributes([['Aliases', 'Dune'], ['Description', 'An actor']]) }],
    ['campaign', { type: 'Campaign', name: 'Operation Tide', firstSeen: '2024-03-01T00:00:00Z' }],
    ['incident', { type: 'Incident', name: 'Breach 7', eventDate: '2024-04-01T00:00:00Z', status: 'Open' }],
    ['report', { type: 'Report', name: 'Q2 threat report', fileName: 'q2.pdf', publishDate: '2024-06-30T00:00:00Z' }],
    ['emptyReport', { type: 'Report', name: 'Empty report', fileName: 'empty.pdf' }],
    ['signature', { type: 'Signature', name: 'Exe seen twice', fileName: 'exe.stix', fileType: 'STIX Pattern', fileText: "[file:name = 'evil.exe'] REPEATS 2 TIMES" }],
    ['snort', { type: 'Signature', name: 'Snort rule', fileName: 'r.rules', fileType: 'Snort', fileText: 'alert tcp any any -> any 80 (msg:"x";)' }],
    ['email', { type: 'Email', name: 'Lure', subject: 'Hi', header: 'From: a', body: 'Click' }],
    ['malware', { type: 'Malware', name: 'Wiper' }],
    ['stixNamed', { type: 'Tool', name: 'Imported tool', xid: 'tool--6b0b5c8e-2a47-4f5e-9d8c-0a1b2c3d4e5f' }],
    ['document', { type: 'Document', name: 'Dropper sample', fileName: 'dropper.zip', malware: true, password: 'infected' }],
    ['event', { type: 'Event', name: 'Beacon seen', eventDate: '2024-05-01T00:00:00Z', status: 'Escalated', eventType: 'Detection' }],
    ['task', { type: 'Task', name: 'Block the C2', dueDate: '2024-05-02T00:00:00Z' }],
    ['threat', { type: 'Threat', name: 'Ransomware wave' }],
    ['tactic', { type: 'Tactic', name: 'Initial Access' }],
    ['courseOfAction', { type: 'Course of Action', name: 'Patch' }],
    ['vulnerability', { type: 'Vulnerability', name: 'CVE-2021-44228', ...attributes([['External ID', 'cve:CVE-2021-44228']]) }],
    ['attackPattern', { type: 'Attack Pattern', name: 'Spearphishing' }],
    ['intrusionSet', { type: 'Intrusion Set', name: 'Set Nine', lastSeen: '2024-06-01T00:00:00Z' }],
  ];
  for (const [key, body] of groups) ids[`g:${key}`] = (await ok('POST', '/v3/groups', body)).id;
  await ok('PUT', `/v3/indicators/${ids.address}`, { associatedGroups: { data: [{ id: ids['g:adversary'] }, { id: ids['g:report'] }], mode: 'append' } });
  await ok('PUT', `/v3/indicators/${ids.url}`, { associatedIndicators: { data: [{ id: ids.host }], mode: 'append' } });
  await ok('PUT', `/v3/groups/${ids['g:adversary']}`, { associatedGroups: { data: [{ id: ids['g:campaign'] }, { id: ids['g:report'] }], mode: 'append' } });
  return ids;
}
