import { ChangeFeed } from './change-feed';

/**
 * A cache of values that belong to a user (a session's principal, an API key's), trusted only while
 * the change feed is live: every committed change to a user's sessions, keys or identity is pushed
 * by PostgreSQL to every instance, which drops that user's entries before the next request; a feed
 * reset drops everything. A value read from the database while a change arrived is not kept: take
 * `readStarted()` before the read and hand it to `set`. Entries also age out after `maxAgeMs`, and
 * the whole cache is cleared when it reaches `maxEntries`.
 */
export class UserScopedCache<V> {
  private readonly entries = new Map<string, { userId: string; value: V; cachedAtMs: number }>();
  private readonly byUser = new Map<string, Set<string>>();
  private generation = 0;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly limits: { maxEntries: number; maxAgeMs: number },
  ) {
    feed.subscribe((event) => {
      this.generation++;
      if (event.kind === 'reset') {
        this.entries.clear();
        this.byUser.clear();
      } else {
        this.dropUser(event.id);
      }
    });
  }

  /** The value, while the feed is live and the entry is younger than `maxAgeMs`. */
  get(key: string, nowMs: number): V | undefined {
    if (!this.feed.live) {
      return undefined;
    }
    const entry = this.entries.get(key);
    return entry && nowMs - entry.cachedAtMs < this.limits.maxAgeMs ? entry.value : undefined;
  }

  /** Marks the start of a database read whose result may be cached. */
  readStarted(): number {
    return this.generation;
  }

  /** Keeps a value read since `readStarted`, unless the feed is down or a change arrived meanwhile. */
  set(key: string, userId: string, value: V, readStarted: number, nowMs: number): void {
    if (!this.feed.live || readStarted !== this.generation) {
      return;
    }
    if (this.entries.size >= this.limits.maxEntries) {
      this.entries.clear();
      this.byUser.clear();
    }
    this.entries.set(key, { userId, value, cachedAtMs: nowMs });
    let keys = this.byUser.get(userId);
    if (!keys) {
      keys = new Set();
      this.byUser.set(userId, keys);
    }
    keys.add(key);
  }

  /** Local eviction for this instance (it just changed the user); the feed evicts on every other one at commit. */
  forget(userId: string): void {
    this.generation++;
    this.dropUser(userId);
  }

  private dropUser(userId: string): void {
    for (const key of this.byUser.get(userId) ?? []) {
      this.entries.delete(key);
    }
    this.byUser.delete(userId);
  }
}
