import { runCryptoTask } from './crypto-task.js';

/** Piscina worker entry: one private-key operation per call. */
export default runCryptoTask;
