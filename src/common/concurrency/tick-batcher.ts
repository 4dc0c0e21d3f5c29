/**
 * Gathers the items submitted in one turn of the event loop and runs them as one call (one SQL statement for
 * many requests: the requests a venue engine's batch answers all continue in the same turn). The first item
 * schedules the run with setImmediate, so a lone item waits for nothing but the rest of its turn. Each run is
 * independent: a slow run holds up only the items that came in its turn.
 */
export class TickBatcher<Item, Result> {
  private queued: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];

  /** `run` answers one result per item, in order; if it throws, every item of that run is rejected with the error. */
  constructor(
    private readonly run: (items: Item[]) => Promise<Result[]>,
    private readonly maxItems = 256,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.flush());
      this.queued.push({ item, resolve, reject });
    });
  }

  private flush(): void {
    const queued = this.queued;
    this.queued = [];
    for (let start = 0; start < queued.length; start += this.maxItems) {
      const part = queued.slice(start, start + this.maxItems);
      Promise.resolve(part.map((entry) => entry.item))
        .then((items) => this.run(items))
        .then(
          (results) => part.forEach((entry, index) => entry.resolve(results[index])),
          (error: unknown) => part.forEach((entry) => entry.reject(error)),
        );
    }
  }
}
