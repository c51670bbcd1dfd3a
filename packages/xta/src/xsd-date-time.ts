// XML Schema 1.0 Part 2 §3.2.7 (dateTime) and §3.2.9 (date): the lexical forms, with the value ranges the
// grammar alone does not bound (month 1–12, the day within its month, 24:00:00 only as midnight, zone ±14:00).
const DATE = '(-?(?:[1-9][0-9]{4,}|[0-9]{4}))-([0-9]{2})-([0-9]{2})';
const ZONE = '(Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?';
const DATE_TIME_RE = new RegExp(`^${DATE}T([0-9]{2}):([0-9]{2}):([0-9]{2})(\\.[0-9]+)?${ZONE}$`);
const DATE_RE = new RegExp(`^${DATE}${ZONE}$`);

function validDay(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  if (/^-?0{4}$/.test(year) || m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
  return d <= days;
}

/** True for a lexically valid `xs:dateTime` (e.g. `2026-11-29T20:01:09.449Z`). */
export function isXsDateTime(value: string): boolean {
  const m = DATE_TIME_RE.exec(value);
  if (!m) return false;
  const [, year = '', month = '', day = '', hour = '', minute = '', second = '', fraction = ''] = m;
  if (!validDay(year, month, day) || Number(minute) > 59 || Number(second) > 59) return false;
  // 24:00:00 is the end of the day, and nothing after it
  return Number(hour) < 24 || (hour === '24' && minute === '00' && second === '00' && !/[1-9]/.test(fraction));
}

/** True for a lexically valid `xs:date` (e.g. `2026-11-29`, `2026-11-29+01:00`). */
export function isXsDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  return m !== null && validDay(m[1] ?? '', m[2] ?? '', m[3] ?? '');
}

/**
 * The instant of an `xs:dateTime` for comparing with stored times; one without a zone is read as UTC (XSD leaves
 * its zone open). Undefined when it is not valid or lies outside the years 1–9999 that the journal stores.
 */
export function xsDateTimeInstant(value: string): Date | undefined {
  if (!isXsDateTime(value)) return undefined;
  const date = new Date(/(Z|[+-][0-9]{2}:[0-9]{2})$/.test(value) ? value : `${value}Z`);
  const year = date.getUTCFullYear();
  return Number.isNaN(date.getTime()) || year < 1 || year > 9999 ? undefined : date;
}
