import { randomBytes } from 'node:crypto';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { HobError, isErrorCode } from '../../shared/errors.js';
import { fsError, isPosixCode } from '../../shared/fs-errors.js';
import { encodeExecQuery, type ExecRequest } from '../../shared/exec-request.js';
import type { AgentHealth, SessionKillEventJson, SessionListResponse } from '../../shared/protocol.js';
import { AGENT_TCP_VERSION, AGENT_VERSION, FS_AGENT_VERSION, OLDEST_AGENT_VERSION, PORTS_WATCH_AGENT_VERSION, SESSIONS_AGENT_VERSION } from '../../shared/version.js';
import { parseKillEvent, parseSessionList } from './sessions.js';
import { AgentConnectionLost, agentConnectError, type AgentTransport } from './transport.js';

/** How often a booting agent's sandbox is asked whether it still runs. */
const STILL_STARTING_CHECK_MS = 200;
/** Between health checks of an agent whose socket is there but did not answer. */
const READY_POLL_MS = 2;
/** The longest JSON answer a plain call reads from an agent; it runs next to user code. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** The longest error body read from a refused upgrade. */
const MAX_REFUSAL_BYTES = 4096;
const EXEC_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Largest WebSocket message taken from an agent on HTTP exec (it frames its output far smaller). */
const MAX_AGENT_MESSAGE_BYTES = 1024 * 1024;
/** A kill reports a handful of short lines. */
const MAX_KILL_LINES = 16;
const MAX_KILL_LINE_BYTES = 4096;

export interface LineCallOptions<T> {
  method?: 'GET' | 'POST';
  /** How long the agent may take to accept the call; the lines then come at their own pace. */
  headTimeoutMs: number;
  maxLines: number;
  maxLineBytes: number;
  /** Checks each line strictly: it comes from next to user code. */
  parse: (value: unknown) => T;
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

/** A raw upgraded connection to the agent (an exec, a port watch, a TCP dial): the relay pipes it byte for byte. */
export interface UpgradedSocket {
  socket: Duplex;
  /** Bytes the agent sent right after its handshake, to be passed on first. */
  head: Buffer;
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
    return new Promise((resolve, reject) => {
      const req = this.request(path, {
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        },
      });
      req.setTimeout(EXEC_HANDSHAKE_TIMEOUT_MS, () => req.destroy(new Error(`the agent did not answer the ${what} handshake in time`)));
      req.on('upgrade', (_res, socket, head) => resolve({ socket, head }));
      req.on('response', (res) => void refusal(res, what).then(reject));
      req.on('error', (error: NodeJS.ErrnoException) => reject(agentConnectError(error)));
      req.end();
    });
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
    return new Promise((resolve, reject) => {
      const query = new URLSearchParams({ host, port: String(port) });
      const req = this.request(`/tcp?${query.toString()}`, { headers: { Connection: 'Upgrade', Upgrade: 'tcp' } });
      req.setTimeout(EXEC_HANDSHAKE_TIMEOUT_MS + 1000, () => req.destroy(new Error(`the agent did not dial ${host}:${port} in time`)));
      req.on('upgrade', (_res, socket, head) => {
        socket.setTimeout(0);
        resolve({ socket, head });
      });
      req.on('response', (res) => void refusal(res, 'connection').then(reject));
      req.on('error', (error: NodeJS.ErrnoException) => reject(agentConnectError(error)));
      req.end();
    });
  }

  /**
   * Opens an exec as a WebSocket client, for HTTP exec, which re-frames the agent's output. It
   * is handed over paused, to be resumed once its listeners are on: a command that fails at
   * once sends its output and exit with the handshake, and ws would emit them before the
   * caller, some promise resolutions later, could listen.
   */
  async openExecSocket(exec: ExecRequest): Promise<WebSocket> {
    await this.ready();
    const socket = new WebSocket(`ws://agent${execPath(exec)}`, {
      createConnection: () => this.transport.connect(),
      maxPayload: MAX_AGENT_MESSAGE_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: EXEC_HANDSHAKE_TIMEOUT_MS,
    });
    return new Promise<WebSocket>((resolve, reject) => {
      socket.once('open', () => {
        socket.pause();
        resolve(socket);
      });
      socket.once('unexpected-response', (_req, res) => void refusal(res, 'exec').then(reject));
      socket.once('error', (error: NodeJS.ErrnoException) => reject(agentConnectError(error)));
    });
  }

  private request(path: string, options: { method?: string; headers: Record<string, string | number> }): ClientRequest {
    return request({
      // With createConnection and no agent, Node pools nothing: each request gets a fresh stream
      // from the transport, which for a unix socket is pinned to exactly the socket it checked.
      createConnection: () => this.transport.connect(),
      host: 'agent',
      path,
      method: options.method ?? 'GET',
      headers: options.headers,
    });
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

function execPath(exec: ExecRequest): string {
  return `/exec?${encodeExecQuery(exec).toString()}`;
}

const HEALTH_KEYS = ['agent_version', 'pid', 'uptime_ms'];

function parseHealth(value: unknown): AgentHealth {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('agent health is not an object');
  const body = value as Record<string, unknown>; // a non-null, non-array object, checked above
  const extra = Object.keys(body).filter((key) => !HEALTH_KEYS.includes(key));
  if (extra.length > 0) throw new Error(`agent health has unknown fields: ${extra.join(', ')}`);
  const { agent_version: version, pid, uptime_ms: uptime } = body;
  if (!Number.isInteger(version) || !Number.isInteger(pid) || typeof uptime !== 'number') throw new Error('agent health is malformed');
  return { agent_version: version as number, pid: pid as number, uptime_ms: uptime }; // checked just above
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HobError('agent_error', 'the agent answered with something that is not JSON');
  }
}

function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Cuts a request to the agent when its caller goes away. */
function cutOnAbort(req: ClientRequest, signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  const cut = (): void => void req.destroy(new HobError('bad_request', 'the client went away'));
  if (signal.aborted) cut();
  else signal.addEventListener('abort', cut, { once: true });
  req.once('close', () => signal.removeEventListener('abort', cut));
}

/**
 * An agent's error body, kept only if it is of the registry's shape; anything else is a
 * generic agent error. A file operation's failure keeps its POSIX code and path, and its
 * registry code (so its status) is derived here from the POSIX code, not taken from the agent.
 */
function agentRefusal(status: number | undefined, value: unknown, fallback: string): HobError {
  const body = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>; // any object; each field is checked before use
  const message = typeof body.message === 'string' ? body.message.slice(0, 1000) : fallback;
  const details = (typeof body.details === 'object' && body.details !== null ? body.details : {}) as Record<string, unknown>; // any object; each field is checked before use
  if (isPosixCode(details.errno) && typeof details.path === 'string') return fsError(details.errno, message, details.path);
  // Only the agent's client errors pass on with their code: its 5xx are the server's problem to report.
  if (status !== undefined && status >= 400 && status < 500 && isErrorCode(body.error)) return new HobError(body.error, message);
  return new HobError('agent_error', message);
}

async function refusal(res: IncomingMessage, what: string): Promise<HobError> {
  const fallback = `the agent refused the ${what} (${String(res.statusCode)})`;
  try {
    const text = await readBounded(res, MAX_REFUSAL_BYTES);
    return agentRefusal(res.statusCode, JSON.parse(text), fallback);
  } catch {
    return new HobError('agent_error', fallback);
  }
}

/** The lines of an NDJSON answer, each parsed and checked; too many or too long ones end it with an agent error. */
async function* readLines<T>(res: IncomingMessage, options: LineCallOptions<T>): AsyncGenerator<T> {
  res.setEncoding('utf8');
  let buffered = '';
  let lines = 0;
  const take = (line: string): T | undefined => {
    if (line.trim() === '') return undefined;
    if (++lines > options.maxLines) throw new HobError('agent_error', `the agent sent more than ${options.maxLines} lines`);
    return options.parse(parseJson(line));
  };
  for await (const chunk of res as AsyncIterable<string>) { // setEncoding makes the chunks strings
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const value = take(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (value !== undefined) yield value;
    }
    if (buffered.length > options.maxLineBytes) throw new HobError('agent_error', `the agent sent a line over ${options.maxLineBytes} bytes`);
  }
  const last = take(buffered);
  if (last !== undefined) yield last;
}

function readBounded(res: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) res.destroy(new HobError('agent_error', `the agent's answer is over ${maxBytes} bytes`));
      else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    res.on('error', reject);
  });
}
