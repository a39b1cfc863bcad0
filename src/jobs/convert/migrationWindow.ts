/** WeChat keeps `changeopenid` open for 15 days after the migration (主体变更) completes. */
export const CONVERSION_WINDOW_MS = 15 * 86_400_000;

export type MigrationWindow =
  | { status: 'open'; closesAt: string }
  | { status: 'not_started'; opensAt: string }
  | { status: 'closed'; closedAt: string }
  /** No migration date configured: WeChat will tell (63178) if it is too late. */
  | { status: 'unknown' };

export function migrationWindow(migratedAt: string | undefined, now: Date): MigrationWindow {
  if (!migratedAt) return { status: 'unknown' };
  const opens = new Date(migratedAt).getTime();
  const closes = opens + CONVERSION_WINDOW_MS;
  if (now.getTime() < opens) return { status: 'not_started', opensAt: new Date(opens).toISOString() };
  if (now.getTime() > closes) return { status: 'closed', closedAt: new Date(closes).toISOString() };
  return { status: 'open', closesAt: new Date(closes).toISOString() };
}

/** Why a conversion may not start in this window, or null when it may. */
export function windowRefusal(window: MigrationWindow, toAppid: string): string | null {
  if (window.status === 'closed') {
    return `the 15-day openid conversion window of ${toAppid} closed at ${window.closedAt} (migratedFrom.migratedAt + 15 days); WeChat no longer converts openids`;
  }
  if (window.status === 'not_started') {
    return `${toAppid}'s migration is configured for ${window.opensAt}; changeopenid works only after the migration completed`;
  }
  return null;
}
