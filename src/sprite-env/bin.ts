import { run } from './main.js';
import { API_SOCKET } from './request.js';

void run(process.argv.slice(2), { socketPath: API_SOCKET, stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
