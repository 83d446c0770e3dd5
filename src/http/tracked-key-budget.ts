/**
 * About how many distinct keys the failed-authentication limiter has started counting within the last two windows:
 * an upper bound of the keys it holds (each expires one window after its first failure).
 *
 * @remarks Two counters, the current window's and the previous one's, instead of one entry per key: the budget
 * itself takes constant memory, and reading it is O(1).
 */
export class TrackedKeyBudget {
  private windowStart = 0;
  private current = 0;
  private previous = 0;

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether as many keys as `max` may be held now: a key not yet counted should not get an entry of its own. */
  full(): boolean {
    this.roll();
    return this.current + this.previous >= this.max;
  }

  /** One more key started being counted. */
  added(): void {
    this.roll();
    this.current += 1;
  }

  private roll(): void {
    const elapsed = this.now() - this.windowStart;
    if (elapsed < this.windowMs) return;
    this.previous = elapsed < 2 * this.windowMs ? this.current : 0;
    this.current = 0;
    this.windowStart = this.now();
  }
}
