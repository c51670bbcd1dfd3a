import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerProblemHandler } from './gateway/problems.js';
import { createLogger } from './logger.js';

const MARKER = 'Erika-Mustermann-Personalausweis';

function capture(): { log: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const written: string[] = [];
  const log = createLogger({ level: 'trace', destination: { write: (line: string) => void written.push(line) } });
  return { log, lines: () => written.map((l) => JSON.parse(l) as Record<string, unknown>), text: () => written.join('') };
}

/** Node's own error for a write below a plain file: its message holds the path, and so the citizen's file name. */
async function nodeWriteError(): Promise<NodeJS.ErrnoException> {
  const dir = await mkdtemp(join(tmpdir(), 'logger-'));
  await writeFile(join(dir, 'plain-file'), 'x');
  return writeFile(join(dir, 'plain-file', `${MARKER}.pdf`), 'x').then(
    () => expect.fail('the write should fail'),
    (error: unknown) => error as NodeJS.ErrnoException,
  );
}

describe('createLogger', () => {
  it('keeps what a sender wrote about its files and case out of a log line, wherever it is given whole', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const attachment = { attachmentId: 'a-1', filename: 'Mustermann-Erika-Geburtsurkunde.pdf', description: 'Geburtsurkunde von Erika Mustermann', mimeType: 'application/pdf' };
    log.info({ submissionId: 's-1', attachment, senderReference: 'AZ Mustermann 7' }, 'attachment');
    log.info({ ...attachment }, 'attachment, flat');
    const text = lines.join('');
    expect(text).toContain('"submissionId":"s-1"');
    expect(text).toContain('"attachmentId":"a-1"');
    expect(text).not.toContain('Mustermann');
  });

  it("names an error under `err` by its facts and stack frames, never its message or Node's path", async () => {
    const { log, lines, text } = capture();
    const fsError = await nodeWriteError();
    const bug = new TypeError(`cannot read 'x' of ${MARKER}`);
    log.warn({ route: 'r-1', err: fsError }, 'delivery failed');
    log.error({ err: bug, errorId: 'e-1' }, 'request failed');
    log.error({ error: bug }, 'under error');
    expect(text()).not.toContain(MARKER);
    const [delivery, request, under] = lines();
    expect(delivery).toMatchObject({ route: 'r-1', msg: 'delivery failed', err: { type: 'Error', errno: 'ENOTDIR', syscall: 'open' } });
    expect(request).toMatchObject({ errorId: 'e-1', err: { type: 'TypeError' } });
    // where it happened: this test's own frame, without the `TypeError: …` line
    const stack = (request!.err as { stack: string[] }).stack;
    expect(stack[0]).toMatch(/logger\.test\.ts:\d+:\d+\)?$/);
    expect(under).toMatchObject({ error: { type: 'TypeError', stack } });
  });

  it('withholds a message taken from an error, a message that quotes frames, and the message pino would take for `msg`', () => {
    const { log, lines, text } = capture();
    const forged = new Error(`Antrag abgelehnt\n    at ${MARKER} (/srv/${MARKER}.js:1:1)`);
    log.warn({ err: `HTTP 500: ${MARKER}` }, 'poll failed');
    log.error({ err: forged }, 'forged frames');
    log.error(new RangeError(MARKER));
    log.warn({ err: new Error(MARKER) });
    // Fastify's default error handler logs the error's message as the line's message
    const quoted = new Error(MARKER);
    log.error({ err: quoted }, quoted.message);
    expect(text()).not.toContain(MARKER);
    expect(lines().map((l) => [l.msg, (l.err as { type: string }).type])).toEqual([
      ['poll failed', 'string'],
      ['forged frames', 'Error'],
      ['RangeError (message withheld)', 'RangeError'],
      ['Error (message withheld)', 'Error'],
      ['Error (message withheld)', 'Error'],
    ]);
  });

  it("an unexpected 500 is logged by the hub's problem handler and by Fastify's own handler with its stack, not its message", async () => {
    const { log, lines, text } = capture();
    const failing = (): never => {
      throw new Error(`Datei ${MARKER}.pdf nicht lesbar`);
    };
    const hub = Fastify({ loggerInstance: log as FastifyBaseLogger });
    registerProblemHandler(hub);
    hub.get('/boom', () => failing());
    // Fastify's own error handler, as a plugin without the hub's would get
    const plain = Fastify({ loggerInstance: log as FastifyBaseLogger });
    plain.get('/boom', () => failing());
    try {
      const answers = [await hub.inject({ url: '/boom' }), await plain.inject({ url: '/boom' })];
      expect(answers.map((a) => a.statusCode)).toEqual([500, 500]);
    } finally {
      await hub.close();
      await plain.close();
    }
    expect(text()).not.toContain(MARKER);
    const failed = lines().filter((l) => l.err !== undefined);
    expect(failed.map((l) => l.msg)).toEqual(['request failed', 'Error (message withheld)']);
    for (const line of failed) expect((line.err as { stack: string[] }).stack.join('\n')).toMatch(/logger\.test\.ts:\d+:\d+/);
  });
  it("keeps a request's query string out of Fastify's own lines that quote its URL (a reply sent twice)", async () => {
    const { log, lines, text } = capture();
    const app = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
    // a route that wrote the head itself and still returns a payload: Fastify warns "Reply was already sent" with the URL
    app.get('/v1/twice', (_request, reply) => {
      reply.raw.writeHead(200, { 'content-type': 'text/plain' });
      reply.raw.write('x');
      return 'y';
    });
    // sending twice: Fastify warns with FST_ERR_REP_ALREADY_SENT, whose message quotes the URL
    app.get('/v1/again', async (_request, reply) => {
      await reply.send('a');
      await reply.send('b');
      return reply;
    });
    try {
      // Fastify rethrows Node's ERR_HTTP_HEADERS_SENT after its warning: only the log line counts here
      await app.inject({ url: `/v1/twice?q=${MARKER}` }).catch((error: unknown) => expect((error as { code?: string }).code).toBe('ERR_HTTP_HEADERS_SENT'));
      await app.inject({ url: `/v1/again?q=${MARKER}` });
    } finally {
      await app.close();
    }
    expect(lines().some((l) => typeof l.msg === 'string' && l.msg.startsWith('Reply was already sent') && l.msg.includes('/v1/twice'))).toBe(true);
    expect(lines().some((l) => (l.err as { code?: string } | undefined)?.code === 'FST_ERR_REP_ALREADY_SENT' || (l.err as { errno?: string } | undefined)?.errno === 'FST_ERR_REP_ALREADY_SENT')).toBe(true);
    expect(text()).not.toContain(MARKER);
  });
});
