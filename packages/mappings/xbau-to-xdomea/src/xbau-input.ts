import { z } from 'zod';
import { XBAU_ANTRAG_0200 } from '@weiche/xoev';

/** Parsed XML (parseXml) whose root element is baugenehmigung.antrag.0200 (any prefix). */
export const XbauAntragXml = z.record(z.string(), z.unknown()).refine(
  (doc) => Object.keys(doc).some((k) => k === XBAU_ANTRAG_0200 || k.endsWith(`:${XBAU_ANTRAG_0200}`)),
  { message: `root element must be ${XBAU_ANTRAG_0200}`, path: [XBAU_ANTRAG_0200] },
);

export type XbauAntragXml = z.infer<typeof XbauAntragXml>;
