/**
 * Published test vectors, copied verbatim from WeChat's documentation, WeChat's own sample code
 * and SDK test suites. Nothing here was produced by our code: each value checks our
 * implementation against someone else's. Pad and length notes were read from the decrypted bytes.
 */

/**
 * WeChat's official WXBizMsgCrypt Python sample (author jonyqin, Tencent, 2014), as vendored in
 * charlesXu86/Chatbot_CN: Chatbot_Web/impl/weixin/Sample.py.
 * A compatibility-mode OA push: clear fields AND Encrypt. Pad byte 2; the decrypted XML has
 * newlines between elements.
 */
export const officialPythonSample = {
  token: 'spamtest',
  encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appid: 'wx2c2769f8efd9abc2',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
  clearFields:
    '<ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]></Content><MsgId>6054768590064713728</MsgId>',
  decrypted:
    '<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>',
};

/**
 * WeChat's official WXBizMsgCrypt C# sample (Sample.cs, namespace Tencent), as vendored in
 * JeffreySu/WeiXinMPSDK: src/Senparc.Weixin.MP/Senparc.Weixin.MP/Tencent/Sample.cs.
 * 352 ciphertext bytes, pad byte 30: a 16-byte auto-padding decipher throws on it.
 */
export const officialCSharpSample = {
  token: 'QDG6eK',
  encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  appid: 'wx5823bf96d3bd56c7',
  timestamp: '1409659813',
  nonce: '1372623149',
  msgSignature: '477715d11cdb4164915debcba66cb864d751f3e6',
  encrypt:
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
  decrypted:
    '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>',
};

/**
 * WeChat's Mini Program documentation, "消息推送" (message push), safe-mode JSON worked example:
 * https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html
 * 224 ciphertext bytes, msg_len 167, pad byte 19 (> 16). The URL also carries `signature`.
 * The same page gives the plain-mode and URL-verification examples below.
 */
export const miniProgramDocJson = {
  token: 'AAAAA',
  encodingAESKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  appid: 'wxba5fad812f8e6fb9',
  query: {
    signature: '6c5c811b55cc85e0e1b54100749188c20beb3f5d',
    timestamp: '1714112445',
    nonce: '415670741',
    openid: 'o9AgO5Kd5ggOC-bXrbNODIiE3bGY',
    encrypt_type: 'aes',
    msg_signature: '046e02f8204d34f8ba5fa3b1db94908f3df2e9b3',
  },
  encrypt:
    '+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04=',
  decrypted:
    '{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}',
  // The reply example on the same page: random(16B)="707722b803182950", 63 bytes → 64 (pad 1).
  reply: {
    random16: '707722b803182950',
    message: '{"demo_resp":"good luck"}',
    timestamp: '1713424427',
    nonce: '415670741',
    encrypt: 'ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==',
    msgSignature: '1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1',
  },
  urlVerification: {
    signature: 'f464b24fc39322e44b38aa78f5edd27bd1441696',
    echostr: '4375120948345356249',
    timestamp: '1714036504',
    nonce: '1514711492',
  },
  plainPost: { signature: '899cf89e464efb63f54ddac96b0a0a235f53aa78', timestamp: '1714037059', nonce: '486452656' },
};

/**
 * wechatpy/wechatpy: tests/test_crypto.py (test_encrypt_message, test_decrypt_message). The same
 * WXBizMsgCrypt format, keyed by a corp id. Encrypt is deterministic with random "1234567890123456".
 */
export const wechatpyCrypto = {
  token: '123456',
  encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  appid: 'wx49f0ab532d5d035a',
  timestamp: '1411525903',
  nonce: '461056294',
  decryptSignature: '74d92dfeb87ba7c714f89d98870ae5eb62dff26d',
  decryptEncrypt:
    'RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=',
  random16: '1234567890123456',
  reply:
    '<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>',
  replyEncrypt:
    '9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3',
  replyMsgSignature: '407518b7649e86ef23978113f92d27afa9296533',
};

/**
 * WxJava (binarywang/WxJava, this copy cqyisbug/WxJava):
 * weixin-java-common/src/test/java/me/chanjar/weixin/common/util/crypto/WxCryptUtilTest.java,
 * itself taken from WeChat's Java sample test (WXBizMsgCryptTest). Chinese text with a fixed
 * random "aaaabbbbccccdddd": "我是中文abcd123" is 11 characters but 19 UTF-8 bytes.
 */
export const wxJavaChinese = {
  token: 'pamtest',
  encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appid: 'wxb11529c136998cb6',
  random16: 'aaaabbbbccccdddd',
  message: '我是中文abcd123',
  encrypt: 'jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==',
  message2:
    '<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>',
  encrypt2:
    'jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb',
};

/**
 * A real Official Account push through the Open Platform test account, published in
 * 97460200/zhkqxt: WxCallback/Common/wx/Sample.cs. 352 bytes, pad byte exactly 16 — the one
 * length where a 16-byte PKCS#7 decipher happens to succeed, so it hides the bug.
 */
export const openPlatformPush = {
  token: 'sewapower',
  encodingAESKey: 'Sd8AFrmKTlF2u5jbQl8vQEYJX57aALEz1OivuIUgD3r',
  appid: 'wx1939f9ee65384f14',
  timestamp: '1552468390',
  nonce: '570040320',
  msgSignature: 'c4a5de44f8cfead9f0344023c176204a6283d903',
  encrypt:
    'Vu7zu+d43fi2wi35UFAhY5UbNult7drtKnAuWkgEOVSTC+LO9EdsGUBpqsrY44YE6QfPmQ75kg2k2eRyDTQRB57lRHXdLGMuuJqCCSzgh7k7e+UvvqQ69EwPZBhBv1Td63RCgGPl9UYtSOP4AhWWFHWN1Yw5NOTQVid8pPkWYC3fPymUJ5cRadAoqvOpwIpsYxqBnmv7vVg48x/VyXcEH+/Yj9LiLkVIKFkZBriMeMD9tOthvxX65eSIh5AOtYEBnVHepy3WpEOQSlQ9jSgJVY3uXN9s6IYGLoPntpIW29jAFlHeNHw1l7dmP29wPvd6QOEQtg1XnYfazpdqU2MLWHtBw9PHAFEKaJvhdoVC0/zyPbRUGeNnBMKagtEekGdthM44PQub5mUFC/PjgEj1g4ej2ELwq1RuJvbGnG+R097JIufz76T50ckeDc2QTxVGfJZgKMk//lwjF58PfYfZrA==',
  body: '<xml>\n    <ToUserName><![CDATA[gh_f0a63a0b8dee]]></ToUserName>\n    <Encrypt><![CDATA[Vu7zu+d43fi2wi35UFAhY5UbNult7drtKnAuWkgEOVSTC+LO9EdsGUBpqsrY44YE6QfPmQ75kg2k2eRyDTQRB57lRHXdLGMuuJqCCSzgh7k7e+UvvqQ69EwPZBhBv1Td63RCgGPl9UYtSOP4AhWWFHWN1Yw5NOTQVid8pPkWYC3fPymUJ5cRadAoqvOpwIpsYxqBnmv7vVg48x/VyXcEH+/Yj9LiLkVIKFkZBriMeMD9tOthvxX65eSIh5AOtYEBnVHepy3WpEOQSlQ9jSgJVY3uXN9s6IYGLoPntpIW29jAFlHeNHw1l7dmP29wPvd6QOEQtg1XnYfazpdqU2MLWHtBw9PHAFEKaJvhdoVC0/zyPbRUGeNnBMKagtEekGdthM44PQub5mUFC/PjgEj1g4ej2ELwq1RuJvbGnG+R097JIufz76T50ckeDc2QTxVGfJZgKMk//lwjF58PfYfZrA==]]></Encrypt>\n</xml>\n',
  msgId: '22226002107809513',
};

/** wechatpy/wechatpy: tests/test_utils.py (test_check_signature_should_ok / _should_fail). */
export const wechatpySignature = {
  token: 'test',
  timestamp: '1410685589',
  nonce: 'test',
  signature: 'f21891de399b4e33a1a93c9a7b8a8fffb5a443ff',
  wrongSignature: 'f21891de399b4e33a1a93c9a7b8a8fffb5a443fe',
};

/**
 * Mini program open data: WeChat's decryptData sample (the demo in the "开放数据校验与解密"
 * documentation), also the fixture of wechatpy/wechatpy: tests/test_crypto.py
 * (test_wxa_decrypt_message). watermark.timestamp is 1477314187.
 */
export const miniProgramUserData = {
  appid: 'wx4f4bc4dec97d474b',
  sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
  iv: 'r7BXXKkLb8qrSNn05n0qiA==',
  encryptedData:
    'CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==',
  openId: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
  unionId: 'ocMvos6NjeKLIBqg5Mr9QjxrP1FA',
  watermarkTimestamp: 1477314187,
};

/**
 * The rawData signature example of the same documentation page ("数据签名校验"), mirrored at
 * https://wdk-docs.github.io/wxadev-docs/framework/open-ability/user/signature.html
 */
export const miniProgramRawData = {
  rawData:
    '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}',
  sessionKey: 'HyVFkGl5F5OQWJZZaNzBBg==',
  signature: '75e81ceda165f4ffa64f4068af58c64b8f54b88c',
};

/**
 * Official Account "接收事件推送" (receiving event pushes):
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html
 */
export const officialAccountEvents = {
  subscribe:
    '<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>',
  qrSubscribe:
    '<xml><ToUserName><![CDATA[toUser]]></ToUserName> <FromUserName><![CDATA[FromUser]]></FromUserName> <CreateTime>123456789</CreateTime> <MsgType><![CDATA[event]]></MsgType> <Event><![CDATA[subscribe]]></Event> <EventKey><![CDATA[qrscene_123123]]></EventKey> <Ticket><![CDATA[TICKET]]></Ticket> </xml>',
  scan: '<xml>\n<ToUserName><![CDATA[toUser]]></ToUserName>\n<FromUserName><![CDATA[FromUser]]></FromUserName>\n<CreateTime>123456789</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[SCAN]]></Event>\n<EventKey><![CDATA[SCENE_VALUE]]></EventKey>\n<Ticket><![CDATA[TICKET]]></Ticket>\n</xml>',
};

/**
 * "授权用户信息变更" (authorized user information changes), user_authorization_revoke:
 * XML from the Mini Program page
 * https://developers.weixin.qq.com/miniprogram/dev/server/event_push/platform/authorized_user_information_changes
 * JSON from the Open Platform page (the OA/service-account page prints the same JSON with stray
 * spaces in keys and a trailing comma, which is not JSON):
 * https://developers.weixin.qq.com/doc/oplatform/Website_App/WeChat_Login/authorization_change.md
 */
export const authorizationRevoke = {
  xml: '<xml>\n<ToUserName><![CDATA[gh_870882ca4b1]]></ToUserName>\n<FromUserName><![CDATA[owAqB1v0ahK_Xlc7GshIDdf2yf7E]]></FromUserName>\n<CreateTime>1626857200</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n<Event><![CDATA[user_authorization_revoke]]></Event>\n<OpenID><![CDATA[owAqB1nqaOYYWl0Ng484G2z5NIwU]]></OpenID>\n<AppID><![CDATA[wx13974bf780d3dc89]]></AppID>\n<RevokeInfo><![CDATA[1]]></RevokeInfo>\n</xml>',
  json: '{\n    "ToUserName": "gh_870882ca4b1",\n    "FromUserName": "oaKk346BaWE-eIn4oSRWbaM9vR7s",\n    "CreateTime": 1627359464,\n    "MsgType": "event",\n    "Event": "user_authorization_revoke",\n    "OpenID": "oaKk343WOktAaT2ygsX138BGblrg",\n    "AppID": "wx13974bf780d3dc89",\n    "RevokeInfo": "301"\n}',
};

/** wechatpy/wechatpy: tests/test_events.py (test_scan_code_push_event): a push with a nested element. */
export const scanCodePush =
  '<xml>\n        <ToUserName><![CDATA[gh_e136c6e50636]]></ToUserName>\n        <FromUserName><![CDATA[oMgHVjngRipVsoxg6TuX3vz6glDg]]></FromUserName>\n        <CreateTime>1408090502</CreateTime>\n        <MsgType><![CDATA[event]]></MsgType>\n        <Event><![CDATA[scancode_push]]></Event>\n        <EventKey><![CDATA[6]]></EventKey>\n        <ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>\n        <ScanResult><![CDATA[1]]></ScanResult>\n        </ScanCodeInfo>\n        </xml>';
