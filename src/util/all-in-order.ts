/**
 * `Promise.all` with a deterministic failure: waits for every promise, then throws the first
 * rejection in argument order. `Promise.all` throws whichever rejects first in time, and requests
 * sent at once to object storage fail in network order — so the same wrong credentials would name
 * one file in one run and another in the next.
 */
export async function allInOrder<T extends readonly unknown[] | []>(values: T): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const settled = await Promise.allSettled(values);
  const results: unknown[] = [];
  for (const s of settled) {
    if (s.status === 'rejected') throw s.reason;
    results.push(s.value);
  }
  return results as { -readonly [P in keyof T]: Awaited<T[P]> };
}
