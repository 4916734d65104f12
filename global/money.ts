// Money is integer cents inside our services. The wire's `float` is float32 (59.8 arrives as
// 59.79999923706055), so every value is rounded back to cents the moment it is read.

export function yuanToCents(yuan: number): number {
  return Math.round(yuan * 100);
}

export function centsToYuan(cents: number): number {
  return cents / 100;
}

/** A float32 amount from the wire as a JSON number with at most 2 decimals. */
export function roundYuan(yuan: number): number {
  return centsToYuan(yuanToCents(yuan));
}

/** Alipay's `total_amount`: always two decimals. */
export function formatYuan(cents: number): string {
  return (cents / 100).toFixed(2);
}
