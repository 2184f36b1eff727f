/**
 * Remembers signatures for the length of the clock window so that an API user who opted in
 * (`reject_replay`) gets a repeated signature refused. In memory, bounded: when full, the least
 * recently seen signature is forgotten first (never the lot); a multi-node deployment shares it
 * through Redis (later).
 */
import { LRUCache } from 'lru-cache';

export class ReplayGuard {
  /** Signature key → unix second until which it counts as used. */
  readonly #seen: LRUCache<string, number>;

  constructor(maxEntries = 200_000) {
    this.#seen = new LRUCache({ max: maxEntries });
  }

  /** Records `key` until `expiresAt` (unix seconds); false when it was already recorded. */
  remember(key: string, expiresAt: number, now: number): boolean {
    const known = this.#seen.get(key);
    if (known !== undefined && known >= now) return false;
    this.#seen.set(key, expiresAt);
    return true;
  }
}
