import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs, one object per line, with the service name on every line: on stdout, or appended to the file
 * named by `LOG_FILE` when it is set (the test runner sets it, so that services started inside jest keep the console
 * for test results and leave their logs under `test-results/logs/`).
 */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  const file = process.env.LOG_FILE;
  return pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['req.headers.authorization', '*.password', '*.pin', '*.secret'], censor: '[redacted]' },
    },
    file ? pino.destination({ dest: file, append: true, mkdir: true, sync: true }) : undefined,
  );
}
