import { describe, expect, it } from 'vitest';
import { applicantName } from './xdomea-vorgang.js';

describe('applicantName', () => {
  it('finds the applicant breadth-first: a person with given name, else an organisation', () => {
    expect(applicantName({ antrag: { antragsteller: [{ vorname: 'Jürgen', familienname: 'Müßig' }] } })).toBe('Jürgen Müßig');
    expect(applicantName({ 'xbau:bauherr': { 'xbau:organisation': { 'xbau:name': 'Bau GmbH' } } })).toBe('Bau GmbH');
    expect(applicantName({ vorhaben: 'Carport' })).toBeUndefined();
  });

  it('looks through lists and objects of a million entries (spread into push, they ran out of call stack)', () => {
    const many = Array.from({ length: 1_000_000 }, (_, i) => i);
    expect(applicantName({ nummern: many, person: { familienname: 'Meier' } })).toBe('Meier');
    const wide: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) wide[`k${i}`] = i;
    expect(applicantName({ felder: wide, person: { familienname: 'Meier' } })).toBe('Meier');
  });

  it('gives up after 10,000 values (16 MiB of empty objects cost a second of CPU and more of garbage for no name)', () => {
    expect(applicantName({ liste: Array.from({ length: 9_000 }, () => ({})), tief: { person: { familienname: 'Meier' } } })).toBe('Meier');
    expect(applicantName({ liste: Array.from({ length: 20_000 }, () => ({})), tief: { person: { familienname: 'Meier' } } })).toBeUndefined();
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) wide[`k${i}`] = {};
    expect(applicantName({ felder: wide, tief: { person: { familienname: 'Meier' } } })).toBeUndefined();
  });
});
