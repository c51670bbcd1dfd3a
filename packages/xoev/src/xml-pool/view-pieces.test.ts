import { deserialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { loopTurnsDuring } from '../test-support.js';
import { assembleView, carveView } from './view-pieces.js';

function nodes(node: unknown): number {
  if (node === null || typeof node !== 'object') return 1;
  return 1 + (Array.isArray(node) ? node : Object.values(node)).reduce((sum: number, child) => sum + nodes(child), 0);
}

const person = (i: number) => ({ 'xbau:name': { 'xbau:familienname': `Muster${i}`, 'xbau:vorname': 'Jürgen' }, 'xbau:nr': i, '@_id': `p${i}` });

/** Like a parsed XBau message: a header, a long run of small repeated elements, and an array holding one large element. */
function largeView(): unknown {
  return {
    'xbau:antrag': {
      'xbau:kopf': { 'xbau:uuid': 'a-b', 'xbau:leer': null, 'xbau:ja': true },
      'xbau:antragsteller': Array.from({ length: 3_000 }, (_, i) => person(i)),
      'xbau:bauvorhaben': [{ 'xbau:flurstueck': Array.from({ length: 1_500 }, (_, i) => person(i)) }, 'text', 7],
      '#text': 'x'.repeat(100),
    },
  };
}

describe('a parsed view carved into pieces', () => {
  it('is put together again exactly, from pieces of at most the given number of nodes', async () => {
    const view = largeView();
    const carved = carveView(structuredClone(view), 500);
    expect(carved.pieces.length).toBeGreaterThan(20);
    for (const piece of carved.pieces) expect(nodes((deserialize(piece) as { items: unknown[] }).items)).toBeLessThanOrEqual(500);
    expect(await assembleView(carved)).toEqual(view);
  });

  it('travels whole when it is small', async () => {
    const view = { a: [person(1), person(2)], b: 'c' };
    const carved = carveView(view);
    expect(carved.pieces).toEqual([]);
    expect(await assembleView(carved)).toEqual(view);
    expect(carveView('plain text')).toEqual({ skeleton: 'plain text', pieces: [] });
  });

  it('lets the receiving event loop turn between the pieces', async () => {
    const carved = carveView(largeView(), 500);
    const { turns } = await loopTurnsDuring(() => assembleView(carved));
    expect(turns).toBeGreaterThanOrEqual(carved.pieces.length);
  });
});
