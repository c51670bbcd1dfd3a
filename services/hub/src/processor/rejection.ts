import type { RejectionProblem } from '@weiche/fit-connect';

/**
 * A permanent problem with the submission's input: the sender gets a reject-submission event with
 * this FIT-Connect problem, the journal goes to REJECTED, nothing is retried.
 */
export class SubmissionRejection extends Error {
  override readonly name = 'SubmissionRejection';
  constructor(readonly problem: RejectionProblem) {
    super(problem.detail);
  }
}

/**
 * The input was fine but the hub cannot finish it (no route, output fails its XSD): the submission
 * becomes FAILED with the reason for an operator to fix and replay; the sender is not told "rejected".
 */
export class ProcessingFailure extends Error {
  override readonly name = 'ProcessingFailure';
}
