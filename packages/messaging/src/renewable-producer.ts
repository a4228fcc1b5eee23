import type { Kafka, Producer, ProducerBatch, ProducerRecord, RecordMetadata } from 'kafkajs';
import type { Logger } from 'pino';
import { createIdempotentProducer } from './kafka';

export type RenewableProducerOptions = {
  /** Who sends, for the errors and the log line: "outbox relay", "consumer". */
  name: string;
  /** A producer of the caller's own: used as it is, never connected, renewed or disconnected here. */
  given?: Producer;
  /** Where the renewal is logged (a warning). */
  logger?: Logger;
} & (
  | {
      /** Producers of `createIdempotentProducer(kafka)`: the first one, and one after each failed send. */
      kafka: Kafka;
    }
  | {
      /** Makes a new producer: the first one, and one after each failed send (the unit test's fakes). */
      create: () => Producer;
    }
);

/**
 * A producer that is replaced by a new one after a failed send, for the outbox relay and the consumer's dead letters.
 *
 * A send that failed may still have been written: on a three-broker cluster with one broker left, the leader appends
 * the batch and then waits in vain for a second in-sync copy (min.insync.replicas 2), so the send times out. kafkajs
 * then rolls its sequence numbers back, and the next, different batch reuses them: the broker answers
 * OUT_OF_ORDER_SEQUENCE_NUMBER, which kafkajs never retries, and every later send of that producer fails for ever,
 * even once the cluster is whole (found by fault scenario 8c). So after a failed send the producer is suspect, and the
 * next send first connects a new one: a new producer id starts new sequences. Records the old one had appended may
 * then appear twice on the topic, which is at-least-once as ever (consumers drop duplicates by event id).
 *
 * The old producer is disconnected once the sends it still had in flight are over; concurrent sends after a failure
 * share one renewal. While the new producer cannot connect (an outage), each send fails and the next one tries again.
 */
export class RenewableProducer {
  private producer: Producer | undefined;
  private suspect = false;
  private renewing: Promise<Producer> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  private readonly create: () => Producer;

  constructor(private readonly opts: RenewableProducerOptions) {
    this.create = 'create' in opts ? opts.create : () => createIdempotentProducer(opts.kafka);
  }

  /** Connects a producer of its own; a given one is taken as it is. */
  async connect(): Promise<void> {
    this.suspect = false;
    this.producer = this.opts.given ?? (await this.connected(this.create()));
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.sending((p) => p.send(record));
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.sending((p) => p.sendBatch(batch));
  }

  /** Disconnects its own producer (not a given one). Sends after this fail until `connect` is called again. */
  async disconnect(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    this.suspect = false;
    if (p && p !== this.opts.given) await p.disconnect();
  }

  private async sending<T>(op: (p: Producer) => Promise<T>): Promise<T> {
    if (!this.producer) throw new Error(`${this.opts.name} not started`);
    if (this.suspect) this.renewing ??= this.renew().finally(() => (this.renewing = undefined));
    const p = this.renewing ? await this.renewing : this.producer;
    const sent = op(p);
    this.inFlight.add(sent);
    try {
      return await sent;
    } catch (err) {
      // A send that failed on a producer already replaced says nothing about the new one.
      if (p === this.producer && p !== this.opts.given) this.suspect = true;
      throw err;
    } finally {
      this.inFlight.delete(sent);
    }
  }

  private async renew(): Promise<Producer> {
    const old = this.producer;
    // Every send in flight now is on the old producer (later ones wait for this renewal).
    const draining = [...this.inFlight];
    const fresh = await this.connected(this.create());
    if (this.producer !== old) {
      // Stopped (or started again) meanwhile: this producer is nobody's.
      void fresh.disconnect().catch(() => undefined);
      throw new Error(`${this.opts.name} not started`);
    }
    this.producer = fresh;
    this.suspect = false;
    void Promise.allSettled(draining)
      .then(() => old?.disconnect())
      .catch(() => undefined);
    this.opts.logger?.warn(`${this.opts.name} renewed its producer after a failed send`);
    return fresh;
  }

  /** `p`, connected; one that cannot connect is let go (a retry makes another). */
  private async connected(p: Producer): Promise<Producer> {
    try {
      await p.connect();
      return p;
    } catch (err) {
      void p.disconnect().catch(() => undefined);
      throw err;
    }
  }
}
