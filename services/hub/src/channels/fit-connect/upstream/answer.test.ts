import { randomUUID } from 'node:crypto';
import { UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { EVENT_URI } from '@weiche/fit-connect';
import { answerInLog } from './answer.js';

describe('answerInLog', () => {
  it('finds our answer whose iss and sub name the destination and submission in upper case (the same UUIDs): no second answer is posted', () => {
    const destinationId = randomUUID();
    const submissionId = randomUUID();
    const token = new UnsecuredJWT({ iss: destinationId.toUpperCase(), sub: `submission:${submissionId.toUpperCase()}`, jti: 'j1', events: { [EVENT_URI('accept-submission')]: {} } }).encode();
    expect(answerInLog([token], destinationId, submissionId)).toMatchObject({ event: 'accept-submission', jti: 'j1' });
    expect(answerInLog([token], destinationId, randomUUID())).toBeUndefined();
  });
});
