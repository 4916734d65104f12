// add_time as the course's srvs write it ("YYYY-MM-DD HH:MM:SS", the process's local time), for every srv that answers one.
export function formatAddTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
