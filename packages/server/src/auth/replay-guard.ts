/**
 * Remembers signatures for the length of the clock window so that an API user who opted in
 * (`reject_replay`) gets a repeated signature refused. In memory, bounded: when full, the least
 * recently seen signature is forgotten first (never the lot); a multi-node deployment shares it
 * through Redis (later).
 */
import { LRUCache } from 'lru-cache';

export class ReplayGuard {
  /**
   * Signature key → unix second until which it counts as used. Made on first use: the cache sizes
   * its arrays for maxEntries at once (~5 MB and ~15 ms for 200,000), which a server whose API
   * users never opt in should not pay at start-up.
   */
  #seen: LRUCache<string, number> | undefined;

  constructor(private readonly maxEntries = 200_000) {}

  /** Records `key` until `expiresAt` (unix seconds); false when it was already recorded. */
  remember(key: string, expiresAt: number, now: number): boolean {
    this.#seen ??= new LRUCache({ max: this.maxEntries });
    const known = this.#seen.get(key);
    if (known !== undefined && known >= now) return false;
    this.#seen.set(key, expiresAt);
    return true;
  }
}
