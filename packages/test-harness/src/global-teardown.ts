/** Stops only what the global setup started (containers, or local infrastructure that was down before the run). */
export default async function globalTeardown(): Promise<void> {
  const started = globalThis.__MARKETQR_INFRA__;
  await started?.stop?.();
}
