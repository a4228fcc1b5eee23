import { createServer } from 'node:net';

/**
 * The first of `count` consecutive TCP ports on 127.0.0.1 that nothing listens on, for a private Kafka/FerretDB pair.
 * Chosen below Linux's ephemeral range (32768–60999): a port picked at random inside it can be the local end of some
 * outgoing connection at that moment, and the broker then fails to bind ("Address already in use", seen in a run).
 */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - count));
    let free = true;
    for (let p = base; p < base + count && free; p++) free = await canListen(p);
    if (free) return base;
  }
  throw new Error(`no run of ${count} free ports found between 20000 and 32000`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The ports of a private one-broker infrastructure (infra/local/infra.sh's variables): FerretDB, Kafka, its controller
 * and FerretDB's PostgreSQL (the default backend), free and consecutive, never the shared ones.
 */
export async function privateInfraPorts(): Promise<{
  MONGO_PORT: string;
  KAFKA_PORT: string;
  KAFKA_CONTROLLER_PORT: string;
  MARKETQR_PG_PORT: string;
}> {
  const base = await freePortRun(4);
  return {
    MONGO_PORT: String(base),
    KAFKA_PORT: String(base + 1),
    KAFKA_CONTROLLER_PORT: String(base + 2),
    MARKETQR_PG_PORT: String(base + 3),
  };
}
