import { Agent, request } from 'node:http';
import { createTokenIssuer, loadAuthConfig } from '@marketqr/auth';
import { uniqueName, waitFor } from '@marketqr/test-harness';
import { databaseDelta, databaseTime } from './e2e';
import { announceStalls, cpuSeconds, freePort, infraCpuSeconds, percentile, rssMb, startBuilt } from './support';

const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuv';

export interface RateStep {
  rate: number;
  sent: number;
  ok: number;
  errors: number;
  /** What the failed requests got: a status, or a connection error's code, with how many. */
  failures: Record<string, number>;
  p50: number;
  p975: number;
  p99: number;
  achieved: number;
  /** Share of one core during the step: qr-generation, the database (FerretDB, PostgreSQL) and the load generator. */
  cpu: Record<string, number>;
  /** Database commands qr-generation sent per QR issued. */
  commandsPerQr: number;
  /** The same, by command and collection: commands and milliseconds of database time per QR, the costliest first. */
  commands: { command: string; collection: string; perQr: number; msPerQr: number }[];
}

/**
 * Dynamic QR issue requests (`POST /stalls/:id/qr/dynamic`: the answer carries the payload, which the vendor's phone
 * draws) through qr-generation's HTTP API, open loop: the i-th request leaves at start + i/rate whether or not earlier
 * ones were answered, spread over the market's stalls, each by its own vendor. A request's time runs from when it was
 * due, so a generator or server that falls behind shows in the percentiles instead of slowing the offered rate (a
 * closed-loop client with a fixed number of connections hides that queue). Steps up until p99 passes 100 ms, requests
 * fail, or fewer than 95 % of the offered requests are answered within the step.
 */
export async function qrBench(
  brokers: string[],
  mongoUrl: string,
  opts: { seconds: number; rates: number[]; stalls: number },
) {
  const prefix = `${uniqueName('benchqr')}.`;
  const port = freePort();
  const svc = await startBuilt('qr-generation', 'services/qr-generation/dist/main.js', {
    PORT: String(port),
    KAFKA_BROKERS: brokers.join(','),
    MONGO_URL: mongoUrl,
    MONGO_DB: uniqueName('bench_qr'),
    KAFKA_TOPIC_PREFIX: prefix,
    JWT_SECRET: SECRET,
  });
  const stalls = Array.from({ length: opts.stalls }, (_, i) => ({
    merchantId: uniqueName('stall'),
    stallCode: `A-${String(i + 1).padStart(3, '0')}`,
    virtualAccount: `96123400${String(i + 1).padStart(5, '0')}`,
  }));
  await announceStalls(brokers, prefix, { marketId: 'cho-bench', bin: '970418' }, stalls);

  const issuer = createTokenIssuer(loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET }, { issuer: true }));
  const requests = stalls.map((s) => ({
    url: `${svc.url}/stalls/${s.merchantId}/qr/dynamic`,
    headers: {
      authorization: `Bearer ${issuer.issue({ role: 'vendor', sub: `vendor-${s.stallCode}`, merchantId: s.merchantId, marketId: 'cho-bench' }).token}`,
      'content-type': 'application/json',
    },
  }));
  // node:http with kept-alive sockets rather than fetch: fetch cost the generator about 1.3 ms of CPU per request,
  // CPU taken from the service it measures on a 2-core machine.
  // Kept-alive sockets, but none idle past 3 s: the server closes a socket idle for 5 s (Node's keepAliveTimeout), and
  // a request sent on it at that instant fails with ECONNRESET, a race of this client's own making (the web app's
  // proxy opens a connection per request). The agent destroys a free socket when its timeout passes.
  const agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 3_000 });
  /** The answer's status, or what went wrong on the way (a connection error's code). */
  const issue = (r: (typeof requests)[number], amount: number): Promise<string> =>
    new Promise((done) => {
      const body = JSON.stringify({ amount, note: 'bench' });
      const req = request(
        r.url,
        { method: 'POST', agent, headers: { ...r.headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => done(String(res.statusCode)));
          res.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'response error'));
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'request error'));
      req.end(body);
    });
  // Every stall known to the service (its merchant events consumed) before anything is timed.
  await waitFor(async () => (await Promise.all(requests.map((r) => issue(r, 1_000)))).every((a) => a === '201'), {
    timeoutMs: 60_000,
    intervalMs: 500,
    what: 'qr-generation to know every stall',
  });

  const steps: RateStep[] = [];
  let peakRss = 0;
  for (const rate of opts.rates) {
    const dbBefore = await databaseTime([svc]);
    const cpuBefore = {
      'qr-generation': cpuSeconds(svc.pid) ?? 0,
      bench: process.cpuUsage(),
      infra: infraCpuSeconds(),
    };
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(svc.pid) ?? 0)), 250);
    const total = Math.round(rate * opts.seconds);
    const started = performance.now();
    const timings: Promise<number | null>[] = [];
    const failures: Record<string, number> = {};
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      timings.push(
        issue(requests[i % requests.length]!, 10_000 + (i % 90) * 1_000).then((answer) => {
          if (answer === '201') return performance.now() - due;
          failures[answer] = (failures[answer] ?? 0) + 1;
          return null;
        }),
      );
    }
    const answered = await Promise.all(timings);

    const elapsed = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const infraAfter = infraCpuSeconds();
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const cpu: Record<string, number> = {
      'qr-generation': ((cpuSeconds(svc.pid) ?? 0) - cpuBefore['qr-generation']) / elapsed,
      ...Object.fromEntries(
        Object.entries(infraAfter).map(([k, v]) => [k, (v - (cpuBefore.infra[k] ?? 0)) / elapsed] as const),
      ),
      bench: (benchCpu.user + benchCpu.system) / 1e6 / elapsed,
    };
    const database = databaseDelta(dbBefore, await databaseTime([svc]));
    const commands = database.reduce((n, d) => n + d.count, 0);
    const latencies = answered.filter((t): t is number => t !== null).sort((a, b) => a - b);
    const ok = latencies.length;
    const step: RateStep = {
      rate,
      sent: total,
      ok,
      errors: total - ok,
      failures,
      p50: Math.round(percentile(latencies, 50)),
      p975: Math.round(percentile(latencies, 97.5)),
      p99: Math.round(percentile(latencies, 99)),
      // Answered per second of the step, the tail included: a server that falls behind finishes late.
      achieved: ok / elapsed,
      cpu,
      commandsPerQr: ok > 0 ? commands / ok : 0,
      commands: database.map((d) => ({
        command: d.command,
        collection: d.collection,
        perQr: ok > 0 ? d.count / ok : 0,
        msPerQr: ok > 0 ? (d.seconds * 1000) / ok : 0,
      })),
    };
    steps.push(step);
    if (!passes(step)) break;
  }
  agent.destroy();
  await svc.stop();
  const passing = steps.filter(passes);
  return { steps, stalls: opts.stalls, best: passing[passing.length - 1] ?? null, peakRssMb: peakRss };
}

/** A step passes only if the service kept up with the offered rate, answered every request, and p99 < 100 ms. */
const passes = (s: RateStep) => s.p99 < 100 && s.errors === 0 && s.achieved >= 0.95 * s.rate;
