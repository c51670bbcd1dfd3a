import { describe, expect, it } from 'vitest';
import { createRedisConnection } from './redis-connection.js';

describe('createRedisConnection', () => {
  // Node's "Invalid URL" TypeError carries the whole input, which the hub's fatal start log printed with its password
  it('refuses a URL that does not parse by naming the setting, without the URL or its password', () => {
    const url = 'redis://:s3cret-pw@127.0.0.1:notaport';
    let thrown: unknown;
    try {
      createRedisConnection({ url });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(/redis\.url \(REDIS_URL\) is not a valid URL/);
    // every own property, as a logger's error serializer writes them
    const logged = JSON.stringify(thrown, Object.getOwnPropertyNames(thrown)) + JSON.stringify({ ...(thrown as object) });
    expect(logged).not.toContain('s3cret-pw');
  });
});
