import type { RawData, WebSocket } from 'ws';
import { normalizeSignal, parseClientControl, type ExitMessage, type SessionInfoMessage } from '../../shared/control-messages.js';
import { encodeExitFrame, encodeFrame, ttyCloseCode } from '../../shared/frames.js';
import type { ExecSessionJson } from '../../shared/protocol.js';
import { MAX_COMMAND_CHARS } from '../../shared/session-limits.js';
import { errorText, type Log } from '../log.js';
import { ExecChannel } from './channel.js';
import { deferred, type CommandSink, type RunningCommand } from './command.js';
import { hangUpSession, signalGroup } from './process-group.js';
import { RateMeter } from './rate.js';
import { Scrollback, type OutputStream } from './scrollback.js';

export interface ExecSessionOptions {
  readonly cmd: readonly string[];
  readonly workdir: string;
  readonly tty: boolean;
  readonly cols: number;
  readonly rows: number;
  /** Output kept for later attaches; 0 for an exec that is not a session (nobody can attach to it). */
  readonly scrollbackBytes: number;
  /** After the last client leaves, the command is hung up this much later; 0: never. */
  readonly maxRunAfterDisconnectMs: number;
  readonly keepaliveMs: number;
  readonly hangupGraceMs: number;
  /** The agent's number for this exec, for its log. */
  readonly execId: number;
  readonly log: Log;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * One exec and the clients attached to it. The command's output goes to every attached client
 * and into a bounded scrollback; input, resize and signals come from any of them. Clients come
 * and go; the command runs on until it exits, or, once nobody is attached, until the
 * after-disconnect limit hangs it up. Every exec has one of these; those kept in the
 * SessionRegistry (TTY and detachable ones) can be listed and attached to by id.
 */
export class ExecSession implements CommandSink {
  readonly createdAtMs = Date.now();
  /** Set once the command has started as a session: its leader's pid. */
  id: string | undefined;
  private command: RunningCommand | undefined;
  private exitCode: number | undefined;
  private endedAtMs: number | undefined;
  private lastActivityMs = this.createdAtMs;
  private cols: number;
  private rows: number;
  private readonly clients = new Set<ExecChannel>();
  private readonly congested = new Set<ExecChannel>();
  private readonly scrollback: Scrollback;
  private readonly rate = new RateMeter();
  private flow: { pause: () => void; resume: () => void } | undefined;
  private inputPaused = false;
  private hangupTimer: NodeJS.Timeout | undefined;
  /** Client messages that came before the command had started, replayed in order once it has. */
  private readonly early: Array<{ data: RawData; isBinary: boolean }> = [];
  private readonly ended = deferred();
  /** Resolves once the command has exited (or never started) and every client has been told. */
  readonly done = this.ended.promise;

  constructor(private readonly options: ExecSessionOptions) {
    this.scrollback = new Scrollback(options.scrollbackBytes);
    this.cols = options.cols;
    this.rows = options.rows;
  }

  get finished(): boolean {
    return this.exitCode !== undefined;
  }

  get pgid(): number | undefined {
    return this.command?.pgid;
  }

  get attachedClients(): number {
    return this.clients.size;
  }

  /** The client that asked for the exec; it is attached before the command starts. */
  addOwner(ws: WebSocket): void {
    this.wire(ws, this.openChannel(ws));
  }

  /** The command has started (or failed to: then it has already reported its exit). */
  begin(command: RunningCommand, asSession: boolean): void {
    this.command = command;
    if (asSession && !command.finished && command.pgid !== undefined) {
      this.id = String(command.pgid);
      for (const channel of this.clients) channel.send(JSON.stringify(this.info(true)));
    }
    if (!command.finished && this.clients.size === 0) this.armHangup();
    for (const { data, isBinary } of this.early.splice(0)) this.fromClient(data, isBinary);
  }

  /**
   * A later client: `session_info` first (the SDK waits for it to learn the mode), then the
   * scrollback, then live output, with nothing lost or doubled between them (all of it is sent
   * in this one turn of the event loop). An ended session gives its output and its exit.
   */
  attach(ws: WebSocket): void {
    const channel = this.openChannel(ws);
    channel.send(JSON.stringify(this.info(false)));
    for (const chunk of this.scrollback.chunks()) channel.send(this.frame(chunk.stream, chunk.data));
    if (this.exitCode !== undefined) {
      this.sendExit(channel, this.exitCode);
      return;
    }
    this.options.log('exec_attach', { id: this.options.execId, session: this.id, clients: this.clients.size });
    this.wire(ws, channel);
  }

  /** What the session list shows of it. */
  toJson(): ExecSessionJson {
    const command = this.options.cmd.join(' ');
    return {
      id: this.id ?? '',
      command: command.length > MAX_COMMAND_CHARS ? command.slice(0, MAX_COMMAND_CHARS) : command,
      workdir: this.options.workdir,
      created: new Date(this.createdAtMs).toISOString(),
      last_activity: new Date(this.lastActivityMs).toISOString(),
      tty: this.options.tty,
      is_active: this.exitCode === undefined,
      bytes_per_second: this.exitCode === undefined ? this.rate.perSecond() : 0,
      attached_clients: this.clients.size,
      ...(this.exitCode === undefined ? {} : { exit_code: this.exitCode }),
      ...(this.endedAtMs === undefined ? {} : { ended_at: new Date(this.endedAtMs).toISOString() }),
    };
  }

  get endedAt(): number | undefined {
    return this.endedAtMs;
  }

  // CommandSink: what the command reports.

  output(stream: OutputStream, data: Buffer): void {
    this.lastActivityMs = Date.now();
    this.rate.add(data.length);
    this.scrollback.append(stream, data);
    if (this.clients.size === 0) return;
    const frame = this.frame(stream, data);
    for (const channel of this.clients) channel.send(frame);
  }

  exit(code: number): void {
    if (this.exitCode !== undefined) return;
    this.exitCode = code;
    this.endedAtMs = Date.now();
    clearTimeout(this.hangupTimer);
    this.hangupTimer = undefined;
    for (const channel of [...this.clients]) this.sendExit(channel, code);
    this.clients.clear();
    this.congested.clear();
    this.ended.resolve();
  }

  onCongestion(pause: () => void, resume: () => void): void {
    this.flow = { pause, resume };
  }

  pauseInput(): void {
    this.inputPaused = true;
    for (const channel of this.clients) channel.pauseInput();
  }

  resumeInput(): void {
    this.inputPaused = false;
    for (const channel of this.clients) channel.resumeInput();
  }

  /** The command could not even be tried (an agent fault, not the command's): its clients are cut off. */
  failStart(): void {
    if (this.command !== undefined || this.exitCode !== undefined) return;
    for (const channel of this.clients) channel.close(1011);
    this.clients.clear();
    this.ended.resolve();
  }

  private info(isOwner: boolean): SessionInfoMessage {
    return {
      type: 'session_info',
      session_id: Number(this.id),
      command: this.options.cmd[0] ?? '',
      created: Math.floor(this.createdAtMs / 1000),
      tty: this.options.tty,
      is_owner: isOwner,
      ...(this.options.tty ? { cols: this.cols, rows: this.rows } : {}),
    };
  }

  private frame(stream: OutputStream, data: Buffer): Buffer {
    return stream === 'tty' ? data : encodeFrame(stream, data);
  }

  /** How the mode tells a client that the command is over: TTY by a message and the close code, pipes by the exit frame. */
  private sendExit(channel: ExecChannel, code: number): void {
    if (this.options.tty) {
      const exit: ExitMessage = { type: 'exit', exit_code: code };
      channel.send(JSON.stringify(exit));
      channel.close(ttyCloseCode(code));
    } else {
      channel.resumeInput();
      channel.send(encodeExitFrame(code));
      channel.close(1000);
    }
  }

  private openChannel(ws: WebSocket): ExecChannel {
    const channel = new ExecChannel(ws, this.options.keepaliveMs);
    channel.onCongestion(
      () => {
        this.congested.add(channel);
        if (this.congested.size === 1) this.flow?.pause();
      },
      () => {
        if (this.congested.delete(channel) && this.congested.size === 0) this.flow?.resume();
      },
    );
    return channel;
  }

  private wire(ws: WebSocket, channel: ExecChannel): void {
    this.clients.add(channel);
    if (this.inputPaused) channel.pauseInput();
    clearTimeout(this.hangupTimer);
    this.hangupTimer = undefined;
    ws.on('message', (data, isBinary) => {
      try {
        this.fromClient(data, isBinary);
      } catch (err) {
        this.options.log('exec_error', { id: this.options.execId, error: errorText(err) });
      }
    });
    ws.on('error', (err) => this.options.log('exec_socket_error', { id: this.options.execId, error: errorText(err) }));
    ws.on('close', () => this.detach(channel));
  }

  private detach(channel: ExecChannel): void {
    // dispose() resumes output this client had paused, through the congestion callback above.
    channel.dispose();
    if (!this.clients.delete(channel) || this.exitCode !== undefined) return;
    if (this.id !== undefined) this.options.log('exec_detach', { id: this.options.execId, session: this.id, clients: this.clients.size });
    if (this.clients.size === 0 && this.command !== undefined) this.armHangup();
  }

  private armHangup(): void {
    const limitMs = this.options.maxRunAfterDisconnectMs;
    const pgid = this.command?.pgid;
    if (limitMs === 0 || pgid === undefined || this.command?.finished === true) return;
    this.hangupTimer = setTimeout(() => {
      this.hangupTimer = undefined;
      if (this.exitCode !== undefined || this.clients.size > 0) return;
      this.options.log('exec_hangup', { id: this.options.execId, pid: pgid, after_ms: limitMs });
      hangUpSession(pgid, this.options.hangupGraceMs);
    }, limitMs);
  }

  private fromClient(data: RawData, isBinary: boolean): void {
    const command = this.command;
    if (command === undefined) {
      this.early.push({ data, isBinary });
      return;
    }
    if (command.finished) return;
    if (isBinary) {
      const frame = toBuffer(data);
      if (frame.length > 0) this.lastActivityMs = Date.now();
      command.input(frame);
      return;
    }
    const msg = parseClientControl(toBuffer(data).toString('utf8'));
    if (msg?.type === 'resize') {
      this.cols = msg.cols;
      this.rows = msg.rows;
      command.resize(msg.cols, msg.rows);
    } else if (msg?.type === 'signal') {
      const signal = normalizeSignal(msg.signal);
      if (signal === undefined) this.options.log('exec_bad_signal', { id: this.options.execId, signal: msg.signal.slice(0, 32) });
      else if (command.pgid !== undefined) signalGroup(command.pgid, signal);
    }
    // Unknown text messages are ignored: newer clients may send things this agent predates.
  }
}
