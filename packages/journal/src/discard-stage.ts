/** Audit stage of an operator's discard. */
export const DISCARD_STAGE = 'discard';
