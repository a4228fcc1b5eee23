#!/usr/bin/env node
/**
 * `pnpm dlq <service> list|show|replay|discard …`: a service's dead letters, and an operator's decision on each.
 * See dead-letters.ts for what a decision does and why it is taken once. Exit codes: 0 done (or already done),
 * 1 the tools failed (Kafka or the database unreachable), 2 a request refused (its stable code is printed).
 */
import { hostname, userInfo } from 'node:os';
import mongoose from 'mongoose';
import pino from 'pino';
import { topicsConsumedBy } from '@marketqr/contracts';
import { defaultDbName } from '@marketqr/mongo';
import { deadLetterTools, DeadLetterError, type DeadLetter, type DecisionOutcome } from './dead-letters';
import { createKafka } from './kafka';

const USAGE = `usage: pnpm dlq <service> list [--all] [--json]
       pnpm dlq <service> show <partition:offset>
       pnpm dlq <service> replay <partition:offset>... [--by NAME]
       pnpm dlq <service> discard <partition:offset> --reason TEXT [--by NAME]
env: KAFKA_BROKERS (127.0.0.1:9092), KAFKA_TOPIC_PREFIX, MONGO_URL (mongodb://127.0.0.1:27017), MONGO_DB (marketqr_<service>)`;

class UsageError extends Error {}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}

const line = (d: DeadLetter) =>
  [
    d.id.padEnd(8),
    (d.decision ? d.decision.action : 'open').padEnd(9),
    d.failedAt.padEnd(24),
    (d.eventType ?? '-').padEnd(26),
    (d.eventId ?? '-').padEnd(38),
    d.errorCode,
  ].join(' ');

const said = (id: string, r: DecisionOutcome) =>
  r.outcome === 'done'
    ? `${id}: ${r.decision.action}`
    : `${id}: already ${r.decision.action} by ${r.decision.by} at ${r.decision.at.toISOString()} (nothing done)`;

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const [service, command] = args.splice(0, 2);
  if (!service || !command || service === '--help') throw new UsageError('a service and a command are needed');
  if (topicsConsumedBy(service).length === 0)
    throw new UsageError(`${service} consumes no topic: it has no dead letters`);
  const json = flag(args, '--json');
  const all = flag(args, '--all');
  const by = option(args, '--by') ?? `${userInfo().username}@${hostname()}`;
  const reason = option(args, '--reason');

  const logger = pino({ level: 'error' });
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    clientId: `marketqr-dlq-${service}`,
    logger,
    kafkaLogLevel: 'error',
  });
  const db = await mongoose
    .createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', {
      dbName: process.env.MONGO_DB || defaultDbName(service),
      serverSelectionTimeoutMS: 5_000,
    })
    .asPromise();
  const tools = deadLetterTools({ kafka, db, service, topicPrefix: process.env.KAFKA_TOPIC_PREFIX });
  try {
    switch (command) {
      case 'list': {
        const letters = (await tools.list()).filter((d) => all || !d.decision);
        if (json) process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
        else if (letters.length === 0) process.stdout.write(`no ${all ? '' : 'open '}dead letters in ${tools.topic}\n`);
        else process.stdout.write(`${letters.map(line).join('\n')}\n`);
        return 0;
      }
      case 'show': {
        if (args.length !== 1) throw new UsageError('show takes one id');
        process.stdout.write(`${JSON.stringify(await tools.show(args[0]!), null, 2)}\n`);
        return 0;
      }
      case 'replay': {
        if (args.length === 0) throw new UsageError('replay takes one id or more');
        for (const id of args) process.stdout.write(`${said(id, await tools.replay(id, { by }))}\n`);
        return 0;
      }
      case 'discard': {
        if (args.length !== 1) throw new UsageError('discard takes one id');
        process.stdout.write(`${said(args[0]!, await tools.discard(args[0]!, { by, reason: reason ?? '' }))}\n`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    await tools.close();
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`DLQ.USAGE: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    if (err instanceof DeadLetterError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`dlq failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
