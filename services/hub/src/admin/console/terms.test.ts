import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CALLBACK_STAGE, DELEGATIONS_STAGE, DISCARD_STAGE, DMS_CONFIRMATION_STAGE, RETENTION_STAGE, SHRED_STAGE } from '@weiche/journal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_CLOSE_STAGE } from '../../channels/xta/upstream/poller.js';

// Every stage the hub writes into an audit record, as the console's timeline and audit log show it.
const STAGES_WRITTEN = [
  'intake', 'submit', 'open', 'map', 'route', 'deliver', 'deliver-route', 'dead-letter', 'redeliver', 'replay', 'operator',
  'acknowledge', 'answer', 'pickup', 'delegate', 'xta-msgbox-offer', 'xta-msgbox-close',
  CALLBACK_STAGE, DELEGATIONS_STAGE, DISCARD_STAGE, DMS_CONFIRMATION_STAGE, RETENTION_STAGE, SHRED_STAGE, UPSTREAM_CLOSE_STAGE,
];

type Terms = { stageLabel(stage: string): string };
type I18n = { setLang(value: string): void; tn(key: string, count: number, params?: Record<string, unknown>): string };

describe('console terms and texts', () => {
  const stored = new Map<string, string>();
  const STUBBED = ['sessionStorage', 'document', 'navigator'] as const;
  const saved = new Map(STUBBED.map((key) => [key, Object.getOwnPropertyDescriptor(globalThis, key)]));
  let terms: Terms;
  let i18n: I18n;

  beforeAll(async () => {
    // the console's modules run in a browser; these are all of it they touch when loaded and switched
    const stubs = {
      sessionStorage: { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) },
      document: { documentElement: {} },
      navigator: { language: 'de-DE' },
    };
    for (const key of STUBBED) Object.defineProperty(globalThis, key, { value: stubs[key], configurable: true, writable: true });
    const dir = join(import.meta.dirname, 'static');
    // by URL: the console's files are browser JavaScript outside the TypeScript build
    i18n = (await import(pathToFileURL(join(dir, 'i18n.js')).href)) as I18n;
    terms = (await import(pathToFileURL(join(dir, 'terms.js')).href)) as Terms;
  });

  afterAll(() => {
    for (const [key, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, key, descriptor);
      else Reflect.deleteProperty(globalThis, key);
    }
  });

  it('names every audit stage the hub writes in German and English, never as its code', () => {
    i18n.setLang('de');
    expect(STAGES_WRITTEN.filter((stage) => terms.stageLabel(stage) === stage)).toEqual([]);
    i18n.setLang('en');
    // English words that are their own label
    const sameInEnglish = new Set(['intake', 'replay', 'pickup']);
    expect(STAGES_WRITTEN.filter((stage) => !sameInEnglish.has(stage) && terms.stageLabel(stage) === stage)).toEqual([]);
  });

  it('speaks of one thing in the singular: a bulk action on one dead letter, one audit record, one result', () => {
    i18n.setLang('de');
    expect(i18n.tn('dl.confirm', 1, { n: '1', action: 'Erneut zustellen' })).toBe('1 Einreichung: Erneut zustellen?');
    expect(i18n.tn('dl.confirm', 2, { n: '2', action: 'Erneut zustellen' })).toBe('2 Einreichungen: Erneut zustellen?');
    expect(i18n.tn('dead.all', 1, { total: '1' })).toBe('Die fehlgeschlagene Zustellung: filtern, Sammelaktionen, CSV');
    expect(i18n.tn('audit.records', 1, { total: '1' })).toBe('1 Eintrag');
    i18n.setLang('en');
    expect(i18n.tn('dl.confirm', 1, { n: '1', action: 'Redeliver' })).toBe('1 submission: Redeliver?');
    expect(i18n.tn('dead.all', 1, { total: '1' })).toBe('The dead letter: filter, bulk actions, CSV');
    expect(i18n.tn('audit.records', 1, { total: '1' })).toBe('1 record');
    expect(i18n.tn('search.results', 1, { total: '1' })).toBe('1 result');
    expect(i18n.tn('search.results', 3, { total: '3' })).toBe('3 results');
    expect(i18n.tn('dl.matches', 1, { total: '1' })).toBe('1 match');
    // German "Treffer" is both: no form of its own, and never the English one
    i18n.setLang('de');
    expect(i18n.tn('search.results', 1, { total: '1' })).toBe('1 Treffer');
  });
});
