import fs from 'node:fs';
import crypto from 'node:crypto';
import { loadConfig } from './src/config.js';
import { createServices } from './src/services.js';
import { applyItems } from './src/core/exchange/apply.js';
import { DEFAULT_SETTINGS } from './src/core/exchange/items.js';
import { toStoredTime } from './src/store/database.js';
const dir = fs.mkdtempSync('/tmp/applyprof/d');
const env: Record<string,string> = { CAIRN_DATA_DIR: dir, CAIRN_LOG_LEVEL: 'silent' };
if (process.env.PG) {
  const pg = (await import('pg')).default; const name = 'prof_' + crypto.randomBytes(4).toString('hex');
  const c = new pg.Client({ connectionString: process.env.PG }); await c.connect(); await c.query(`create database ${name}`); await c.end();
  env.DATABASE_URL = process.env.PG.replace(/\/[^/]*$/, '/' + name);
}
const services = await createServices(loadConfig(env));
const org = await services.tenancy.createOrganization('P');
const user = await services.tenancy.createApiUser(org.name, 'u');
const item = (i: number) => {
  const t = i % 5;
  const base = { tags: [`tag-${i % 100}`, `feed-${i % 7}`], attributes: [{ type: 'Description', value: `indicator ${i}` }], rating: (i % 5) + 1, confidence: i % 100 };
  if (t === 0) return { kind: 'indicator', type: 'Address', summary: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ...base };
  if (t === 1) return { kind: 'indicator', type: 'Host', summary: `h${i}.example${i % 100}.com`, ...base };
  if (t === 2) return { kind: 'indicator', type: 'URL', summary: `http://u${i}.example.com/p/${i}`, ...base };
  if (t === 3) return { kind: 'indicator', type: 'EmailAddress', summary: `user${i}@mail${i % 50}.example.org`, ...base };
  return { kind: 'indicator', type: 'File', summary: crypto.createHash('md5').update(String(i)).digest('hex'), ...base };
};
const N = Number(process.env.N ?? 20000);
const t0 = performance.now();
for (let c = 0; c < N; c += 1000) {
  const items = Array.from({ length: 1000 }, (_, k) => item(c + k));
  const json = JSON.parse(JSON.stringify(items));
  await services.store.db.transaction().execute((trx) => applyItems(trx, { ownerId: org.id, userId: user.id, settings: DEFAULT_SETTINGS, now: toStoredTime(new Date()), firstIndex: c }, json));
}
const ms = performance.now() - t0;
console.log(`${N} items in ${ms.toFixed(0)} ms: ${(N / ms * 1000).toFixed(0)} items/s`);
await services.close();
