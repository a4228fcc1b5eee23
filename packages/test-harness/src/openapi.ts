/**
 * The route specs a service's `/openapi.json` does not carry as an operation of the same id, at the same path and
 * method: none, when the document is derived from the specs as it should be. Each service's test/routes.test.ts asks.
 */
export function specsMissingFrom(
  doc: { paths?: Record<string, Record<string, { operationId?: string } | undefined> | undefined> },
  routes: Record<string, { operationId: string; method: string; path: string }>,
): string[] {
  return Object.values(routes)
    .filter(
      (spec) => doc.paths?.[spec.path.replace(/:(\w+)/g, '{$1}')]?.[spec.method]?.operationId !== spec.operationId,
    )
    .map((spec) => spec.operationId);
}
