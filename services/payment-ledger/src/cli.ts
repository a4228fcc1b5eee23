/**
 * Operator commands against a payment-ledger database, read-only:
 *
 *   node services/payment-ledger/dist/cli.js check    balances = sum of postings, entries balance, chains complete
 *   node services/payment-ledger/dist/cli.js verify   recompute every entry hash and every account's hash chain
 *
 * (or `pnpm --filter @marketqr/payment-ledger ledger:check` / `ledger:verify`). Reads MONGO_URL and MONGO_DB
 * (default marketqr_payment_ledger). Prints a JSON report; exits 0 when clean, 1 when it found problems, 2 when it
 * could not run.
 */
import mongoose from 'mongoose';
import { checkLedger, verifyLedger } from './ledger/check';
import { registerModels } from './store/models';

async function run(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command !== 'check' && command !== 'verify') {
    process.stderr.write('usage: cli.js check|verify   (env: MONGO_URL, MONGO_DB)\n');
    return 2;
  }
  const url = process.env.MONGO_URL || 'mongodb://127.0.0.1:27017';
  const dbName = process.env.MONGO_DB || 'marketqr_payment_ledger';
  const connection = mongoose.createConnection();
  try {
    await connection.openUri(url, { dbName, autoIndex: false, autoCreate: false, serverSelectionTimeoutMS: 5_000 });
    const models = registerModels(connection);
    const report = command === 'check' ? await checkLedger(models) : await verifyLedger(models);
    process.stdout.write(`${JSON.stringify({ db: dbName, ...report }, null, 2)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`payment-ledger ${process.argv[2] ?? ''} failed: ${err.message}\n`);
      process.exit(2);
    },
  );
}

export { run };
