import { carveView } from './view-pieces.js';
import { runXmlTask, type XmlTask, type XmlTaskResult } from './xml-task.js';

/**
 * Piscina worker entry: one XSD validation or XML parse per call; a standard's schema loads on this thread's first
 * validation of it. A parsed view goes back carved, for the receiving event loop to put together piece by piece.
 */
export default async function runInWorker(task: XmlTask): Promise<XmlTaskResult> {
  const result = await runXmlTask(task);
  if (!('read' in result)) return result;
  const { skeleton, pieces } = carveView(result.read.view);
  return { read: { root: result.read.root, view: skeleton }, pieces };
}
