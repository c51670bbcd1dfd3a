import { randomUUID } from 'node:crypto';
import { putEncrypted } from '@weiche/blobstore';
import { ErrorCode, isWeicheError } from '@weiche/core';
import { buildEmptyResponse, genericContentContainerXml, xtaError, type ParsedSoapRequest, type XtaSoapResponse } from '@weiche/xta';
import type { HubDeps } from '../context.js';
import { withTimeout } from '../timeout.js';
import type { XtaIdentity } from './identities.js';
import type { XtaRuntime } from './xta-runtime.js';

type SendRequest = Extract<ParsedSoapRequest, { operation: 'sendMessage' }>;

/**
 * sendMessage: the author may send only as itself (9014); the Reader decides tenant and keystore (unknown
 * reader 9022); the MessageID is the idempotency key (a repeat is 9024). The container is kept exactly as
 * received (ciphertext; a plain container encrypted at rest) and the message is RECEIVED before the answer.
 */
export async function sendMessage(deps: HubDeps, rt: XtaRuntime, identity: XtaIdentity, request: SendRequest): Promise<XtaSoapResponse> {
  const { messageMetaData: meta, container } = request.payload;
  if (meta.author.value !== identity.identifier) throw xtaError('IDENTITY_MISMATCH', 'MessageMetaData Author is not the authenticated identity');
  const reader = rt.readers.get(meta.reader.value);
  if (!reader) throw xtaError('INVALID_PARAMETER_COMBINATION', 'the Reader is not served by this hub');
  if (await rt.store.findByMessageId(meta.messageId)) throw xtaError('MESSAGE_ID_IN_USE');
  const tenantId = reader.config.tenant;
  const stored =
    container.kind === 'encrypted'
      ? await deps.blobs.put(Buffer.from(container.encryptedDataXml, 'utf8'))
      : await putEncrypted(deps.blobs, deps.keyring, tenantId, Buffer.from(genericContentContainerXml(container), 'utf8'));
  const submissionId = randomUUID();
  try {
    await rt.store.createSubmission({
      submissionId,
      caseId: randomUUID(),
      readerId: reader.config.identifier,
      tenantId,
      authorId: identity.identifier,
      serviceIdentifier: meta.qualifier.service,
      xtaMessageId: meta.messageId,
      xtaMeta: { messageMetaData: meta, container: container.kind, mtom: request.mtom },
      containerBlobKey: stored.key,
      containerSha256: stored.sha256,
    });
  } catch (error) {
    // two sends of one MessageID at once: the unique index decides, the loser gets 9024
    if (isWeicheError(error) && error.code === ErrorCode.CONFLICT) throw xtaError('MESSAGE_ID_IN_USE');
    throw error;
  }
  // durable from here: a queue problem must not turn it into a fault (the reconciler enqueues it)
  await withTimeout(deps.queues.enqueueProcess({ submissionId }), 2000, 'enqueue').catch((error: unknown) =>
    deps.log.warn({ err: error, submissionId }, 'enqueue failed; the reconciler will pick it up'),
  );
  deps.log.info({ submissionId, author: identity.identifier, reader: reader.config.identifier, container: container.kind, mtom: request.mtom }, 'xta message received');
  return buildEmptyResponse({ operation: 'sendMessage', ...(request.messageId ? { messageId: request.messageId } : {}) });
}
