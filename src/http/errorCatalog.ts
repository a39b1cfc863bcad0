/**
 * Every stable error `code` the HTTP API answers, with its status, what it means in general and a
 * message as the service writes it. The OpenAPI document lists, per route and status, the codes
 * that route can return (`errorResponses` in schemas.ts), drawing the wording from here; a route
 * adds what the code means on that route. `test/http/errorCatalog.unit.spec.ts` keeps this table
 * equal to the codes thrown in src/ and their statuses.
 */
export const ERROR_CATALOG = {
  // The request itself.
  invalid_request: {
    status: [400, 415],
    meaning: 'the request does not match its schema (path, query, headers or JSON body), or the body is not JSON',
    example: 'code: Too small: expected string to have >=1 characters',
  },
  payload_too_large: { status: [413], meaning: 'the body is larger than `bodyLimitBytes` (1 MiB by default), or a WeChat callback body larger than `callbackBodyLimitBytes` (64 KiB)', example: 'the body exceeds 1048576 bytes' },
  invalid_event: {
    status: [400],
    meaning: 'a field the ledger refuses in the event the request would append (e.g. U+0000, or an openid over 128 characters)',
    example: 'login.recorded: openid: must not contain U+0000',
  },
  idempotency_conflict: { status: [409], meaning: 'the idempotency key was already used for a different request', example: 'this idempotency key was already used for a different event' },
  min_position_ahead: { status: [400], meaning: '`minPosition` is beyond the ledger head: that position was never written', example: 'minPosition 5000 is beyond the ledger head (4821)' },
  internal_error: { status: [500], meaning: 'a bug: the message says nothing more, the service log has the error', example: 'internal error' },
  not_found: { status: [404], meaning: 'no such route or asset', example: 'no route for GET /v1/nothing' },

  // API keys.
  unauthorized: { status: [401], meaning: 'no `Authorization: Bearer <key>` header, or an unknown key', example: 'an API key is required (Authorization: Bearer <key>)' },
  forbidden_host: {
    status: [403],
    meaning: 'demo configuration only: the `Host` header is not localhost, 127.0.0.1 or [::1] with the service port (DNS rebinding), or a request (on any path, the WeChat callback included) has an `Origin` of another site or `null`',
    example: 'the demo configuration answers only requests to localhost, 127.0.0.1 or [::1] on its own port (Host header)',
  },
  forbidden: {
    status: [403],
    meaning: 'the API key lacks the scope, or is limited (`appids`) to other accounts',
    example: 'this API key is not allowed for appid wx3b7d9e1f2a4c6e80',
  },

  // The database and the read side: retry shortly.
  ledger_unavailable: { status: [503], meaning: 'PostgreSQL cannot be reached or does not answer in time; nothing was written', example: 'the ledger is unavailable; retry later' },
  projection_unavailable: { status: [503], meaning: 'a projection has no active version yet (a database the service has never run on)', example: 'projection identity-links has no active version yet' },
  projection_lag: {
    status: [503],
    meaning: 'the projections did not fold `minPosition` within 2 s',
    example: 'projections did not reach position 4821 in time (identity-links at 4790, follow-state at 4790)',
  },
  too_many_event_streams: {
    status: [503],
    meaning: '`maxEventStreams` NDJSON streams are open on this instance (`Retry-After: 1`)',
    example: '8 event streams are open; retry shortly, or page with ?after=',
  },

  // WeChat callbacks (src/wechat/errors.ts).
  unknown_appid: { status: [404], meaning: 'the appid is not a configured account of the kind the route needs', example: 'wx3b7d9e1f2a4c6e80 is not a configured account' },
  invalid_signature: { status: [403], meaning: '`signature` (or `msg_signature` over the ciphertext) does not match the account token', example: 'signature does not match' },
  stale_timestamp: {
    status: [403],
    meaning: '`timestamp` is not seconds since the epoch in canonical decimal (digits, no leading zero or sign), or further than `wechat.timestampToleranceSeconds` from our clock',
    example: 'timestamp is more than 300s from now',
  },
  replayed_nonce: { status: [403], meaning: 'this signed URL (its signature, whichever way timestamp and nonce split the signed digits) already carried a different document', example: 'this signed URL was already used with a different body' },
  encryption_required: {
    status: [403],
    meaning: 'a push without `Encrypt` to an account in `compatible` or `safe` mode',
    example: 'this account is in safe mode: a push without Encrypt is refused',
  },
  hostile_xml: { status: [400], meaning: 'XML with a DOCTYPE or ENTITY declaration', example: 'DOCTYPE and ENTITY declarations are not accepted' },
  malformed_xml: { status: [400], meaning: 'XML that is not well formed, not one `<xml>` root, nested too deep or with a repeated field', example: 'body is not well-formed XML' },
  malformed_json: { status: [400], meaning: 'a JSON push that is not an object or nests deeper than 16 levels', example: 'body is not valid JSON' },
  invalid_push: { status: [400], meaning: 'a push without the fields its type needs, or a URL verification without `echostr`', example: 'push has missing or invalid fields: FromUserName' },
  invalid_create_time: {
    status: [400],
    meaning: '`CreateTime` more than 60 s after now or after `timestamp`, or more than an hour before `timestamp`',
    example: "CreateTime is 7200 s ahead of this server's clock (at most 60 s)",
  },
  wrong_account: {
    status: [400],
    meaning: "the push names another account: its `ToUserName` is not this account's `originalId`, or its `AppID` not this appid",
    example: 'ToUserName names another account than wx3b7d9e1f2a4c6e80 (expected its originalId)',
  },
  malformed_payload: { status: [400], meaning: 'ciphertext or decrypted content without the parts it must have', example: 'encrypt_type=aes but the body has no Encrypt' },
  decrypt_failed: { status: [400], meaning: 'the ciphertext does not decrypt with the key (padding, block size, base64)', example: 'ciphertext is not a whole number of 32-byte blocks' },
  appid_mismatch: { status: [400], meaning: 'the decrypted message names another appid', example: 'the message was encrypted for another appid' },

  // Mini program and web logins.
  invalid_raw_data_signature: { status: [400], meaning: '`signature` is not sha1(rawData + session_key)', example: 'signature does not match sha1(rawData + session_key)' },
  watermark_mismatch: { status: [400], meaning: "the decrypted data's `watermark.appid` is another app's", example: 'the data was produced for another app' },
  watermark_stale: { status: [400], meaning: 'the watermark has no timestamp or is older than `wechat.watermarkMaxAgeSeconds`', example: 'the data is older than 300s' },
  openid_mismatch: { status: [400], meaning: "the decrypted data is another user's than code2Session's", example: 'decrypted data belongs to another user' },
  occurred_at_out_of_range: {
    status: [400],
    meaning: '`occurredAt` is more than 30 days ago or more than 5 minutes ahead',
    example: 'occurredAt must lie between 30 days ago and 5 minutes from now',
  },
  snapshot_user: { status: [403], meaning: "WeChat's page-snapshot virtual user (`is_snapshotuser: 1`): not a person", example: 'WeChat snapshot-page user: not a real identity' },

  // WeChat API errcodes (src/wechat/api/errcodes.ts).
  wechat_invalid_code: {
    status: [401],
    meaning: 'WeChat refused the code (40029 invalid, 40163 already used), or a code re-sent after its 5-minute lifetime',
    example: 'WeChat jscode2session for wx3b7d9e1f2a4c6e80: errcode 40029: invalid code rid: 65f2a1c3-4b5d6e7f-1a2b3c4d',
  },
  wechat_rate_limited: {
    status: [429],
    meaning: "WeChat's minute quota (45011), or the call waited longer than `wechat.maxQueueWaitMs` behind the client-side rate limit",
    example: 'WeChat jscode2session for wx3b7d9e1f2a4c6e80: errcode 45011: api minute-quota reach limit, must slower rid: 65f2a1c3-4b5d6e7f-1a2b3c4d',
  },
  wechat_quota_exhausted: {
    status: [429],
    meaning: "the API's daily quota (45009); calls stay refused until it resets",
    example: 'WeChat jscode2session for wx3b7d9e1f2a4c6e80: errcode 45009: reach max api daily quota limit rid: 65f2a1c3-4b5d6e7f-1a2b3c4d',
  },
  wechat_rejected: {
    status: [400],
    meaning: 'another errcode (e.g. 40226: WeChat blocks the login of a high-risk user)',
    example: 'WeChat jscode2session for wx3b7d9e1f2a4c6e80: errcode 40226: code blocked rid: 65f2a1c3-4b5d6e7f-1a2b3c4d',
  },
  wechat_token_invalid: {
    status: [502],
    meaning: 'WeChat kept calling the access token invalid (40001, 40014, 42001), after one refresh where the token is ours',
    example: 'WeChat sns/userinfo for wx5c1e3a7b9d2f4a61: errcode 42001: access_token expired rid: 65f2a1c3-4b5d6e7f-1a2b3c4d',
  },
  wechat_invalid_openid: {
    status: [400],
    meaning: 'WeChat does not know the openid in this account (40003)',
    example: 'WeChat sns/userinfo for wx5c1e3a7b9d2f4a61: errcode 40003: invalid openid rid: 65f2a1c3-4b5d6e7f-1a2b3c4d',
  },
  wechat_credentials_rejected: {
    status: [502],
    meaning: 'WeChat refuses our own credentials (AppSecret 40125, appid 40013, IP whitelist 40164): fix the configuration or the console',
    example: 'WeChat jscode2session for wx3b7d9e1f2a4c6e80: errcode 40125: invalid appsecret rid: 65f2a1c3-4b5d6e7f-1a2b3c4d',
  },
  wechat_upstream_failure: {
    status: [502],
    meaning: 'WeChat did not answer usefully (-1 system busy after retries, network error, HTTP 5xx, an unexpected body)',
    example: 'WeChat jscode2session for wx3b7d9e1f2a4c6e80: upstream_failure: HTTP 503',
  },

  // Queries.
  user_not_found: { status: [404], meaning: 'the ledger never saw this (appid, openid) (by `asOf`, if given)', example: 'wx8f2a0c1b3d4e5f60/oAbCdEfGhIjKlMnOpQrStUvWxYz0 was never seen' },
  unionid_not_found: { status: [404], meaning: "no account links this unionid (none of the key's accounts, for a key limited to appids)", example: 'unionid oU1nIoNiDaBcDeFgHiJkLmNoPqRs was never seen' },
  as_of_too_broad: {
    status: [422],
    meaning: "the user's history (linked accounts, conflicting claims) is too tangled to fold for `asOf` in one request",
    example: "this user's history reaches too far to answer ?asOf (more than 100 ledger reads: linked accounts and conflicting claims); ask without asOf",
  },
  unknown_projection: { status: [404], meaning: 'no projection of that name (`identity-links`, `follow-state`)', example: 'no projection named follow-states (identity-links, follow-state)' },

  // Jobs (src/jobs/jobErrors.ts).
  not_an_official_account: {
    status: [400],
    meaning: 'the job needs an Official Account (user/get, user/info/batchget, changeopenid)',
    example: 'wx3b7d9e1f2a4c6e80 is not an Official Account: reconciliation (user/get) needs an OA',
  },
  job_already_running: {
    status: [409],
    meaning: 'an unfinished job of the same kind exists for the account: resume it or wait for it',
    example: 'a reconciliation job for wx8f2a0c1b3d4e5f60 is already unfinished (9b2f4c1e-7a3d-4e5f-8a1b-2c3d4e5f6a7b); resume it or wait for it',
  },
  job_not_found: { status: [404], meaning: 'no job with this id (for a key limited to appids: none of its accounts)', example: 'no job 9b2f4c1e-7a3d-4e5f-8a1b-2c3d4e5f6a7b' },
  job_not_resumable: { status: [409], meaning: 'the job is done; only paused or failed jobs are resumed', example: 'job 9b2f4c1e-7a3d-4e5f-8a1b-2c3d4e5f6a7b is done; only paused or failed jobs are resumed' },
  unknown_original_id: {
    status: [400],
    meaning: '`fromAppid` is a `gh_` original id that no configured account (nor `migratedFrom`) resolves to an appid',
    example: "gh_3f7a9c1e5b2d is not the original id of a configured account: pass the old account's appid",
  },
  same_account: { status: [400], meaning: 'the old and the new account are the same', example: 'the old and the new account are the same' },
  migration_mismatch: {
    status: [400],
    meaning: "the new account's `migratedFrom.appid` names another old account",
    example: 'wx9d4b6f8a0c2e4b73 is configured as migrated from wx8f2a0c1b3d4e5f60, not wx1a2b3c4d5e6f7a8b',
  },
  outside_migration_window: {
    status: [400],
    meaning: "more than 15 days after `migratedFrom.migratedAt` (WeChat's changeopenid no longer converts), or before it",
    example:
      'the 15-day openid conversion window of wx9d4b6f8a0c2e4b73 closed at 2025-03-01T00:00:00.000Z (migratedFrom.migratedAt + 15 days); WeChat no longer converts openids',
  },
  invalid_openid_list: { status: [400], meaning: 'an entry of `openids` is not an openid (letters, digits, `_`, `-`)', example: 'line 3: not an openid: "o Ab"' },

  // Erasure.
  erasure_not_found: { status: [404], meaning: 'no erasure with this id', example: 'no erasure with this id' },
} as const satisfies Record<string, { status: readonly number[]; meaning: string; example: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;
