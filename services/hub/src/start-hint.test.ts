import { describe, expect, it } from 'vitest';
import { startHint } from './start-hint.js';

describe('startHint', () => {
  it('points to PostgreSQL and Redis when they cannot be reached', () => {
    for (const message of [
      'PostgreSQL at postgres://postgres@127.0.0.1:5432/postgres is not usable: connect ECONNREFUSED 127.0.0.1:5432',
      'connect ECONNREFUSED 127.0.0.1:6379',
      'getaddrinfo ENOTFOUND redis',
      'Connection is closed.',
    ]) expect(startHint(message)).toMatch(/PostgreSQL and Redis/);
  });

  it('names the config file settings too, not only the env variables that override them', () => {
    // a hub started with --config reads database.url / redis.url from the file: pointing only at the env misleads
    expect(startHint('connect ECONNREFUSED 127.0.0.1:6379')).toContain('database.url / redis.url in the config file');
  });

  it('names the Docker command with the secrets the compose file needs, as the README does', () => {
    // without deploy/secrets/* (make-secrets.sh), `docker compose up` stops at the first missing secret file
    expect(startHint('connect ECONNREFUSED 127.0.0.1:6379')).toContain('deploy/make-secrets.sh && docker compose -f deploy/docker-compose.yml up --build');
  });

  it('points to the schema installer when an official schema is missing — not to the databases', () => {
    const message = "metadata schema not readable: /srv/weiche/.weiche/schemas/fit-connect/metadata.schema-1.0.0.json: ENOENT: no such file or directory, open '/srv/weiche/.weiche/schemas/fit-connect/metadata.schema-1.0.0.json'";
    expect(startHint(message)).toMatch(/install-schemas/);
  });

  it('adds nothing where the message says it all', () => {
    expect(startHint('config: adapters[0].kind: unknown adapter kind "ftp"')).toBeUndefined();
  });
});
