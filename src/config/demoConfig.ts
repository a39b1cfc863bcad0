/**
 * The embedded demo configuration: used when no LEDGER_CONFIG is given, so `npm start` works
 * with nothing set. Its secrets are public on purpose; the WeChat API base points at the
 * simulator (`identity-ledger simulate`) rather than WeChat.
 */
export const demoConfig = {
  accounts: [
    {
      appid: 'wxdemo0000000oa01',
      kind: 'oa',
      secret: 'demo-oa-secret',
      token: 'demotoken0123456789',
      encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      originalId: 'gh_demo0000oa01',
    },
    {
      appid: 'wxdemo0000000mp01',
      kind: 'mp',
      secret: 'demo-mp-secret',
      // Its own token: two accounts may not share one (src/config/schema.ts).
      token: 'demomptoken0123456789',
      originalId: 'gh_demo0000mp01',
      encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      pushFormat: 'json',
    },
    { appid: 'wxdemo000000web01', kind: 'web', secret: 'demo-web-secret' },
  ],
  apiKeys: [{ key: 'demo-api-key-0123456789', scopes: ['read', 'write', 'admin'], name: 'demo' }],
  wechat: { apiBase: 'http://127.0.0.1:3100', watermarkMaxAgeSeconds: 300 },
  // Demo only: a real deployment sets its own (32 random bytes, base64).
  sessionKeySecret: 'ZGVtby1zZXNzaW9uLWtleS1zZWNyZXQtMzItYnl0ZXM=',
};
