import { runXmlTask } from './xml-task.js';

/** Piscina worker entry: one XSD validation or XML parse per call; a standard's schema loads on this thread's first validation of it. */
export default runXmlTask;
