import { PayloadError } from './errors.ts';
import type { Push } from './pushes.ts';

/**
 * A push names the account it is for: `ToUserName` is the account's original id (`gh_…`), and
 * the platform's authorization pushes (revoke, cancellation, profile change) carry the account's
 * `AppID` too. A push to /wechat/:appid/callback that names another account is refused (400
 * `wrong_account`): signed with a token two accounts shared, or copied from another account's
 * traffic, it must not become a fact about this one. Only the trusted document is judged — the
 * decrypted message in compatible and safe mode (whose trailing appid messageCrypto.ts already
 * checks), the body in plain mode. Without a configured `originalId` the ToUserName check is
 * skipped (the service warns at start); the AppID check needs nothing configured.
 */
export function checkRecipient(push: Push, account: { appid: string; originalId?: string | undefined }): void {
  if (account.originalId !== undefined && push.ToUserName !== undefined && push.ToUserName !== account.originalId) {
    throw new PayloadError('wrong_account', `ToUserName names another account than ${account.appid} (expected its originalId)`);
  }
  const named = 'AppID' in push ? push.AppID : undefined;
  if (named !== undefined && named !== '' && named !== account.appid) {
    throw new PayloadError('wrong_account', `AppID names another account than ${account.appid}`);
  }
}
