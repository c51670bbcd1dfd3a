import { z } from 'zod';

/** Job payloads carry ids only (claim check): documents and keys stay in the blob store and keystore. */
export const ProcessJob = z.object({ submissionId: z.uuid() }).readonly();
export type ProcessJob = z.infer<typeof ProcessJob>;

export const DeliverJob = z.object({ submissionId: z.uuid(), routeId: z.string().min(1) }).readonly();
export type DeliverJob = z.infer<typeof DeliverJob>;

export const CallbackJob = z.object({ jti: z.string().min(1).max(200) }).readonly();
export type CallbackJob = z.infer<typeof CallbackJob>;
