/** Both projections are keyed by one WeChat identity: an openid only means something within its appid. */
export type Key = { appid: string; openid: string };

/** JSON keeps the encoding unambiguous whatever characters an appid or openid may contain. */
export function keyOf(appid: string, openid: string): string {
  return JSON.stringify([appid, openid]);
}
