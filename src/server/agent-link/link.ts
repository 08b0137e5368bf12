import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type WebSocket from 'ws';
import { HobError } from '../../shared/errors.js';
import type { ExecRequest } from '../../shared/exec-request.js';
import type { AgentHealth, SessionKillEventJson, SessionListResponse } from '../../shared/protocol.js';
import { AGENT_TCP_VERSION, AGENT_VERSION, FS_AGENT_VERSION, OLDEST_AGENT_VERSION, PORTS_WATCH_AGENT_VERSION, SESSIONS_AGENT_VERSION } from '../../shared/version.js';
import { MAX_REFUSAL_BYTES, agentRefusal, cutOnAbort, parseHealth, parseJson, parseJsonOrNull, readBounded, readLines, refusal, type LineBounds } from './answers.js';
import { parseKillEvent, parseSessionList } from './sessions.js';
import { AgentConnectionLost, agentConnectError, type AgentTransport } from './transport.js';
import { EXEC_HANDSHAKE_TIMEOUT_MS, agentRequest, execPath, openExecWebSocket, openRawUpgrade, openTcpDial, type UpgradedSocket } from './upgrades.js';

export type { UpgradedSocket } from './upgrades.js';

/** How often a booting agent's sandbox is asked whether it still runs. */
const STILL_STARTING_CHECK_MS = 200;
/** Between health checks of an agent whose socket is there but did not answer. */
const READY_POLL_MS = 2;
/** The longest JSON answer a plain call reads from an agent; it runs next to user code. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** A kill reports a handful of short lines. */
const MAX_KILL_LINES = 16;
const MAX_KILL_LINE_BYTES = 4096;

export interface LineCallOptions<T> extends LineBounds<T> {
  method?: 'GET' | 'POST';
  /** How long the agent may take to accept the call; the lines then come at their own pace. */
  headTimeoutMs: number;
}

export interface CallOptions<T> {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  timeoutMs: number;
  /** Checks the agent's answer strictly: it comes from next to user code. */
  parse: (value: unknown) => T;
  /** Default MAX_ANSWER_BYTES; a directory listing may need more. */
  maxAnswerBytes?: number;
  /** The caller went away: the request is cut, and the agent stops the operation. */
  signal?: AbortSignal;
}

export interface StreamOptions {
  method: 'GET' | 'PUT';
  /** Streamed to the agent as it comes; none sends an empty body. */
  body?: Readable;
  /** The longest the connection may sit idle. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}


/**
 * The one road from the server to one sprite's agent: every call, exec upgrade and health check
 * goes through here, over whatever stream the runtime's transport opens. The first use checks
 * that the agent speaks a protocol version this server knows, and refuses it with a clear error
 * otherwise (persistent sprites keep the agent they booted with until they restart).
 */
export class AgentLink {
  private checkedVersion: number | undefined;

  constructor(
    private readonly transport: AgentTransport,
    /** For messages; a warm spare's link takes its sprite's name when it is handed over. */
    public spriteName: string,
  ) {}

  /** The agent's health, validated strictly; its version is checked and remembered. */
  async health(timeoutMs: number): Promise<AgentHealth> {
    const health = await this.call('/health', { timeoutMs, parse: parseHealth });
    this.checkVersion(health.agent_version);
    return health;
  }

  /** Resolves once the agent's version is known to be one this server speaks. */
  async ready(timeoutMs = 2000): Promise<void> {
    if (this.checkedVersion === undefined) await this.health(timeoutMs);
  }

  /** Whether the agent answers at all right now (used to tell a dying agent from a reset). */
  async answers(timeoutMs: number): Promise<boolean> {
    try {
      await this.health(timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Waits until a booting agent answers. The whole boot (runc, node, agent) takes tens of
   * milliseconds and every millisecond of slack adds to create → first exec, so it waits for
   * the agent's socket to appear (where the transport can say) and polls in small steps once it
   * is there. `stillStarting` is asked now and then, so a broken boot fails fast.
   */
  async waitUntilReady(options: { timeoutMs: number; stillStarting: () => Promise<boolean> }): Promise<AgentHealth> {
    const deadline = Date.now() + options.timeoutMs;
    let nextCheck = Date.now() + STILL_STARTING_CHECK_MS;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        return await this.health(1000);
      } catch (error) {
        if (error instanceof HobError && error.code === 'agent_incompatible') throw error;
        lastError = error;
      }
      if (Date.now() >= nextCheck) {
        nextCheck = Date.now() + STILL_STARTING_CHECK_MS;
        if (!(await options.stillStarting())) throw new Error(`the sprite stopped while its agent was starting${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
      }
      const present = (await this.transport.whenPresent?.(STILL_STARTING_CHECK_MS)) ?? true;
      if (present) await sleep(READY_POLL_MS);
    }
    throw new Error(`the agent did not answer within ${options.timeoutMs} ms${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`);
  }

  /** A plain request/response call with a JSON answer (fs, services, ports, sessions build on this). */
  call<T>(path: string, options: CallOptions<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const req = this.request(path, {
        method: options.method ?? 'GET',
        headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.setTimeout(options.timeoutMs, () => req.destroy(new AgentConnectionLost(`the agent did not answer ${path} within ${options.timeoutMs} ms`)));
      cutOnAbort(req, options.signal);
      req.on('response', (res) => {
        void readBounded(res, options.maxAnswerBytes ?? MAX_ANSWER_BYTES).then((text) => {
          // 204 is an answer with nothing to say (a delete, a signal).
          const value = res.statusCode === 204 ? undefined : parseJson(text);
          if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299) throw agentRefusal(res.statusCode, value, `the agent answered ${path} with ${String(res.statusCode)}`);
          resolve(options.parse(value));
        }).catch((error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
      });
      req.on('error', (error: NodeJS.ErrnoException) => reject(agentConnectError(error)));
      req.end(body);
    });
  }

  /**
   * A call answered with NDJSON, one checked value per line. Resolves once the agent has
   * accepted it (a refusal rejects with the agent's error, before anything is streamed).
   */
  async callLines<T>(path: string, options: LineCallOptions<T>): Promise<AsyncIterable<T>> {
    return readLines(await this.openStream(path, { method: options.method ?? 'GET', headTimeoutMs: options.headTimeoutMs }), options);
  }

  /** The agent's sessions. An agent older than sessions has none: each of its execs ended with its client. */
  async listSessions(timeoutMs: number): Promise<SessionListResponse> {
    await this.ready(timeoutMs);
    if ((this.checkedVersion ?? 0) < SESSIONS_AGENT_VERSION) return { sessions: [], count: 0 };
    return this.call('/sessions', { timeoutMs, parse: parseSessionList });
  }

  /** Attaches to a session as a raw upgraded connection, for the WebSocket relay. */
  async openSessionAttach(id: string): Promise<UpgradedSocket> {
    await this.ready();
    this.requireVersion(SESSIONS_AGENT_VERSION, 'detachable sessions');
    return this.openUpgrade(`/sessions/attach?${new URLSearchParams({ id }).toString()}`, 'attach');
  }

  /** Starts ending a session; resolves once the agent has accepted, with its report of each step. */
  async killSession(id: string, signal: string, timeoutMs: number): Promise<AsyncIterable<SessionKillEventJson>> {
    await this.ready();
    this.requireVersion(SESSIONS_AGENT_VERSION, 'detachable sessions');
    const query = new URLSearchParams({ id, signal, timeout_ms: String(timeoutMs) });
    return this.callLines(`/sessions/kill?${query.toString()}`, {
      method: 'POST',
      headTimeoutMs: EXEC_HANDSHAKE_TIMEOUT_MS,
      maxLines: MAX_KILL_LINES,
      maxLineBytes: MAX_KILL_LINE_BYTES,
      parse: parseKillEvent,
    });
  }

  /**
   * A request whose body and answer stream (file contents, tar archives): resolves with the
   * agent's 2xx answer as soon as its head arrives, its body unread. A refusal carries the
   * agent's error. Once any of the body has gone, a lost connection is an agent_error, never
   * the AgentUnreachable that would make withAgent send it again from the start.
   */
  stream(path: string, options: StreamOptions): Promise<IncomingMessage> {
    const { body } = options;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let sent = false;
      // keep-alive, though the connection is never reused: with `close` (the default without an
      // http.Agent) the agent would close its end right after a refusal, cutting the upload with EPIPE.
      const headers: Record<string, string | number> = body === undefined ? { 'content-length': 0 } : { 'content-type': 'application/octet-stream', connection: 'keep-alive' };
      const req = this.request(path, { method: options.method, headers });
      req.setTimeout(options.idleTimeoutMs, () => req.destroy(new AgentConnectionLost(`the agent was silent on ${path.split('?')[0] ?? path} for ${options.idleTimeoutMs} ms`)));
      cutOnAbort(req, options.signal);
      req.on('response', (res) => {
        // An answer before the whole body went (a refusal) ends the upload: the rest is not wanted.
        if (body !== undefined && !body.readableEnded) body.unpipe(req);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(res);
          return;
        }
        void readBounded(res, MAX_REFUSAL_BYTES)
          .then(
            (text) => reject(agentRefusal(status, parseJsonOrNull(text), `the agent answered ${path.split('?')[0] ?? path} with ${status}`)),
            () => reject(new HobError('agent_error', `the agent's answer to ${path.split('?')[0] ?? path} was cut off`)),
          )
          // The agent drops the rest of a refused upload; this connection has nothing more to carry.
          .finally(() => req.destroy());
      });
      req.on('error', (error: NodeJS.ErrnoException) => reject(sent ? new HobError('agent_error', `the connection to the sprite's agent broke: ${error.message}`) : agentConnectError(error)));
      if (body === undefined) {
        req.end();
        return;
      }
      body.once('data', () => (sent = true));
      // A client that goes away mid-upload must not leave the agent waiting for the rest.
      body.once('close', () => {
        if (!body.readableEnded) req.destroy(new Error('the upload was cut off'));
      });
      body.on('error', (error) => req.destroy(error));
      body.pipe(req);
    });
  }

  /** Opens the agent's file watch as a raw upgraded connection, for the WebSocket relay. */
  async openFsWatch(user: string): Promise<UpgradedSocket> {
    await this.ready();
    this.requireVersion(FS_AGENT_VERSION, 'the filesystem API');
    return this.openUpgrade(`/fs/watch?${new URLSearchParams({ user }).toString()}`, 'file watch');
  }

  /**
   * A request whose 2xx answer is a stream (NDJSON events), handed over as it arrives once its
   * head has come; any other answer is refused with the agent's error. `headTimeoutMs` bounds the
   * wait for the head only: the stream itself may run as long as the caller reads it.
   */
  openStream(path: string, options: { method: 'GET' | 'POST' | 'PUT'; body?: unknown; headTimeoutMs: number }): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      const req = this.request(path, {
        method: options.method,
        headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.setTimeout(options.headTimeoutMs, () => req.destroy(new AgentConnectionLost(`the agent did not answer ${path} within ${options.headTimeoutMs} ms`)));
      req.on('response', (res) => {
        req.setTimeout(0);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status <= 299) {
          resolve(res);
          return;
        }
        void refusal(res, `call of ${path}`).then(reject);
      });
      req.on('error', (error: NodeJS.ErrnoException) => reject(agentConnectError(error)));
      req.end(body);
    });
  }

  /** Refuses a feature newer than the agent this sprite booted with; restarting it brings this server's agent. */
  async requireAgentVersion(version: number, feature: string): Promise<void> {
    await this.ready();
    this.requireVersion(version, feature);
  }

  /** The agent's protocol version, once a call has checked it. */
  get agentVersion(): number | undefined {
    return this.checkedVersion;
  }

  /** Opens an exec as a raw upgraded connection, for the WebSocket relay. */
  openExec(exec: ExecRequest): Promise<UpgradedSocket> {
    return this.openUpgrade(execPath(exec), 'exec');
  }

  /** Opens the agent's port watch as a raw upgraded connection, for the WebSocket relay. */
  async openPortsWatch(): Promise<UpgradedSocket> {
    await this.ready();
    this.requireVersion(PORTS_WATCH_AGENT_VERSION, 'port watching');
    return this.openUpgrade('/ports/watch', 'port watch');
  }





  /** A WebSocket handshake with the agent, answered by the upgraded socket itself (the relay speaks the protocol, not this link). */
  private async openUpgrade(path: string, what: string): Promise<UpgradedSocket> {
    await this.ready();
    return openRawUpgrade(this.transport, path, what);
  }

  /**
   * Opens a TCP connection dialled by the agent inside the sprite (so its loopback is reachable)
   * and hands back the raw stream; a dial that fails is refused with the agent's message, which
   * names host:port.
   */
  async openTcp(host: string, port: number): Promise<UpgradedSocket> {
    await this.ready();
    if ((this.checkedVersion ?? 0) < AGENT_TCP_VERSION) {
      throw new HobError('agent_incompatible', `sprite ${this.spriteName} runs an agent without TCP forwarding; restart the sprite to give it this server's agent`);
    }
    return openTcpDial(this.transport, host, port);
  }

  /** Opens an exec as a WebSocket client, for HTTP exec, which re-frames the agent's output; handed over paused (see openExecWebSocket). */
  async openExecSocket(exec: ExecRequest): Promise<WebSocket> {
    await this.ready();
    return openExecWebSocket(this.transport, execPath(exec));
  }

  private request(path: string, options: { method?: string; headers: Record<string, string | number> }): ClientRequest {
    return agentRequest(this.transport, path, options);
  }

  /** A feature newer than the agent a persistent sprite still runs: restarting it brings this server's agent. Call after ready(). */
  requireVersion(version: number, feature: string): void {
    if (this.checkedVersion !== undefined && this.checkedVersion >= version) return;
    throw new HobError('agent_incompatible', `sprite ${this.spriteName} runs agent protocol ${String(this.checkedVersion)}, which has no ${feature} (it came in ${version}); restart the sprite to give it this server's agent`);
  }

  private checkVersion(version: number): void {
    if (version < OLDEST_AGENT_VERSION || version > AGENT_VERSION) {
      throw new HobError(
        'agent_incompatible',
        `sprite ${this.spriteName} runs agent protocol ${version}, but this server speaks ${OLDEST_AGENT_VERSION}–${AGENT_VERSION}; restart the sprite to give it this server's agent`,
      );
    }
    this.checkedVersion = version;
  }
}
