/** Splits `items` into arrays of at most `size` (WeChat's per-call limits: batchget and changeopenid take 100). */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
