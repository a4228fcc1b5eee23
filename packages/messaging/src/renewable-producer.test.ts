import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { RenewableProducer } from './renewable-producer';

/**
 * The renewal's logic with stand-in producers (what kafkajs does on a real cluster is covered by test/outbox.test.ts
 * and the fault scenarios): each fake records its calls and fails a send or a connect when told to.
 */
class FakeProducer {
  connected = false;
  disconnects = 0;
  readonly sent: string[] = [];
  /** Sends that fail, or hang until released, in order of arrival. */
  failSends = 0;
  failConnect = false;
  hold: Promise<void> | undefined;

  constructor(readonly id: number) {}

  async connect() {
    if (this.failConnect) throw new Error(`producer ${this.id}: connection refused`);
    this.connected = true;
  }

  async disconnect() {
    this.disconnects++;
    this.connected = false;
  }

  async send(record: { topic: string }) {
    return this.deliver(record.topic);
  }

  async sendBatch(batch: { topicMessages: { topic: string }[] }) {
    return this.deliver(batch.topicMessages.map((t) => t.topic).join(','));
  }

  private async deliver(what: string) {
    if (!this.connected) throw new Error(`producer ${this.id}: not connected`);
    await this.hold;
    if (this.failSends > 0) {
      this.failSends--;
      throw new Error('The broker received an out of order sequence number');
    }
    this.sent.push(what);
    return [];
  }
}

function setup(opts: { given?: FakeProducer; prepare?: (p: FakeProducer) => void } = {}) {
  const made: FakeProducer[] = [];
  const warnings: string[] = [];
  const producer = new RenewableProducer({
    name: 'test sender',
    create: () => {
      const p = new FakeProducer(made.length + 1);
      opts.prepare?.(p);
      made.push(p);
      return p as unknown as Producer;
    },
    given: opts.given as unknown as Producer | undefined,
    logger: { warn: (msg: string) => void warnings.push(msg) } as unknown as Logger,
  });
  return { producer, made, warnings };
}

const record = (topic: string) => ({ topic, messages: [{ value: 'v' }] });
const batch = (topic: string) => ({ topicMessages: [record(topic)] });
const settle = () => new Promise((r) => setImmediate(r));

describe('RenewableProducer', () => {
  it('sends with one producer of its own while sends succeed, and disconnects it', async () => {
    const { producer, made, warnings } = setup();
    await expect(producer.send(record('t'))).rejects.toThrow('test sender not started');
    await producer.connect();
    await producer.send(record('a'));
    await producer.sendBatch(batch('b'));
    expect(made).toHaveLength(1);
    expect(made[0]!.sent).toEqual(['a', 'b']);
    await producer.disconnect();
    expect(made[0]!.disconnects).toBe(1);
    await expect(producer.sendBatch(batch('c'))).rejects.toThrow('test sender not started');
    expect(warnings).toEqual([]);
  });

  it('after a failed send, connects a new producer before the next send and lets the old one go', async () => {
    const { producer, made, warnings } = setup({ prepare: (p) => (p.failSends = p.id === 1 ? Infinity : 0) });
    await producer.connect();
    await expect(producer.sendBatch(batch('a'))).rejects.toThrow('out of order sequence number');
    expect(made).toHaveLength(1); // nothing renewed until there is something to send
    await producer.sendBatch(batch('a'));
    await producer.send(record('b'));
    await settle();
    expect(made).toHaveLength(2);
    expect(made[0]!.disconnects).toBe(1);
    expect(made[1]!.sent).toEqual(['a', 'b']);
    expect(warnings).toEqual(['test sender renewed its producer after a failed send']);
    await producer.disconnect();
    expect(made[1]!.disconnects).toBe(1);
  });

  it('stays suspect while a new producer cannot connect (an outage), and tries again at the next send', async () => {
    const { producer, made } = setup({
      prepare: (p) => {
        p.failSends = p.id === 1 ? 1 : 0;
        p.failConnect = p.id === 2 || p.id === 3;
      },
    });
    await producer.connect();
    await expect(producer.send(record('a'))).rejects.toThrow('out of order');
    await expect(producer.send(record('a'))).rejects.toThrow('producer 2: connection refused');
    await expect(producer.send(record('a'))).rejects.toThrow('producer 3: connection refused');
    await producer.send(record('a'));
    await settle();
    expect(made.map((p) => [p.id, p.sent, p.disconnects])).toEqual([
      [1, [], 1],
      [2, [], 1],
      [3, [], 1],
      [4, ['a'], 0],
    ]);
    // Stopped during the outage instead: the old producer is still the one to disconnect.
    const b = setup({ prepare: (p) => ((p.failSends = 1), (p.failConnect = p.id > 1)) });
    await b.producer.connect();
    await expect(b.producer.send(record('x'))).rejects.toThrow('out of order');
    await expect(b.producer.send(record('x'))).rejects.toThrow('connection refused');
    await b.producer.disconnect();
    expect(b.made[0]!.disconnects).toBe(1);
  });

  it('never connects, renews or disconnects a producer given by the caller', async () => {
    const given = new FakeProducer(0);
    given.connected = true;
    given.failSends = 1;
    const { producer, made } = setup({ given });
    await producer.connect();
    await expect(producer.send(record('a'))).rejects.toThrow('out of order');
    await producer.send(record('b'));
    await producer.disconnect();
    expect(made).toHaveLength(0);
    expect([given.sent, given.disconnects, given.connected]).toEqual([['b'], 0, true]);
  });

  /** Sends on the first producer that wait for the broker until released: the first fails, the second not yet. */
  async function oneFailedOneInFlight(failSends: number) {
    const t = setup({ prepare: (p) => (p.failSends = p.id === 1 ? failSends : 0) });
    await t.producer.connect();
    const old = t.made[0]!;
    let releaseFirst!: () => void;
    let releaseSecond!: () => void;
    old.hold = new Promise((r) => (releaseFirst = r));
    const first = t.producer.send(record('a'));
    old.hold = new Promise((r) => (releaseSecond = r));
    const second = t.producer.send(record('b'));
    releaseFirst();
    await expect(first).rejects.toThrow('out of order');
    return { ...t, old, second, releaseSecond };
  }

  it('renews once for concurrent sends, and disconnects the old producer only when its sends in flight are over', async () => {
    const { producer, made, old, second, releaseSecond } = await oneFailedOneInFlight(1);
    await Promise.all([producer.send(record('c')), producer.send(record('d'))]);
    expect(made).toHaveLength(2);
    expect(made[1]!.sent).toEqual(['c', 'd']);
    await settle();
    expect(old.disconnects).toBe(0);
    releaseSecond();
    await second;
    await settle();
    expect(old.sent).toEqual(['b']);
    expect(old.disconnects).toBe(1);
  });

  it('a send that fails on a producer already replaced does not make the new one suspect', async () => {
    const { producer, made, second, releaseSecond } = await oneFailedOneInFlight(2);
    await producer.send(record('c'));
    releaseSecond();
    await expect(second).rejects.toThrow('out of order');
    await producer.send(record('d'));
    expect(made).toHaveLength(2);
    expect(made[1]!.sent).toEqual(['c', 'd']);
  });
});
