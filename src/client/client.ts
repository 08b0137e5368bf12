import type { Readable } from 'node:stream';
import type { Static } from '@sinclair/typebox';
import type WebSocket from 'ws';
import { HobError } from '../shared/errors.js';
import type { ExecRequest } from '../shared/exec-request.js';
import type {
  CheckpointJson,
  CreateCheckpointBody,
  CreateSpriteBody,
  DiffJson,
  HealthJson,
  ImageJson,
  ListSpritesResponse,
  NetworkPolicyJson,
  ServerLimitsJson,
  SpendLimitBodyJson,
  SpendLimitJson,
  PortMessageJson,
  ProgressEvent,
  SessionKillEventJson,
  SessionListResponse,
  ServerUsageJson,
  SpriteUsageJson,
  UsageQueryJson,
  ServiceJson,
  ServiceLogEventJson,
  ServiceRequestJson,
  SpriteJson,
  SpriteSourceJson,
  UpdateSpriteBody,
} from '../shared/protocol.js';
import { ApiClient, contract, type RouteAnswer, type Routes } from './api-client.js';
import { errorFromBody } from './errors.js';
import { openAttach, openExec } from './exec.js';
import { checkpointPath, checkpointsPath, networkPolicyPath, queryOf, servicePath, servicesPath, spendLimitPath } from './paths.js';
import type { ProgressOutcome, ServiceStreamOutcome } from './ndjson.js';
import type { ExecSocket } from './exec-socket.js';

export type { ProgressOutcome, ServiceStreamOutcome } from './ndjson.js';
export { ApiClient, type ClientOptions, type JsonRouteName, type RouteAnswer } from './api-client.js';

/** The NDJSON readers, which check each line against a schema; loaded with the first stream. */
function ndjson(): Promise<typeof import('./ndjson.js')> {
  return import('./ndjson.js');
}

/** A typed client of the Hob API; the CLI is built on it. */
export class HobClient extends ApiClient {
  health(): Promise<HealthJson> {
    return this.call('health', '/v1/health');
  }

  createSprite(body: CreateSpriteBody): Promise<SpriteJson> {
    return this.call('createSprite', '/v1/sprites', body);
  }

  getSprite(name: string): Promise<SpriteJson> {
    return this.call('getSprite', `/v1/sprites/${encodeURIComponent(name)}`);
  }

  updateSprite(name: string, body: UpdateSpriteBody): Promise<SpriteJson> {
    return this.call('updateSprite', `/v1/sprites/${encodeURIComponent(name)}`, body);
  }

  listTokens(): Promise<RouteAnswer<'listTokens'>> {
    return this.call('listTokens', '/v1/tokens');
  }

  /** Makes a token that is not admin; the answer carries the token itself, shown only this once. */
  createToken(body: Static<Routes['createToken']['body']['json']>): Promise<RouteAnswer<'createToken'>> {
    return this.call('createToken', '/v1/tokens', body);
  }

  async revokeToken(idOrName: string): Promise<void> {
    return this.send((await contract()).routes.revokeToken.method, `/v1/tokens/${encodeURIComponent(idOrName)}`);
  }

  getNetworkPolicy(name: string): Promise<NetworkPolicyJson> {
    return this.call('getNetworkPolicy', networkPolicyPath(name));
  }

  /** Replaces the sprite's whole rule set; the server answers 204. */
  async setNetworkPolicy(name: string, policy: NetworkPolicyJson): Promise<void> {
    return this.send((await contract()).routes.setNetworkPolicy.method, networkPolicyPath(name), policy);
  }

  listSprites(options: { prefix?: string; maxResults?: number; continuationToken?: string } = {}): Promise<ListSpritesResponse> {
    const query = new URLSearchParams();
    if (options.prefix) query.set('prefix', options.prefix);
    if (options.maxResults) query.set('max_results', String(options.maxResults));
    if (options.continuationToken) query.set('continuation_token', options.continuationToken);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return this.call('listSprites', `/v1/sprites${suffix}`);
  }

  async listAllSprites(prefix?: string): Promise<SpriteJson[]> {
    const all: SpriteJson[] = [];
    let token: string | undefined;
    do {
      const page = await this.listSprites({ prefix, continuationToken: token });
      all.push(...page.sprites);
      token = page.has_more && page.next_continuation_token ? page.next_continuation_token : undefined;
    } while (token !== undefined);
    return all;
  }

  /** Puts the sprite to sleep now: warm (frozen) or, with `cold`, stopped. */
  sleepSprite(name: string, options: { cold?: boolean } = {}): Promise<SpriteJson> {
    return this.call('sleepSprite', `/v1/sprites/${encodeURIComponent(name)}/sleep`, options.cold === true ? { cold: true } : {});
  }

  wakeSprite(name: string): Promise<SpriteJson> {
    return this.call('wakeSprite', `/v1/sprites/${encodeURIComponent(name)}/wake`);
  }

  /** Reboots a sprite: its processes stop and it boots again with its files (and starts its services). */
  restartSprite(name: string): Promise<{ sprite_name: string; machine_id: string; message: string }> {
    return this.call('restartSprite', `/v1/sprites/${encodeURIComponent(name)}/restart`);
  }

  deleteSprite(name: string): Promise<void> {
    return this.send('DELETE', `/v1/sprites/${encodeURIComponent(name)}`);
  }

  /** Creates a sprite as a copy-on-write fork of another one (its current files, or one of its checkpoints). */
  forkSprite(newName: string, source: SpriteSourceJson, extra: Partial<CreateSpriteBody> = {}): Promise<SpriteJson> {
    return this.createSprite({ ...extra, name: newName, source });
  }

  /** Checkpoints a sprite; resolves with the last event (complete, carrying the new id, or error). */
  async createCheckpoint(name: string, comment: string | undefined, onEvent: (event: ProgressEvent) => void): Promise<ProgressOutcome> {
    const body: CreateCheckpointBody = comment === undefined ? {} : { comment };
    const response = await this.request('POST', `/v1/sprites/${encodeURIComponent(name)}/checkpoint`, { json: body });
    return (await ndjson()).readProgress(response, onEvent);
  }

  /** A sprite's checkpoints, newest first; `history` keeps only that checkpoint and its descendants. */
  listCheckpoints(name: string, options: { includeAuto?: boolean; history?: string } = {}): Promise<CheckpointJson[]> {
    const query = new URLSearchParams();
    if (options.includeAuto === true) query.set('includeAuto', 'true');
    if (options.history !== undefined) query.set('history', options.history);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return this.call('listCheckpoints', `${checkpointsPath(name)}${suffix}`);
  }

  getCheckpoint(name: string, id: string): Promise<CheckpointJson> {
    return this.call('getCheckpoint', checkpointPath(name, id));
  }

  deleteCheckpoint(name: string, id: string): Promise<void> {
    return this.send('DELETE', checkpointPath(name, id));
  }

  /** Restores a sprite's files to a checkpoint (restarting it); resolves with the last event. */
  async restoreCheckpoint(name: string, id: string, onEvent: (event: ProgressEvent) => void): Promise<ProgressOutcome> {
    const response = await this.request('POST', `${checkpointPath(name, id)}/restore`);
    return (await ndjson()).readProgress(response, onEvent);
  }

  /** What changed going from checkpoint `from` to `against` (default: the sprite's files now); either may be CURRENT_STATE. */
  diffCheckpoints(name: string, from: string, against?: string, limit?: number): Promise<DiffJson> {
    return this.call('diffCheckpoints', `${checkpointPath(name, from)}/diff${queryOf({ against, limit })}`);
  }

  /** A sprite's usage and cost over a range of time (default: the last day). */
  getSpriteUsage(name: string, query: UsageQueryJson = {}): Promise<SpriteUsageJson> {
    return this.call('getSpriteUsage', `/v1/sprites/${encodeURIComponent(name)}/usage${queryOf(query)}`);
  }

  /** Every sprite's usage and cost over a range of time, destroyed ones included. */
  getUsage(query: UsageQueryJson = {}): Promise<ServerUsageJson> {
    return this.call('getUsage', `/v1/usage${queryOf(query)}`);
  }

  /** A sprite's spend limit, what it spent against it, and what stops it now. */
  getSpendLimit(name: string): Promise<SpendLimitJson> {
    return this.call('getSpendLimit', spendLimitPath(name));
  }

  /** The server's spend limit and its cap on running sprites. */
  getLimits(): Promise<ServerLimitsJson> {
    return this.call('getLimits', '/v1/limits');
  }

  /** Sets a sprite's spend limit, or with `name` undefined the server's; `undefined` limits remove it. */
  setSpendLimit(name: string | undefined, limits: SpendLimitBodyJson | undefined): Promise<SpendLimitJson> {
    if (name === undefined) {
      return limits === undefined ? this.call('deleteServerSpendLimit', '/v1/limits/spend') : this.call('setServerSpendLimit', '/v1/limits/spend', limits);
    }
    return limits === undefined ? this.call('deleteSpendLimit', spendLimitPath(name)) : this.call('setSpendLimit', spendLimitPath(name), limits);
  }

  listServices(name: string): Promise<ServiceJson[]> {
    return this.call('listServices', servicesPath(name));
  }

  getService(name: string, service: string): Promise<ServiceJson> {
    return this.call('getService', servicePath(name, service));
  }

  /** Creates or replaces a service and starts it; `onEvent` gets its events for `duration` (default 5s). */
  async createService(name: string, service: string, body: ServiceRequestJson, options: { duration?: string }, onEvent: (event: ServiceLogEventJson) => void): Promise<ServiceStreamOutcome> {
    const response = await this.request('PUT', `${servicePath(name, service)}${queryOf({ duration: options.duration })}`, { json: body });
    return (await ndjson()).readServiceEvents(response, onEvent);
  }

  deleteService(name: string, service: string): Promise<void> {
    return this.send('DELETE', servicePath(name, service));
  }

  async startService(name: string, service: string, options: { duration?: string }, onEvent: (event: ServiceLogEventJson) => void): Promise<ServiceStreamOutcome> {
    const response = await this.request('POST', `${servicePath(name, service)}/start${queryOf({ duration: options.duration })}`);
    return (await ndjson()).readServiceEvents(response, onEvent);
  }

  async stopService(name: string, service: string, options: { timeout?: string }, onEvent: (event: ServiceLogEventJson) => void): Promise<ServiceStreamOutcome> {
    const response = await this.request('POST', `${servicePath(name, service)}/stop${queryOf({ timeout: options.timeout })}`);
    return (await ndjson()).readServiceEvents(response, onEvent);
  }

  async restartService(name: string, service: string, options: { duration?: string }, onEvent: (event: ServiceLogEventJson) => void): Promise<ServiceStreamOutcome> {
    const response = await this.request('POST', `${servicePath(name, service)}/restart${queryOf({ duration: options.duration })}`);
    return (await ndjson()).readServiceEvents(response, onEvent);
  }

  /** A service's recent output lines, then (with `duration`) what it writes meanwhile. */
  async serviceLogs(name: string, service: string, options: { lines?: number; duration?: string }, onEvent: (event: ServiceLogEventJson) => void): Promise<ServiceStreamOutcome> {
    const response = await this.request('GET', `${servicePath(name, service)}/logs${queryOf({ lines: options.lines, duration: options.duration })}`);
    return (await ndjson()).readServiceEvents(response, onEvent);
  }

  /** Sends a signal (`HUP`, `TERM`, …) to a service's main process; the server answers 204. */
  signalService(name: string, service: string, signal: string): Promise<void> {
    return this.send('POST', `${servicesPath(name)}/signal`, { name: service, signal });
  }

  async listImages(): Promise<ImageJson[]> {
    return (await this.call('listImages', '/v1/images')).images;
  }

  getImage(name: string): Promise<ImageJson> {
    return this.call('getImage', `/v1/images/${encodeURIComponent(name)}`);
  }

  removeImage(name: string): Promise<void> {
    return this.send('DELETE', `/v1/images/${encodeURIComponent(name)}`);
  }

  /** Starts or follows an image build; resolves with the last event (complete or error). */
  async buildImage(name: string, onEvent: (event: ProgressEvent) => void): Promise<ProgressOutcome> {
    const response = await this.request('POST', `/v1/images/${encodeURIComponent(name)}/build`);
    return (await ndjson()).readProgress(response, onEvent);
  }

  async importImage(name: string, tarball: Readable, onEvent: (event: ProgressEvent) => void): Promise<ProgressOutcome> {
    const response = await this.request('POST', `/v1/images/${encodeURIComponent(name)}/import`, {
      body: tarball,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    return (await ndjson()).readProgress(response, onEvent);
  }

  /**
   * Watches the TCP ports listening in a sprite: `onMessage` gets the `port_list` snapshot, then
   * each `port_opened` / `port_closed`, every one checked against the contract. Resolves when the
   * server ends the watch or `signal` aborts it.
   */
  async watchPorts(name: string, onMessage: (message: PortMessageJson) => void, signal?: AbortSignal): Promise<void> {
    const [{ checked }, { PortMessage }] = await Promise.all([contract(), import('../shared/schemas/ports.js')]);
    const ws = await this.webSocket(`/v1/sprites/${encodeURIComponent(name)}/ports/watch`);
    return new Promise<void>((resolve, reject) => {
      let failure: HobError | undefined;
      const stop = (): void => ws.close(1000);
      signal?.addEventListener('abort', stop, { once: true });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary || failure !== undefined) return;
        try {
          onMessage(checked(PortMessage, JSON.parse(data.toString()), 'a port watch'));
        } catch (error) {
          failure = error instanceof HobError ? error : new HobError('internal', `a port watch message is not JSON: ${String(error)}`);
          ws.terminate();
        }
      });
      ws.on('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          failure = errorFromBody(res.statusCode ?? 0, res.statusMessage ?? '', text);
          ws.terminate();
        });
      });
      ws.on('error', (error) => {
        // Closing a socket still connecting is how an early abort looks; that is no failure.
        if (signal?.aborted === true) return;
        failure ??= new HobError('sprite_unavailable', `cannot reach the Hob server at ${this.baseUrl} (${error.message}); is \`hob serve\` running?`);
      });
      ws.on('close', () => {
        signal?.removeEventListener('abort', stop);
        if (failure === undefined) resolve();
        else reject(failure);
      });
      if (signal?.aborted === true) stop();
    });
  }

  /**
   * Opens a port-forwarding WebSocket (one per TCP connection); the caller sends
   * `{"host","port"}`, waits for `{"status":"connected"}` and then relays binary frames.
   */
  openProxy(name: string): Promise<WebSocket> {
    return this.webSocket(`/v1/sprites/${encodeURIComponent(name)}/proxy`);
  }

  /** A `ws` WebSocket to an API path; `ws` is loaded here, so commands that need none never load it. */
  private async webSocket(path: string): Promise<WebSocket> {
    const { WebSocket } = await import('ws');
    return new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}${path}`, {
      headers: { Authorization: `Bearer ${this.options.token}` },
      perMessageDeflate: false,
    });
  }

  /** The sprite's exec sessions, running and recently ended. */
  listSessions(name: string): Promise<SessionListResponse> {
    return this.call('listExecSessions', `/v1/sprites/${encodeURIComponent(name)}/exec`);
  }

  /** Ends a session (a signal, then SIGKILL after `timeout`); `onEvent` gets each step. Resolves with the last one. */
  async killSession(name: string, id: string, options: { signal?: string; timeout?: string }, onEvent: (event: SessionKillEventJson) => void): Promise<SessionKillEventJson | undefined> {
    const response = await this.request('POST', `/v1/sprites/${encodeURIComponent(name)}/exec/${encodeURIComponent(id)}/kill${queryOf(options)}`);
    const [{ checked }, { SessionKillEvent }, { readNdjson }] = await Promise.all([contract(), import('../shared/schemas/sessions.js'), ndjson()]);
    let last: SessionKillEventJson | undefined;
    await readNdjson(response, (value) => {
      const event = checked(SessionKillEvent, value, 'a session kill');
      last = event;
      onEvent(event);
    });
    return last;
  }

  /** Attaches to a session over a WebSocket exec socket; its first message says its mode (`session_info`). */
  openAttach(name: string, id: string): Promise<ExecSocket> {
    return openAttach(this.options, name, id);
  }

  /** Opens a WebSocket exec; the caller speaks the stream protocol on it once it emits `open`. */
  openExec(name: string, request: ExecRequest): Promise<ExecSocket> {
    return openExec(this.options, name, request);
  }
}
