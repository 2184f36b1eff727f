/**
 * Remembers signatures for the length of the clock window so that an API user who opted in
 * (`reject_replay`) gets a repeated signature refused. In memory, bounded; a multi-node
 * deployment shares it through Redis (later).
 */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();

  constructor(private readonly maxEntries = 200_000) {}

  /** Records `key` until `expiresAt` (unix seconds); false when it was already recorded. */
  remember(key: string, expiresAt: number, now: number): boolean {
    const known = this.#seen.get(key);
    if (known !== undefined && known >= now) return false;
    if (this.#seen.size >= this.maxEntries) this.#sweep(now);
    this.#seen.set(key, expiresAt);
    return true;
  }

  #sweep(now: number): void {
    for (const [key, expiresAt] of this.#seen) if (expiresAt < now) this.#seen.delete(key);
    // Still full of live entries: drop the oldest half rather than grow without bound.
    if (this.#seen.size >= this.maxEntries) {
      let drop = Math.floor(this.#seen.size / 2);
      for (const key of this.#seen.keys()) {
        if (drop-- <= 0) break;
        this.#seen.delete(key);
      }
    }
  }
}
