/**
 * Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01), after Howard
 * Hinnant's `civil_from_days`. Used to print DATE/TIMESTAMP datums; exact for any safe integer.
 * Year 0 is 1 BC (astronomical numbering), as in Go and PostgreSQL internals.
 */
export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * PostgreSQL `EncodeInterval` with IntervalStyle=postgres (e.g. `1 year 2 mons -3 days +04:05:06.5`),
 * from months, days and microseconds.
 */
export function intervalPostgresText(months: bigint, days: bigint, micros: bigint): string {
  const year = months / 12n;
  const mon = months % 12n;
  let out = '';
  let isZero = true;
  let isBefore = false;
  const part = (v: bigint, unit: string): void => {
    if (v === 0n) return;
    out += `${isZero ? '' : ' '}${isBefore && v > 0n ? '+' : ''}${v} ${unit}${v === 1n ? '' : 's'}`;
    isBefore = v < 0n;
    isZero = false;
  };
  part(year, 'year');
  part(mon, 'mon');
  part(days, 'day');
  if (isZero || micros !== 0n) {
    const minus = micros < 0n;
    const a = minus ? -micros : micros;
    const hours = a / 3_600_000_000n;
    const rem = Number(a - hours * 3_600_000_000n);
    const min = Math.floor(rem / 60_000_000);
    const us = rem - min * 60_000_000;
    const sec = Math.floor(us / 1_000_000);
    const fsec = us % 1_000_000;
    const frac = fsec ? `.${String(fsec).padStart(6, '0').replace(/0+$/, '')}` : '';
    const hh = hours < 10n ? `0${hours}` : `${hours}`;
    out += `${isZero ? '' : ' '}${minus ? '-' : isBefore ? '+' : ''}${hh}:${pad2(min)}:${pad2(sec)}${frac}`;
  }
  return out;
}
