/**
 * The group types (spec threatconnect.md §6, §9): the one catalogue the v2 and v3 surfaces read.
 * For each type: its v3 name, its v2 branch and entity key, the fields only it takes (named as v3
 * names them) and which of those are required, its statuses, and what its v2 single object shows.
 * `checkGroupValues` is the one rule a create or an update of a group passes, whatever surface it
 * comes through: fields of another type refused, required ones present, statuses and signature
 * file types validated, defaults completed.
 *
 * Sources: the v2 group fields page (required fields), tcex's generated v3 group model (which type
 * each field applies to, the statuses read-only per type), tcex's Signature and Task helpers (file
 * types, task statuses). Where the two disagree on required fields, the v2 list holds on both
 * surfaces (one rule): eventDate is required for events and incidents on v3 too.
 */
import type { FieldProblem } from '../errors.js';

export const GROUP_TYPE_NAMES = [
  'Adversary', 'Attack Pattern', 'Campaign', 'Course of Action', 'Document', 'Email', 'Event', 'Incident', 'Intrusion Set',
  'Malware', 'Report', 'Signature', 'Tactic', 'Task', 'Threat', 'Tool', 'Vulnerability',
] as const;
export type GroupTypeName = typeof GROUP_TYPE_NAMES[number];

export const INCIDENT_STATUSES = ['New', 'Open', 'Stalled', 'Containment Achieved', 'Restoration Achieved', 'Incident Reported', 'Closed', 'Rejected', 'Deleted'] as const;
export const EVENT_STATUSES = ['Needs Review', 'False Positive', 'No Further Action', 'Escalated'] as const;
/** A Document's or Report's status follows its file (read-only): awaiting it, then stored. */
export const DOCUMENT_STATUSES = ['Awaiting Upload', 'In Progress', 'Success', 'Failed'] as const;
export const TASK_GROUP_STATUSES = ['Not Started', 'In Progress', 'Completed', 'Waiting on Someone', 'Deferred'] as const;
/**
 * tcex's Signature helper lists these; stored with this spelling whatever case the client sends.
 * `STIX Pattern` and `Sigma` are Cairn's additions: a STIX indicator whose pattern maps to no
 * indicator type is kept as a Signature of its pattern (core/exchange/stix).
 */
export const SIGNATURE_FILE_TYPES = ['Snort', 'Suricata', 'YARA', 'ClamAV', 'OpenIOC', 'CybOX', 'Bro', 'Regex', 'SPL', 'STIX Pattern', 'Sigma'] as const;

/**
 * A field some group types take: its v3 name, the stored column, and the v2 key when v2 names it
 * otherwise. `name`, `xid`, `firstSeen`, `lastSeen` and the rest are common to every type.
 */
export interface GroupTypeField { name: string; column: string; v2Key?: string }

export const GROUP_TYPE_FIELDS = {
  fileName: { name: 'fileName', column: 'file_name' },
  fileType: { name: 'fileType', column: 'file_type' },
  fileText: { name: 'fileText', column: 'file_text' },
  malware: { name: 'malware', column: 'malware' },
  password: { name: 'password', column: 'password' },
  publishDate: { name: 'publishDate', column: 'publish_date' },
  subject: { name: 'subject', column: 'subject' },
  header: { name: 'header', column: 'header' },
  body: { name: 'body', column: 'body' },
  from: { name: 'from', column: 'from_address' },
  eventDate: { name: 'eventDate', column: 'event_date' },
  status: { name: 'status', column: 'status' },
  eventType: { name: 'eventType', column: 'event_type' },
  dueDate: { name: 'dueDate', column: 'due_date' },
} as const satisfies Record<string, GroupTypeField>;
export type GroupTypeFieldName = keyof typeof GROUP_TYPE_FIELDS;

export interface GroupType {
  /** The v3 `type` and TQL `typeName`, and the v2 `type` of generic lists. */
  name: GroupTypeName;
  /** The v2 path segment: `/v2/groups/{branch}`. */
  v2Branch: string;
  /** The v2 data key of one item of the type (`{"adversary":{…}}`) and of a branch list (`{"adversary":[…]}`). */
  v2Entity: string;
  /** The per-type fields the type takes (beyond the common ones). */
  fields: readonly GroupTypeFieldName[];
  /** Of those, the ones a create must give (and an update may not clear). */
  required: readonly GroupTypeFieldName[];
  /** The statuses a client may set; none where the type has no status or its status is read-only. */
  statuses?: readonly string[];
  /** The status a new group of the type starts with. */
  defaultStatus?: string;
  /** The status is the server's (Documents, Reports, Tasks): shown, never set by a client. */
  statusReadOnly?: boolean;
  /** A file is uploaded to the group (`/v2/groups/{branch}/{id}/upload`). */
  holdsFile: boolean;
  /**
   * What the v2 single object shows beyond the common `id`, `name`, `owner`, `dateAdded`,
   * `lastModified`, `webLink`: v2 keys, in order, each with the v3 field it shows
   * (`fileSize` shows the stored file's size).
   */
  v2Shows: readonly { key: string; field: GroupTypeFieldName | 'fileSize' | 'firstSeen' | 'lastSeen' }[];
  /** What a v2 branch list item shows beyond the common ones (`incident[]{…,eventDate}`). */
  v2ListShows: readonly { key: string; field: GroupTypeFieldName }[];
}

const plain = (name: GroupTypeName, v2Branch: string, v2Entity: string): GroupType =>
  ({ name, v2Branch, v2Entity, fields: [], required: [], holdsFile: false, v2Shows: [], v2ListShows: [] });

export const GROUP_TYPES: readonly GroupType[] = [
  plain('Adversary', 'adversaries', 'adversary'),
  plain('Attack Pattern', 'attackPatterns', 'attackPattern'),
  { ...plain('Campaign', 'campaigns', 'campaign'), v2Shows: [{ key: 'firstSeen', field: 'firstSeen' }] },
  plain('Course of Action', 'coursesOfAction', 'courseOfAction'),
  {
    ...plain('Document', 'documents', 'document'),
    fields: ['fileName', 'malware', 'password', 'status'], required: ['fileName'],
    defaultStatus: 'Awaiting Upload', statusReadOnly: true, holdsFile: true,
    v2Shows: [{ key: 'fileName', field: 'fileName' }, { key: 'fileSize', field: 'fileSize' }, { key: 'status', field: 'status' }, { key: 'malware', field: 'malware' }],
  },
  {
    ...plain('Email', 'emails', 'email'),
    fields: ['subject', 'header', 'body', 'from'], required: ['subject', 'header', 'body'],
    v2Shows: [{ key: 'from', field: 'from' }, { key: 'subject', field: 'subject' }, { key: 'header', field: 'header' }, { key: 'body', field: 'body' }],
  },
  {
    ...plain('Event', 'events', 'event'),
    fields: ['eventDate', 'status', 'eventType'], required: ['eventDate'], statuses: EVENT_STATUSES, defaultStatus: 'Needs Review',
    v2Shows: [{ key: 'eventDate', field: 'eventDate' }, { key: 'status', field: 'status' }], v2ListShows: [{ key: 'eventDate', field: 'eventDate' }],
  },
  {
    ...plain('Incident', 'incidents', 'incident'),
    fields: ['eventDate', 'status'], required: ['eventDate'], statuses: INCIDENT_STATUSES, defaultStatus: 'New',
    v2Shows: [{ key: 'eventDate', field: 'eventDate' }, { key: 'status', field: 'status' }], v2ListShows: [{ key: 'eventDate', field: 'eventDate' }],
  },
  plain('Intrusion Set', 'intrusionSets', 'intrusionSet'),
  plain('Malware', 'malware', 'malware'),
  {
    ...plain('Report', 'reports', 'report'),
    fields: ['fileName', 'publishDate', 'status'], required: ['fileName'],
    defaultStatus: 'Awaiting Upload', statusReadOnly: true, holdsFile: true,
    v2Shows: [{ key: 'fileName', field: 'fileName' }, { key: 'fileSize', field: 'fileSize' }, { key: 'status', field: 'status' }, { key: 'publishDate', field: 'publishDate' }],
  },
  {
    ...plain('Signature', 'signatures', 'signature'),
    fields: ['fileName', 'fileType', 'fileText'], required: ['fileName', 'fileType', 'fileText'],
    v2Shows: [{ key: 'fileName', field: 'fileName' }, { key: 'fileType', field: 'fileType' }, { key: 'fileText', field: 'fileText' }],
  },
  plain('Tactic', 'tactics', 'tactic'),
  {
    ...plain('Task', 'tasks', 'task'),
    fields: ['dueDate', 'status'], required: [], defaultStatus: 'Not Started', statusReadOnly: true,
    v2Shows: [{ key: 'status', field: 'status' }, { key: 'dueDate', field: 'dueDate' }],
  },
  plain('Threat', 'threats', 'threat'),
  plain('Tool', 'tools', 'tool'),
  plain('Vulnerability', 'vulnerabilities', 'vulnerability'),
];

const BY_NAME = new Map<string, GroupType>(GROUP_TYPES.map((t) => [t.name, t]));
const BY_LOWER_NAME = new Map<string, GroupType>(GROUP_TYPES.map((t) => [t.name.toLowerCase(), t]));
const BY_BRANCH = new Map<string, GroupType>(GROUP_TYPES.map((t) => [t.v2Branch.toLowerCase(), t]));

/** The type named exactly as v3 names it, or undefined. */
export function groupTypeNamed(name: string): GroupType | undefined {
  return BY_NAME.get(name);
}

/** The type a v2 branch (`incidents`, any case) or a type name in any case names, or undefined. */
export function groupTypeOfBranch(branch: string): GroupType | undefined {
  const key = branch.toLowerCase();
  return BY_BRANCH.get(key) ?? BY_LOWER_NAME.get(key);
}

/** The group types that take `field`: what its OPTIONS entry says it applies to. */
export function typesTaking(field: GroupTypeFieldName): GroupTypeName[] {
  return GROUP_TYPES.filter((t) => t.fields.includes(field)).map((t) => t.name);
}

/** The group types that require `field`. */
export function typesRequiring(field: GroupTypeFieldName): GroupTypeName[] {
  return GROUP_TYPES.filter((t) => t.required.includes(field)).map((t) => t.name);
}

/** The group types that hold an uploaded file (Document, Report). */
export const FILE_GROUP_TYPES: readonly GroupTypeName[] = GROUP_TYPES.filter((t) => t.holdsFile).map((t) => t.name);

const FIELD_BY_COLUMN = new Map<string, GroupTypeField>(Object.values(GROUP_TYPE_FIELDS).map((f) => [f.column, f]));

/** The signature file type `raw` names, in any case, in its stored spelling; undefined when none. */
export function signatureFileType(raw: string): string | undefined {
  const lower = raw.trim().toLowerCase();
  return SIGNATURE_FILE_TYPES.find((t) => t.toLowerCase() === lower);
}

type Values = Record<string, unknown>;

const isSet = (value: unknown) => value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');

/**
 * Checks the per-type columns of a create (`existing` undefined) or an update of a group of type
 * `typeName`, and completes them: the default status on create, the signature file type's
 * spelling. `values` are stored-column values; the problems name the v3 fields. Returns the
 * problems (empty when the values may be stored); a problem whose message starts with
 * "is required" is missing data.
 */
export function checkGroupValues(typeName: string, values: Values, existing?: Values): FieldProblem[] {
  const type = groupTypeNamed(typeName);
  if (!type) return [{ field: 'type', message: `must be one of ${GROUP_TYPE_NAMES.join(', ')}` }];
  const problems: FieldProblem[] = [];
  for (const [column, field] of FIELD_BY_COLUMN) {
    if (values[column] === undefined) continue;
    const name = field.name as GroupTypeFieldName;
    if (!type.fields.includes(name)) {
      const takers = typesTaking(name);
      problems.push({ field: name, message: `does not apply to a ${type.name} group (only to ${takers.join(', ')})` });
      continue;
    }
    if (name === 'status' && type.statusReadOnly) {
      // tcex sends back what it read: the stored status, unchanged, is no change.
      if (existing === undefined || values.status !== existing.status) problems.push({ field: 'status', message: `is read-only for a ${type.name} group` });
      continue;
    }
    if (type.required.includes(name) && !isSet(values[column])) problems.push({ field: name, message: 'is required and cannot be empty' });
    else if (name === 'malware' && values.malware === null) problems.push({ field: 'malware', message: 'must be true or false' });
  }
  if (type.statuses && values.status !== undefined && values.status !== null) {
    const status = type.statuses.find((s) => s.toLowerCase() === String(values.status).toLowerCase());
    if (status === undefined) problems.push({ field: 'status', message: `must be one of ${type.statuses.join(', ')} for a ${type.name} group` });
    else values.status = status;
  }
  if (values.file_type !== undefined && values.file_type !== null && type.fields.includes('fileType')) {
    const fileType = signatureFileType(String(values.file_type));
    if (fileType === undefined) problems.push({ field: 'fileType', message: `must be one of ${SIGNATURE_FILE_TYPES.join(', ')}` });
    else values.file_type = fileType;
  }
  if (existing === undefined) {
    for (const name of type.required) {
      if (values[GROUP_TYPE_FIELDS[name].column] === undefined) problems.push({ field: name, message: `is required for a ${type.name} group` });
    }
    if (type.defaultStatus !== undefined && (type.statusReadOnly || values.status === undefined || values.status === null)) values.status = type.defaultStatus;
  }
  // "The password associated with the document (Required if Malware is true)" (tcex's model).
  if (type.fields.includes('malware')) {
    const malware = values.malware ?? existing?.malware;
    const password = values.password !== undefined ? values.password : existing?.password;
    if (Number(malware) === 1 && !isSet(password)) problems.push({ field: 'password', message: 'is required when malware is true (the password of the zip archive)' });
  }
  return problems;
}
