/**
 * Promise.all for steps that make things: it waits for every step to settle before it fails
 * with the first error, so a rollback that follows never races a step still running (a half
 * made network, a snapshot still being taken).
 */
export async function settleAll<T extends readonly unknown[]>(steps: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(steps);
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason instanceof Error ? result.reason : new Error(String(result.reason));
  }
  // Every result is fulfilled (checked above), in the order of `steps`.
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
