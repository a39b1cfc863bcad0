import type { z } from 'zod';
import { upstreamFailure } from './errcodes.ts';

/** An answer without an errcode that still lacks the fields we need is WeChat's failure, not ours. */
export function parseAnswer<T extends z.ZodType>(schema: T, answer: unknown, api: string, appid: string): z.infer<T> {
  const parsed = schema.safeParse(answer);
  if (!parsed.success) throw upstreamFailure(`unexpected answer shape: ${parsed.error.issues[0]?.path.join('.') ?? ''}`, api, appid);
  return parsed.data;
}
