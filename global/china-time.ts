// Alipay speaks China Standard Time (UTC+8, no daylight saving) as "yyyy-MM-dd HH:mm:ss",
// whatever zone our processes run in.
const OFFSET_MS = 8 * 3600 * 1000;

export function formatChinaTime(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** Epoch milliseconds of a China-time "yyyy-MM-dd HH:mm:ss", or undefined when malformed. */
export function parseChinaTime(text: string | undefined): number | undefined {
  const m = text?.match(/^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isNaN(ms) ? undefined : ms;
}
