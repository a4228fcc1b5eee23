import { ConfigError, createLogger, loadConfig } from '@marketqr/service-kit';
import { simulatorConfigShape, webhookFromConfig } from './config';
import { SIMULATOR_NAME, startBankSimulator } from './simulator';

async function main(): Promise<void> {
  const config = loadConfig(simulatorConfigShape);
  const { webhooks, webhookRetry } = webhookFromConfig(config);
  const logger = createLogger(SIMULATOR_NAME, config.LOG_LEVEL);
  // startBankSimulator logs "bank simulator ready" with the port and the seed (needed to replay a run).
  await startBankSimulator({
    host: config.BANK_SIM_HOST,
    port: config.BANK_SIM_PORT,
    seed: config.BANK_SIM_SEED,
    apiKey: config.BANK_SIM_API_KEY,
    partnerBin: config.BANK_SIM_PARTNER_BIN,
    operatingAccount: config.BANK_SIM_OPERATING_ACCOUNT,
    faults: config.BANK_SIM_FAULTS,
    webhooks,
    webhookRetry,
    logger,
    handleSignals: true,
  });
}

main().catch((err: unknown) => {
  // Config problems are the operator's to fix: print them plainly, without a stack.
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
