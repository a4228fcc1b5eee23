import { ConfigError, createLogger, loadConfig } from '@marketqr/service-kit';
import { webConfigShape } from './config';
import { startWeb, WEB_NAME } from './web';

async function main(): Promise<void> {
  const config = loadConfig(webConfigShape);
  const logger = createLogger(WEB_NAME, config.LOG_LEVEL);
  await startWeb(config, logger, true);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
