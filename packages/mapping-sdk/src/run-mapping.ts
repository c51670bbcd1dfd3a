import { WeicheError, ErrorCode, errorMessage, inputProblem } from '@weiche/core';
import { xmlPool } from '@weiche/xoev';
import type { XmlRoot } from './xml-root.js';
import { deterministicIds } from './context-tools.js';
import { describeIssues } from './issue-reasons.js';
import type { MappingModule, MappingResult, SubmissionContext } from './types.js';

function violation(message: string, cause?: unknown): WeicheError {
  return inputProblem(ErrorCode.SCHEMA_VIOLATION, message, { part: 'data', ...(cause === undefined ? {} : { cause }) });
}

// The parsed data of a content buffer: the channel's check at opening, runMapping once per route target and a
// module that renders the data (generic-xdomea) each needed it, and a 16 MiB JSON part takes the event loop
// a quarter of a second or more per parse. Read-only by contract: modules are functions of their input.
const readByContent = new WeakMap<Buffer, Promise<{ parsed: unknown; root?: XmlRoot }>>();

/**
 * Parses the structured data by mime type: JSON or XML; absent data → undefined. Parsed once per content buffer,
 * then shared. XML is read on the XML pool's threads (the strict reader and fast-xml-parser take seconds for a
 * large XBau message); JSON here, as V8's JSON.parse is about as fast as copying the result across threads.
 */
export async function parseSubmissionData(data: SubmissionContext['data']): Promise<unknown> {
  return data ? (await readSubmissionData(data)).parsed : undefined;
}

/** The root element of XML data (how the registry picks a module), from the same one parse. */
export async function submissionXmlRoot(data: NonNullable<SubmissionContext['data']>): Promise<XmlRoot | undefined> {
  return (await readSubmissionData(data)).root;
}

function readSubmissionData(data: NonNullable<SubmissionContext['data']>): Promise<{ parsed: unknown; root?: XmlRoot }> {
  let read = readByContent.get(data.content);
  if (!read) {
    read = readByMimeType(data);
    readByContent.set(data.content, read);
  }
  return read;
}

async function readByMimeType(data: NonNullable<SubmissionContext['data']>): Promise<{ parsed: unknown; root?: XmlRoot }> {
  const mime = data.mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mime === 'application/json' || mime.endsWith('+json')) {
    try {
      return { parsed: JSON.parse(data.content.toString('utf8')) as unknown };
    } catch (e) {
      // SyntaxError text quotes the offending input; keep only that it failed.
      throw inputProblem(ErrorCode.SYNTAX_VIOLATION, 'structured data is not valid JSON', { part: 'data', ...(e instanceof Error ? { cause: new Error(e.name) } : {}) });
    }
  }
  if (mime === 'application/xml' || mime === 'text/xml' || mime.endsWith('+xml')) {
    const { root, view } = await xmlPool().read(data.content);
    return { parsed: view, root };
  }
  throw inputProblem(ErrorCode.UNSUPPORTED_SCHEMA, `structured data of type ${mime || '(none)'} cannot be mapped`, { part: 'data' });
}

/** Runs a module: parses ctx.data (JSON or XML by mimeType; absent → undefined), validates with inputSchema (zod error → WeicheError SCHEMA_VIOLATION naming the field path), calls map with deterministic ids unless ctx brings its own. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- accepts whatever the registry resolved
export async function runMapping(module: MappingModule<any>, given: SubmissionContext): Promise<MappingResult> {
  const ctx: SubmissionContext = given.newId ? given : { ...given, newId: deterministicIds(given.submissionId, module.target) };
  const raw = await parseSubmissionData(ctx.data);
  const parsed = await module.inputSchema.safeParseAsync(raw);
  if (!parsed.success) {
    throw violation(`data does not fit mapping ${module.id}@${module.version}: ${describeIssues(module.inputSchema, parsed.error.issues)}`);
  }
  let result: MappingResult;
  try {
    result = await module.map(parsed.data, ctx);
  } catch (e) {
    if (e instanceof WeicheError) throw e;
    // a module is a function of its input: the same input fails the same way, so this is never retried
    throw new WeicheError(ErrorCode.MAPPING_FAILED, `mapping ${module.id}@${module.version} failed: ${errorMessage(e)}`, { retryable: false, cause: e });
  }
  if (result.targetProfile !== module.target) {
    throw new WeicheError(ErrorCode.MAPPING_FAILED, `mapping ${module.id} returned ${result.targetProfile}, declared ${module.target}`, { retryable: false });
  }
  return result;
}
