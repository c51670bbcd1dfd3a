import { describe, expect, it } from 'vitest';
import { HUB_NODE_FLAGS, missingNodeFlags } from './node-flags.js';

describe('missingNodeFlags', () => {
  it('names the deployed flags a process was started without', () => {
    expect(missingNodeFlags([], '')).toEqual([...HUB_NODE_FLAGS]);
    expect(missingNodeFlags(['--enable-source-maps'], '--max-old-space-size=512')).toEqual(['--max-semi-space-size=4']);
  });

  it('accepts them on the command line or in NODE_OPTIONS, and an operator’s own value', () => {
    expect(missingNodeFlags(['--max-semi-space-size=4'], '')).toEqual([]);
    expect(missingNodeFlags([], '--enable-source-maps --max-semi-space-size=4')).toEqual([]);
    expect(missingNodeFlags(['--max-semi-space-size=8'], '')).toEqual([]);
  });
});
