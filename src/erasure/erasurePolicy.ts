import { z } from 'zod';
import type { ErasureReason, LedgerEvent } from '../ledger/events.ts';

/**
 * What an account does when WeChat tells it a person withdrew (see README "Erasure"):
 * - `onUnsubscribe` — an Official Account follower left. WeChat: 「为保护用户数据隐私，开发者收到
 *   用户取消关注事件时需要删除该用户的所有信息」. Default `erase`.
 * - `onRevoke` — a mini program user withdrew authorization (`user_authorization_revoke`):
 *   「当用户撤回授权信息时……请开发者注意及时删除用户信息」. Default `erase`.
 * - `onCancellation` — the user deregistered (`user_authorization_cancellation`):
 *   「请依法依规及时履行相应个人信息保护义务」. Default `erase`.
 * `keep` records the fact and keeps the identity (e.g. a business with another legal basis).
 */
export const ErasurePolicy = z
  .object({
    onUnsubscribe: z.enum(['erase', 'keep']).default('erase'),
    onRevoke: z.enum(['erase', 'keep']).default('erase'),
    onCancellation: z.enum(['erase', 'keep']).default('erase'),
  })
  .strict();
export type ErasurePolicy = z.infer<typeof ErasurePolicy>;

export const DEFAULT_ERASURE_POLICY: ErasurePolicy = ErasurePolicy.parse({});

/** Pure: the erasure an appended event calls for under `policy`, if any. */
export function erasureCalledFor(policy: ErasurePolicy, event: LedgerEvent): { reason: ErasureReason; appid: string; openid: string } | null {
  if (event.erased) return null;
  const reason: ErasureReason | null =
    event.type === 'follow.unsubscribed' && policy.onUnsubscribe === 'erase'
      ? 'unsubscribe'
      : event.type === 'authorization.revoked' && policy.onRevoke === 'erase'
        ? 'revoke'
        : event.type === 'authorization.cancelled' && policy.onCancellation === 'erase'
          ? 'cancellation'
          : null;
  if (!reason) return null;
  const { appid, openid } = event.data as { appid: string; openid: string };
  return { reason, appid, openid };
}
