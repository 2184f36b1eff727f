/**
 * A second process writing a Cairn SQLite file, as the CLI does beside a running server: opens the
 * store the way every Cairn process does and creates communities (a read-then-write transaction)
 * one after another until its stdin closes, then prints `{"writes":n,"failures":[…]}` and exits.
 *
 *   node --import tsx packages/server/test/support/second-writer.ts <cairn.sqlite>
 */
import crypto from 'node:crypto';
import { SecretBox } from '../../src/core/secrets.js';
import { TenancyService } from '../../src/core/tenancy/tenancy-service.js';
import { openStore } from '../../src/store/database.js';

const file = process.argv[2];
if (!file) throw new Error('usage: second-writer.ts <cairn.sqlite>');
const store = openStore({ sqlitePath: file });
// Creating a community encrypts nothing; the box only completes the service.
const tenancy = new TenancyService(store.db, new SecretBox(crypto.randomBytes(32)));

let open = true;
process.stdin.on('end', () => { open = false; }).resume();

let writes = 0;
const failures: string[] = [];
const prefix = `Second writer ${process.pid}`;
while (open) {
  try {
    await tenancy.createCommunity(`${prefix} ${writes + failures.length}`);
    writes++;
    if (writes === 1) process.stderr.write('writing\n');
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
  }
  // Let the stdin 'end' event through between writes.
  await new Promise((resolve) => setImmediate(resolve));
}
await store.close();
process.stdout.write(JSON.stringify({ writes, failures }) + '\n');
