/** Everything a route may use, built once per server (or per CLI command) from the config. */
import { Authenticator } from './auth/authenticator.js';
import { CredentialStore } from './auth/credential-store.js';
import { ReplayGuard } from './auth/replay-guard.js';
import { loadMasterKey, SecretBox } from './auth/secrets.js';
import { TokenService } from './auth/tokens.js';
import type { CairnConfig } from './config.js';
import { TenancyService } from './core/tenancy/tenancy-service.js';
import { openStore, type Store } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import path from 'node:path';
import { ResourceEngine } from './resources/engine.js';

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
  if (options.migrate !== false) await migrateToLatest(store);
  const master = loadMasterKey(config.masterKey, config.dataDir);
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
    resources: new ResourceEngine(store.db, store.dialect),
    authenticator: new Authenticator(credentials, tokens, new ReplayGuard(), config.clockSkewSeconds, now),
    now,
    masterKeyGenerated: master.generatedAt,
    close: async () => {
      if (!options.store) await store.close();
    },
  };
}
