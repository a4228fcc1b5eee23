/**
 * Serialises async work per key inside one process. Why: on FerretDB 1.24 two concurrent updates of one document can
 * both apply on top of the same old state (see infra/local/README.md), so a service never lets two of its own
 * requests or workers change one aggregate at the same time. Across replicas, ownership comes from Kafka partitions.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.catch(() => undefined).then(work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      // Forget the key once nobody queued behind this call, so the map does not grow with every id ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  get size(): number {
    return this.tails.size;
  }
}
