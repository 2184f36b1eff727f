/** Everything a route may use, built once per server (or per CLI command) from the config. */
import { Authenticator } from './auth/authenticator.js';
import { CredentialStore } from './auth/credential-store.js';
import { ReplayGuard } from './auth/replay-guard.js';
import { TokenService } from './auth/tokens.js';
import { ConfigError, type CairnConfig } from './config.js';
import { confirmMasterKey, loadMasterKey, MASTER_KEY_FILE, readMasterKeyVerifier, type MasterKey } from './core/master-key.js';
import { SecretBox } from './core/secrets.js';
import { TenancyService } from './core/tenancy/tenancy-service.js';
import fs from 'node:fs';
import path from 'node:path';
import { openStore, type Store } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import { ResourceEngine } from './resources/engine.js';
import { CAIRN_RESOURCES } from './resources/registry.js';

export interface CairnServices {
  config: CairnConfig;
  store: Store;
  secrets: SecretBox;
  tenancy: TenancyService;
  credentials: CredentialStore;
  tokens: TokenService;
  /** The v3 resource engine (declarations in src/resources). */
  resources: ResourceEngine;
  authenticator: Authenticator;
  /** Unix seconds. */
  now: () => number;
  /** Set when this start generated a new master key file. */
  masterKeyGenerated?: string;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** An already-open store (tests); otherwise opened from the config. */
  store?: Store;
  now?: () => number;
  migrate?: boolean;
}

export async function createServices(config: CairnConfig, options: ServiceOptions = {}): Promise<CairnServices> {
  const store = options.store ?? openStore({ databaseUrl: config.databaseUrl, sqlitePath: path.join(config.dataDir, 'cairn.sqlite') });
  const migrated = options.migrate !== false;
  let master: MasterKey;
  try {
    if (migrated) await migrateToLatest(store);
    master = await openMasterKey(config, store, migrated);
  } catch (error) {
    if (!options.store) await store.close();
    throw error;
  }
  const secrets = new SecretBox(master.key);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const credentials = new CredentialStore(store.db, secrets);
  const tokens = new TokenService(secrets.deriveKey('tc-token'));
  return {
    config,
    store,
    secrets,
    tenancy: new TenancyService(store.db, secrets),
    credentials,
    tokens,
    resources: new ResourceEngine(store.db, store.dialect, CAIRN_RESOURCES, { publicUrl: config.publicUrl }),
    authenticator: new Authenticator({ credentials, tokens, replay: new ReplayGuard(), clockSkewSeconds: config.clockSkewSeconds, now }),
    now,
    masterKeyGenerated: master.generatedAt,
    close: async () => {
      if (!options.store) await store.close();
    },
  };
}

/**
 * The master key, confirmed against the database's record of it: a node whose key cannot decrypt
 * the stored secrets refuses to start (a ConfigError: one line, exit 1) rather than answer 500 to
 * every signed request, and generates no key file when the database already names another key.
 * `cairn migrate` (migrated false) may run before the record's table exists; it then only loads the key.
 */
async function openMasterKey(config: CairnConfig, store: Store, migrated: boolean): Promise<MasterKey> {
  const recorded = await readMasterKeyVerifier(store.db).catch((error: unknown) => {
    if (migrated) throw error;
    return null;
  });
  const master = loadMasterKey(config.masterKey, config.dataDir, { mayGenerate: recorded === undefined || recorded === null });
  const fromFirstNode = `set CAIRN_MASTER_KEY to the key the first node on this database uses, or copy ${MASTER_KEY_FILE} from its data directory into ${config.dataDir}`;
  if (!master) {
    throw new ConfigError(`This database's secrets are encrypted under a master key that ${config.dataDir} does not have (no ${MASTER_KEY_FILE}, no CAIRN_MASTER_KEY): ${fromFirstNode}. No key was generated.`);
  }
  if (recorded === null) return master;
  const verdict = await confirmMasterKey(store.db, new SecretBox(master.key), recorded);
  if (verdict !== 'mismatch') return master;
  if (master.generatedAt) fs.rmSync(master.generatedAt, { force: true });
  const source = config.masterKey ? 'CAIRN_MASTER_KEY' : path.join(config.dataDir, MASTER_KEY_FILE);
  throw new ConfigError(`The master key in ${source} is not the one this database's secrets are encrypted under, so no signed request could be verified: ${fromFirstNode}.`);
}
