import { runXsdTask } from './xsd-task.js';

/** Piscina worker entry: one XSD validation per call; the schemas load on this thread's first task of a standard. */
export default runXsdTask;
