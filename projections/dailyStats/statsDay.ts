/**
 * The day an event counts on: Beijing time (UTC+8, no daylight saving), the day WeChat's own
 * statistics and the accounts' operators use, so a subscribe at 07:00 Beijing on the 2nd is not
 * counted on the 1st.
 */
export const STATS_TIME_ZONE = 'Asia/Shanghai';
const OFFSET_MS = 8 * 3600_000;

export function statsDay(instant: string | Date): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

/** `day` plus `days` (negative: earlier), as YYYY-MM-DD. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}
