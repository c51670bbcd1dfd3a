import { randomUUID } from 'node:crypto';
import { putEncrypted } from '@weiche/blobstore';
import { ErrorCode, isWeicheError } from '@weiche/core';
import { buildEmptyResponse, contentContainerDocument, xtaError, type ParsedSoapRequest, type XtaSoapResponse } from '@weiche/xta';
import { withTimeout } from '../../timeout.js';
import type { XtaIdentity } from './identities.js';
import { XTA_CHANNEL, type XtaMeta } from './meta.js';
import { overSubmissionLimit } from './submission-limit.js';
import type { XtaRuntime } from './xta-runtime.js';

type SendRequest = Extract<ParsedSoapRequest, { operation: 'sendMessage' }>;

/**
 * sendMessage: only an identity of kind author sends (9013), and only as itself (9014); the Reader decides tenant and keystore (unknown
 * reader 9022); a service the reader's tenant has no route for is refused now (9013, "Dienst ist nicht
 * gebucht") instead of being accepted and failing later; plain content only where the reader allows it;
 * a container over `limits.submissionBytes` is 9023; the MessageID is the idempotency key: one in use is 9024, the
 * author's own repeat and another author's id alike (XTA MessageIDs are one namespace; docs/adr/0019).
 * The container is kept exactly as received (ciphertext; a plain container encrypted at rest) and the message
 * is RECEIVED before the answer.
 */
export async function sendMessage(rt: XtaRuntime, identity: XtaIdentity, request: SendRequest): Promise<XtaSoapResponse> {
  const { messageMetaData: meta, container } = request.payload;
  // the identity kinds of the config: a Fachverfahren (or a reader) polls its box, only an author (a portal) sends
  if (identity.kind !== 'author') throw xtaError('SERVICE_NOT_BOOKED', `an identity of kind ${identity.kind} does not send; sending is for author identities`);
  if (meta.author.value !== identity.identifier) throw xtaError('IDENTITY_MISMATCH', 'MessageMetaData Author is not the authenticated identity');
  const reader = rt.readers.get(meta.reader.value);
  if (!reader) throw xtaError('INVALID_PARAMETER_COMBINATION', 'the Reader is not served by this hub');
  const tenantId = reader.config.tenant;
  if (!rt.routing.isRouted(tenantId, meta.qualifier.service)) {
    throw xtaError('SERVICE_NOT_BOOKED', `the Reader does not take the Service ${meta.qualifier.service} through this hub`);
  }
  if (container.kind === 'plain' && !reader.config.allowUnencrypted) {
    throw xtaError('PROFILE_VIOLATION', 'the Reader accepts only encrypted content (xenc:EncryptedData); unencrypted content is not allowed for it');
  }
  // the operator's limit for one submission, as the XTA upstream and FIT-Connect apply it: refused before anything is stored
  if (overSubmissionLimit(container, rt.submissionBytes)) {
    throw xtaError('MESSAGE_TOO_LARGE', `the message and its attachments exceed the limit of ${rt.submissionBytes} bytes per submission`);
  }
  const taken = await rt.journal.findByChannelRef(XTA_CHANNEL, meta.messageId);
  if (taken) {
    // the same fault, in the same words, whoever used the id (docs/adr/0019): only the operator learns it was another author
    if ((taken.channelMeta as Partial<XtaMeta>).authorId !== identity.identifier) rt.log.warn({ author: identity.identifier, messageId: meta.messageId }, 'sendMessage named a MessageID another author used; answered 9024');
    throw xtaError('MESSAGE_ID_IN_USE');
  }
  const stored =
    container.kind === 'encrypted'
      ? await rt.blobs.put(Buffer.from(container.encryptedDataXml, 'utf8'))
      : await putEncrypted(rt.blobs, rt.keyring, tenantId, Buffer.from(contentContainerDocument(container), 'utf8'));
  const submissionId = randomUUID();
  const channelMeta: XtaMeta = { readerId: reader.config.identifier, authorId: identity.identifier, messageMetaData: meta, container: container.kind, mtom: request.mtom, containerBlobKey: stored.key };
  try {
    await rt.journal.createSubmission({
      submissionId,
      tenantId,
      channel: XTA_CHANNEL,
      channelRef: meta.messageId,
      channelMeta,
      serviceIdentifier: meta.qualifier.service,
      state: 'RECEIVED',
      actor: `xta:${identity.identifier}`,
      inputHash: stored.sha256,
      details: { xtaMessageId: meta.messageId, readerId: reader.config.identifier, container: container.kind },
    });
  } catch (error) {
    // two sends of one MessageID at once: the unique index decides, the loser gets 9024
    if (isWeicheError(error) && error.code === ErrorCode.CONFLICT) throw xtaError('MESSAGE_ID_IN_USE');
    throw error;
  }
  // durable from here: a queue problem must not turn it into a fault (the reconciler enqueues it)
  await withTimeout(rt.queues.enqueueProcess({ submissionId }), 2000, 'enqueue').catch((error: unknown) =>
    rt.log.warn({ err: error, submissionId }, 'enqueue failed; the reconciler will pick it up'),
  );
  rt.log.info({ submissionId, author: identity.identifier, reader: reader.config.identifier, container: container.kind, mtom: request.mtom }, 'xta message received');
  return buildEmptyResponse({ operation: 'sendMessage', ...(request.messageId ? { messageId: request.messageId } : {}) });
}
