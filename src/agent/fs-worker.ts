/**
 * The file worker's entry point (dist/fs-worker.js, beside the agent in /.hob): the agent
 * starts it as a sprite user for each file operation that user asks for (src/agent/fs/runner.ts).
 */
import { runWorker } from './fs/worker.js';

runWorker();
