// A bounded set of tasks running in the background: the download workers hand each finished document to the store
// and go on to the next download, so downloading and committing overlap (issue 7) instead of taking turns.

export class PendingWork {
  #running = 0;
  #weight = 0;
  /** Callers waiting for a task to end (one promise each, rather than a Promise.race over every running task). */
  #waiting: Array<() => void> = [];
  #failure: { error: unknown } | undefined;
  readonly maxTasks: number;
  readonly maxWeight: number;

  /** At most `maxTasks` tasks, and `maxWeight` (bytes) between them, once one task is running. */
  constructor(maxTasks: number, maxWeight: number) {
    this.maxTasks = Math.max(1, maxTasks);
    this.maxWeight = maxWeight;
  }

  /**
   * Starts `task` once there is room for it (fewer than `maxTasks` running, and its weight fits, or nothing else
   * runs), then resolves: the caller goes on while it runs. Rejects with an earlier task's error instead: a task
   * that throws stops the work (tasks catch what they can live with themselves).
   */
  async add(task: () => Promise<void>, weight = 0): Promise<void> {
    this.#throwIfFailed();
    while (this.#running >= this.maxTasks || (this.#running > 0 && this.#weight + weight > this.maxWeight)) {
      await this.#taskEnded();
      this.#throwIfFailed();
    }
    this.#weight += weight;
    this.#running++;
    void task()
      .catch((e: unknown) => {
        this.#failure ??= { error: e };
      })
      .finally(() => {
        this.#weight -= weight;
        this.#running--;
        const waiting = this.#waiting;
        this.#waiting = [];
        for (const wake of waiting) wake();
      });
  }

  /** Waits for every task; rejects with the first error. */
  async drain(): Promise<void> {
    while (this.#running > 0) await this.#taskEnded();
    this.#throwIfFailed();
  }

  #taskEnded(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }
}
