import { describe, expect, it } from 'vitest';
import { hostPort, shownHostPort } from './host-port.js';

describe('hostPort', () => {
  it('reads names, IPv4 and IPv6 literals in brackets, as a redis URL reads its host', () => {
    expect(hostPort('redis-sentinel-1:26379')).toEqual({ host: 'redis-sentinel-1', port: 26379 });
    expect(hostPort('10.0.0.7:6379')).toEqual({ host: '10.0.0.7', port: 6379 });
    expect(hostPort('[::1]:6379')).toEqual({ host: '::1', port: 6379 });
    expect(hostPort('[fd00::7:1]:26379')).toEqual({ host: 'fd00::7:1', port: 26379 });
  });

  it('writes an IPv6 host back in brackets', () => {
    expect(shownHostPort(hostPort('[::1]:6379'))).toBe('[::1]:6379');
    expect(shownHostPort({ host: '127.0.0.1', port: 5432 })).toBe('127.0.0.1:5432');
  });
});
