import { Writable } from 'node:stream';
import pino from 'pino';
import { createIdempotentProducer, createKafka } from '../src/kafka';

function capture(level: 'warn' | 'debug') {
  const lines: { level: number; msg: string; component?: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

// Creating a producer talks to no broker: kafkajs checks its options (and logs about them) in the constructor.
test('kafkajs logs go through pino as structured lines; the bounded-retries notice is debug, not a warning', async () => {
  const warn = capture('warn');
  createIdempotentProducer(createKafka({ brokers: ['127.0.0.1:1'], clientId: 'log-test', logger: warn.logger }));
  await new Promise((r) => setImmediate(r));
  expect(warn.lines.filter((l) => /Limiting retries/.test(l.msg))).toEqual([]);

  const debug = capture('debug');
  createIdempotentProducer(
    createKafka({ brokers: ['127.0.0.1:1'], clientId: 'log-test', logger: debug.logger, kafkaLogLevel: 'debug' }),
  );
  await new Promise((r) => setImmediate(r));
  const notice = debug.lines.find((l) => /Limiting retries/.test(l.msg));
  expect(notice).toMatchObject({ level: 20, component: 'kafkajs' });
});
