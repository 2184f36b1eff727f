/**
 * The seeded database of the TQL and floor benchmarks: `cases` cases (~2 tasks each, 20 tags and
 * ~1.5 tag links per case) and as many indicators (five types, ~1.5 tags each from the same tag
 * catalogue, 0–2 of 2,000 groups each) written straight into the SQLite file of a freshly
 * bootstrapped data directory, then ANALYZE. Deterministic (a fixed PRNG seed), so every run seeds the same data.
 *
 * With `cache`, the data directory is kept in .bench/cases-<N>/ and reused by later runs (of
 * either benchmark); pending migrations are applied and new indexes analysed before use, so a
 * cached database plans like a fresh one. Without it, the directory is temporary and removed when
 * the process exits.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { exited, freePort, REPOSITORY_ROOT, startCairn, stopChild, waitFor } from './process.js';
import { bootstrapFile, readBootstrapCredentials, type BootstrapCredentials } from './signing.js';

/** Bumped when the seeded data changes shape, so a cached directory of an older version is re-seeded. */
const SEED_VERSION = 2;

export const databaseFile = (dataDir: string) => path.join(dataDir, 'cairn.sqlite');

/** mulberry32: a small deterministic PRNG, so every run seeds the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Stored time format of v3 data: `YYYY-MM-DDTHH:MM:SSZ`. */
const stored = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 19) + 'Z';

const CASE_KINDS = [
  'Phishing campaign', 'Spear phishing email', 'Ransomware outbreak', 'Ransomware note found', 'Malware beacon', 'Credential stuffing',
  'Brute force login', 'Suspicious login', 'Impossible travel', 'Data exfiltration', 'Insider threat', 'DDoS attack',
  'Business email compromise', 'Lost laptop', 'Vulnerability exploitation', 'Web shell detected', 'Cryptominer on host',
  'Privilege escalation', 'Lateral movement', 'Command and control traffic', 'Malicious attachment', 'Typosquatted domain',
  'Account takeover', 'Cloud storage exposure', 'Unauthorized access', 'Policy violation', 'Supply chain alert', 'DNS tunneling',
  'Suspicious PowerShell', 'Endpoint quarantine',
];
const TASK_NAMES = ['Triage alert', 'Collect evidence', 'Contain host', 'Reset credentials', 'Notify stakeholders', 'Block indicators', 'Eradicate malware', 'Write report'];
const TAGS: [string, number][] = [
  ['Phishing', 10], ['Ransomware', 6], ['Malware', 9], ['Credential Theft', 6], ['APT29', 2], ['APT28', 2], ['FIN7', 1.5], ['Lazarus', 1],
  ['BEC', 4], ['Insider Threat', 2], ['DDoS', 2], ['Data Exfiltration', 3], ['Vulnerability', 5], ['T1566', 3], ['T1486', 2],
  ['T1078', 3], ['T1059', 3], ['False Positive', 8], ['High Priority', 5], ['Customer Reported', 4],
];
const SEVERITIES: [string, number][] = [['Low', 35], ['Medium', 35], ['High', 20], ['Critical', 10]];
const CLOSED_RESOLUTIONS = ['Containment Achieved', 'Deferred / Delayed', 'Escalated', 'False Positive', 'Rejected', 'Restoration Achieved'];
const OPEN_TASK_STATUSES = ['Pending', 'Open', 'Reopened', 'Closed'];
const START = Date.UTC(2024, 6, 1) / 1000; // 2024-07-01 … 2026-07-01
const SPAN = 2 * 365 * 86_400;
const HOUR = 3600;
const DAY = 86_400;

function weighted<T>(items: [T, number][], random: () => number): () => T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  const cumulative = items.map(([item], i) => [item, items.slice(0, i + 1).reduce((s, [, w]) => s + w, 0) / total] as const);
  return () => {
    const x = random();
    for (const [item, upTo] of cumulative) if (x < upTo) return item;
    return cumulative[cumulative.length - 1]![0];
  };
}

function seed(file: string, n: number, credentials: BootstrapCredentials): void {
  const random = rng(0xca1e5);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const severity = weighted(SEVERITIES, random);
  const tagIndex = weighted(TAGS.map(([, w], i) => [i, w] as [number, number]), random);
  const owner = credentials.organization.id;
  const apiUser = credentials.apiUser.id;
  const db = new Database(file);
  const adminId = (db.prepare(`select id from users where user_name = 'admin'`).pluck().get() as number | undefined) ?? null;
  db.pragma('journal_mode = OFF'); // from WAL; restored below
  db.pragma('synchronous = OFF');
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('cache_size = -2000000');
  db.pragma('temp_store = MEMORY');

  const now = stored(Date.now() / 1000 | 0);
  const insertTag = db.prepare('insert into tags (owner_id, name, normalized, description, technique_id, last_used, date_added) values (?, ?, ?, ?, ?, ?, ?)');
  const tagIds = db.transaction(() => TAGS.map(([name]) => Number(insertTag.run(owner, name, name.toLowerCase(), `${name} related activity`,
    /^T\d{4}$/.test(name) ? name : null, now, stored(START)).lastInsertRowid)))();

  const insertCase = db.prepare(`insert into cases (id, owner_id, xid, name, description, severity, status, resolution, case_open_time,
    case_close_time, case_occurrence_time, case_detection_time, case_open_user_id, case_close_user_id, created_by_id, assignee_user_id,
    date_added, last_updated) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertTask = db.prepare(`insert into tasks (id, owner_id, case_id, xid, name, description, status, workflow_phase, workflow_step,
    required, due_date, completed_date, completed_by_id, assignee_user_id, date_added, last_updated) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertLink = db.prepare('insert into case_tags (case_id, tag_id) values (?, ?)');

  let taskId = (db.prepare('select coalesce(max(id), 0) from tasks').pluck().get() as number) + 1;
  const firstCase = (db.prepare('select coalesce(max(id), 0) from cases').pluck().get() as number) + 1;
  let tasks = 0;
  let links = 0;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = firstCase + i;
      const added = START + Math.floor(((i + random()) / n) * SPAN);
      const open = added - Math.floor(random() * 2 * DAY);
      const closed = random() < 0.75;
      const closeTime = closed ? Math.min(open + HOUR + Math.floor(random() * 20 * DAY), START + SPAN) : null;
      const name = `${pick(CASE_KINDS)} ${100_000 + Math.floor(random() * 900_000)}`;
      insertCase.run(id, owner, crypto.randomUUID(), name,
        random() < 0.6 ? `${name}: reported by ${pick(['the SOC', 'an analyst', 'a customer', 'the EDR', 'the mail gateway'])}, see the timeline.` : null,
        severity(), closed ? 'Closed' : 'Open', closed ? pick(CLOSED_RESOLUTIONS) : pick(['In Progress / Investigating', 'Not Specified']),
        stored(open), closeTime === null ? null : stored(closeTime), stored(open - Math.floor(random() * 5 * DAY)), stored(open - Math.floor(random() * DAY)),
        apiUser, closed ? apiUser : null, apiUser, adminId !== null && random() < 0.4 ? adminId : null,
        stored(added), stored(Math.max(added, closeTime ?? added + Math.floor(random() * 3 * DAY))));
      const taskCount = Math.floor(random() * 5); // 0–4, mean 2
      for (let t = 0; t < taskCount; t++) {
        const status = closed ? 'Closed' : pick(OPEN_TASK_STATUSES);
        const taskAdded = added + t * HOUR;
        insertTask.run(taskId++, owner, id, crypto.randomUUID(), TASK_NAMES[(t + Math.floor(random() * 3)) % TASK_NAMES.length]!, null, status,
          1, t + 1, random() < 0.3 ? 1 : 0, random() < 0.5 ? stored(taskAdded + 3 * DAY) : null,
          status === 'Closed' ? stored(taskAdded + DAY) : null, status === 'Closed' ? apiUser : null,
          adminId !== null && random() < 0.3 ? adminId : null, stored(taskAdded), stored(taskAdded + DAY));
        tasks++;
      }
      const x = random();
      const tagCount = x < 0.15 ? 0 : x < 0.5 ? 1 : x < 0.85 ? 2 : 3; // mean 1.5
      const chosen = new Set<number>();
      while (chosen.size < tagCount) chosen.add(tagIndex());
      for (const t of chosen) insertLink.run(id, tagIds[t]!);
      links += chosen.size;
    }
  });
  const step = 20_000;
  const started = performance.now();
  seedIntelligence(db, n, owner, apiUser, tagIds, tagIndex, random);
  for (let from = 0; from < n; from += step) {
    batch(from, Math.min(n, from + step));
    if ((from / step) % 10 === 9 || from + step >= n) {
      console.log(`  seeded ${Math.min(n, from + step).toLocaleString('en-US')} cases, ${tasks.toLocaleString('en-US')} tasks, ${links.toLocaleString('en-US')} tag links (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  const t = performance.now();
  db.exec('analyze');
  console.log(`  ANALYZE ${((performance.now() - t) / 1000).toFixed(1)} s`);
  db.pragma('locking_mode = NORMAL');
  db.pragma('journal_mode = WAL');
  db.close();
}

/** Groups the indicators are associated with; `hasGroup(id = …)` queries name the first ones. */
export const SEEDED_GROUPS = 2_000;
const GROUP_TYPES = ['Adversary', 'Campaign', 'Incident', 'Malware', 'Threat', 'Intrusion Set', 'Tool'];
const TLDS = ['com', 'net', 'org', 'ru', 'cn', 'io', 'biz', 'info'];

/** `n` indicators of five types with their addressing values, tags and group associations. */
function seedIntelligence(db: Database.Database, n: number, owner: number, apiUser: number, tagIds: number[], tagIndex: () => number, random: () => number): void {
  const insertGroup = db.prepare(`insert into groups (id, owner_id, type, xid, name, status, event_date, created_by_id, date_added, last_modified)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (let g = 1; g <= SEEDED_GROUPS; g++) {
      const type = GROUP_TYPES[g % GROUP_TYPES.length]!;
      const added = stored(START + Math.floor((g / SEEDED_GROUPS) * SPAN));
      insertGroup.run(g, owner, type, crypto.randomUUID(), `${type} ${g}`, type === 'Incident' ? 'Open' : null, type === 'Incident' ? added : null, apiUser, added, added);
    }
  })();
  const insertIndicator = db.prepare(`insert into indicators (id, owner_id, type, summary, value1, value2, value3, rating, confidence, active,
    dns_active, whois_active, created_by_id, date_added, last_modified) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertValue = db.prepare('insert into indicator_values (owner_id, type, value, indicator_id) values (?, ?, ?, ?)');
  const insertTagLink = db.prepare('insert into indicator_tags (indicator_id, tag_id) values (?, ?)');
  const insertGroupLink = db.prepare('insert into indicator_groups (indicator_id, group_id) values (?, ?)');
  const hex = (length: number) => { let text = ''; while (text.length < length) text += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0'); return text.slice(0, length); };
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = i + 1;
      const x = random();
      let type: string;
      let values: [string | null, string | null, string | null];
      // Unique by construction: the running number is part of every value.
      if (x < 0.3) { type = 'Address'; values = [`10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`, null, null]; if (i >= 1 << 24) values[0] = `2001:db8::${i.toString(16)}`; }
      else if (x < 0.6) { type = 'Host'; values = [`h${i.toString(36)}.bad-${Math.floor(random() * 1000)}.${TLDS[i % TLDS.length]}`, null, null]; }
      else if (x < 0.75) { type = 'URL'; values = [`http://u${i.toString(36)}.example.${TLDS[i % TLDS.length]}/path/${hex(8)}`, null, null]; }
      else if (x < 0.9) { type = 'File'; values = [`${hex(24)}${i.toString(16).padStart(8, '0')}`, null, random() < 0.5 ? `${hex(56)}${i.toString(16).padStart(8, '0')}` : null]; }
      else { type = 'EmailAddress'; values = [`user${i.toString(36)}@mail${i % 97}.example.com`, null, null]; }
      const addressing = values.filter((v): v is string => v !== null);
      const summary = addressing.join(' : ');
      const added = START + Math.floor(((i + random()) / n) * SPAN);
      insertIndicator.run(id, owner, type, summary, values[0], values[1], values[2], Math.floor(random() * 6), Math.floor(random() * 101),
        random() < 0.9 ? 1 : 0, type === 'Host' && random() < 0.5 ? 1 : 0, 0, apiUser, stored(added), stored(added + Math.floor(random() * 5 * DAY)));
      for (const value of addressing) insertValue.run(owner, type, value, id);
      const y = random();
      const tagCount = y < 0.15 ? 0 : y < 0.5 ? 1 : y < 0.85 ? 2 : 3;
      const chosen = new Set<number>();
      while (chosen.size < tagCount) chosen.add(tagIndex());
      for (const t of chosen) insertTagLink.run(id, tagIds[t]!);
      const groupCount = Math.floor(random() * 3);
      const groups = new Set<number>();
      // Skewed: the first groups have many indicators, as a few campaigns do.
      while (groups.size < groupCount) groups.add(1 + Math.floor(random() ** 3 * SEEDED_GROUPS));
      for (const g of groups) insertGroupLink.run(id, g);
    }
  });
  const step = 20_000;
  const started = performance.now();
  for (let from = 0; from < n; from += step) {
    batch(from, Math.min(n, from + step));
    if ((from / step) % 10 === 9 || from + step >= n) {
      console.log(`  seeded ${Math.min(n, from + step).toLocaleString('en-US')} indicators (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
}

export interface SeededDataDirectory {
  dataDir: string;
  /** Seconds the seeding took in this run; undefined when a cached directory was reused. */
  seedSeconds?: number;
  /** Seconds the cached directory took to seed when it was made. */
  cachedSeedSeconds?: number;
}

/**
 * A data directory holding `cases` seeded cases: the cached one under .bench/ (`cache`), or a new
 * one (kept there with `cache`, else temporary).
 */
export async function seededDataDirectory(cases: number, options: { cache: boolean }): Promise<SeededDataDirectory> {
  const cacheDir = path.join(REPOSITORY_ROOT, '.bench', `cases-${cases}`);
  const markerFile = path.join(cacheDir, 'seeded.json');
  const marker = options.cache && fs.existsSync(markerFile)
    ? JSON.parse(fs.readFileSync(markerFile, 'utf8')) as { version: number; cases: number; seedSeconds: number } : undefined;
  let dataDir: string;
  let seedSeconds: number | undefined;
  if (marker?.version === SEED_VERSION) {
    dataDir = cacheDir;
    console.log(`reusing the seeded data directory ${path.relative(REPOSITORY_ROOT, cacheDir)} (${cases.toLocaleString('en-US')} cases, seeded in ${marker.seedSeconds.toFixed(0)} s)`);
  } else {
    if (options.cache) fs.rmSync(cacheDir, { recursive: true, force: true });
    dataDir = options.cache ? (fs.mkdirSync(cacheDir, { recursive: true }), cacheDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-bench-seed-'));
    if (!options.cache) process.on('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
    // First start: migrations and bootstrap (organization, community, users, API credentials).
    const first = startCairn(['serve', '--port', String(await freePort()), '--data-dir', dataDir]);
    await waitFor('The first start (migrate + bootstrap)', 60, () => fs.existsSync(bootstrapFile(dataDir)));
    await new Promise((r) => setTimeout(r, 300));
    await stopChild(first);
    const started = performance.now();
    seed(databaseFile(dataDir), cases, readBootstrapCredentials(dataDir));
    seedSeconds = (performance.now() - started) / 1000;
    console.log(`seeded in ${seedSeconds.toFixed(1)} s (inserts + ANALYZE)`);
    if (options.cache) fs.writeFileSync(markerFile, JSON.stringify({ version: SEED_VERSION, cases, seedSeconds }) + '\n');
  }
  await migrateAndAnalyse(dataDir);
  return { dataDir, seedSeconds, cachedSeedSeconds: marker?.seedSeconds };
}

/**
 * Pending migrations (e.g. new indexes on a cached database) are applied before a measured server
 * starts, and any index without statistics is analysed, so every side plans alike.
 */
async function migrateAndAnalyse(dataDir: string): Promise<void> {
  const code = await exited(startCairn(['migrate', '--data-dir', dataDir]));
  if (code !== 0) throw new Error(`cairn migrate exited with ${code}.`);
  const db = new Database(databaseFile(dataDir));
  const missing = db.prepare(`select name from sqlite_master where type = 'index'
    and tbl_name in ('cases', 'tasks', 'tags', 'case_tags', 'indicators', 'indicator_values', 'indicator_tags', 'indicator_groups', 'groups') and name not in (select idx from sqlite_stat1 where idx is not null)`).pluck().all() as string[];
  for (const name of missing) {
    const t = performance.now();
    db.exec(`analyze "${name.replace(/"/g, '""')}"`);
    console.log(`analysed new index ${name} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
