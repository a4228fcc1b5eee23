/**
 * The pause of a worker loop that someone can cut short: the loop waits up to a poll interval for work, and a writer
 * that just made some (an outbox write, a payout line come due) nudges it to go at once. A nudge that comes while the
 * loop is busy is not lost: the next wait returns at once. Used by the outbox relay and settlement's payout worker.
 */
export class Wakeup {
  private nudged = false;
  private wake: (() => void) | undefined;

  /** Ends the current wait, or the next one if the loop is busy now. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Ends the current wait without marking work (stop: the loop then sees it should end). */
  interrupt(): void {
    this.wake?.();
  }

  /**
   * Waits up to `ms`, less if nudged (before or during the wait). Clears the nudge: call it at the top of a pass, or
   * let the wait do it.
   */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.nudged) {
        this.nudged = false;
        return resolve();
      }
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.nudged = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Forgets a nudge that came before the pass that is about to start (that pass will see its work anyway). */
  clear(): void {
    this.nudged = false;
  }
}
