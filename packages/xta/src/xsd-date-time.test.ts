import { describe, expect, it } from 'vitest';
import { isXsDate, isXsDateTime, xsDateTimeInstant } from './xsd-date-time.js';

describe('xs:dateTime and xs:date (XML Schema 1.0 Part 2 §3.2.7, §3.2.9)', () => {
  it('takes the lexical forms with and without fraction and zone', () => {
    for (const v of ['2026-11-29T20:01:09Z', '2026-11-29T20:01:09.449Z', '2026-11-29T20:01:09', '2026-11-29T20:01:09+14:00', '2024-02-29T00:00:00-05:30', '2026-11-29T24:00:00Z', '12026-01-01T00:00:00Z']) {
      expect(isXsDateTime(v), v).toBe(true);
    }
    for (const v of ['2026-11-29', '2026-11-29Z', '2026-11-29+01:00']) expect(isXsDate(v), v).toBe(true);
  });

  it('refuses values outside their ranges and other forms', () => {
    for (const v of ['yesterday', '', '2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-31T00:00:00Z', '0000-01-01T00:00:00Z', '2026-11-29T24:00:01Z', '2026-11-29T23:60:00Z', '2026-11-29T20:01:09+14:30', '2026-11-29 20:01:09Z', '2026-11-29T20:01Z', '26-11-29T20:01:09Z']) {
      expect(isXsDateTime(v), v).toBe(false);
    }
    for (const v of ['2026-11-29T00:00:00Z', '2026-02-30', '29.11.2026']) expect(isXsDate(v), v).toBe(false);
  });

  it('reads an instant, a value without zone as UTC, nothing outside the years 1 to 9999', () => {
    expect(xsDateTimeInstant('2026-11-29T20:01:09')?.toISOString()).toBe('2026-11-29T20:01:09.000Z');
    expect(xsDateTimeInstant('2026-11-29T21:01:09+01:00')?.toISOString()).toBe('2026-11-29T20:01:09.000Z');
    expect(xsDateTimeInstant('12026-01-01T00:00:00Z')).toBeUndefined();
    expect(xsDateTimeInstant('yesterday')).toBeUndefined();
  });
});
