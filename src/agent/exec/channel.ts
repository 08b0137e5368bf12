import type { WebSocket } from 'ws';
import { Keepalive } from './keepalive.js';

/** Output is paused while this much is queued for a slow client, and resumed below the low mark. */
const HIGH_WATER_BYTES = 1024 * 1024;
const LOW_WATER_BYTES = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * The agent's side of one exec socket: sends with keepalive and output flow control, and
 * stdin flow control by pausing reads from the client.
 */
export class ExecChannel {
  private readonly keepalive: Keepalive;
  private outputPaused = false;
  private flow: { pause: () => void; resume: () => void } | undefined;

  constructor(private readonly ws: WebSocket, keepaliveMs: number) {
    // An empty binary frame is ignored by the SDK in both modes.
    this.keepalive = new Keepalive(keepaliveMs, () => this.send(EMPTY));
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  onCongestion(pause: () => void, resume: () => void): void {
    this.flow = { pause, resume };
  }

  send(data: Buffer | string): void {
    if (!this.isOpen) return;
    this.ws.send(data, { binary: typeof data !== 'string' }, this.afterSend);
    this.keepalive.touch();
    if (!this.outputPaused && this.flow !== undefined && this.ws.bufferedAmount > HIGH_WATER_BYTES) {
      this.outputPaused = true;
      this.flow.pause();
    }
  }

  private readonly afterSend = (err?: Error): void => {
    if (this.outputPaused && (err !== undefined || this.ws.bufferedAmount <= LOW_WATER_BYTES)) this.resumeOutput();
  };

  private resumeOutput(): void {
    this.outputPaused = false;
    this.flow?.resume();
  }

  pauseInput(): void {
    this.ws.pause();
  }

  resumeInput(): void {
    this.ws.resume();
  }

  close(code: number): void {
    this.keepalive.stop();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code);
  }

  /** The socket is gone: stop timers and let paused output drain into nothing. */
  dispose(): void {
    this.keepalive.stop();
    if (this.outputPaused) this.resumeOutput();
  }
}
