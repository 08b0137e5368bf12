import { HobError } from '../../shared/errors.js';
import { USER_PATTERN } from '../../shared/schemas/fs.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { agentRelayRoute } from './agent-relay.js';
import { fsUser } from './fs-agent.js';
import type { RelaySet, UpgradeRoute } from './upgrades.js';
import { decodePathSegment } from './upgrade-url.js';

const FS_WATCH_PATH = /^\/v1\/sprites\/([^/]+)\/fs\/watch$/;
const user = new RegExp(USER_PATTERN);

/** The watch's own query (the paths come in its first frame): whom it watches as. */
function parseWatchQuery(params: URLSearchParams): { asRoot?: boolean; user?: string } {
  for (const key of ['asRoot', 'user']) {
    if (params.getAll(key).length > 1) throw new HobError('bad_request', `query parameter ${key} may be given only once`);
  }
  const asRoot = params.get('asRoot');
  if (asRoot !== null && asRoot !== 'true' && asRoot !== 'false') throw new HobError('bad_request', 'query parameter asRoot must be boolean');
  const name = params.get('user');
  if (name !== null && !user.test(name)) throw new HobError('bad_request', 'query parameter user must be an account name or a uid');
  return { ...(asRoot === null ? {} : { asRoot: asRoot === 'true' }), ...(name === null ? {} : { user: name }) };
}

/**
 * File watches: the agent's watch (waking the sprite), relayed byte for byte as exec is. The
 * client's subscribe frame and the agent's events pass through untouched.
 */
export function fsWatchUpgradeRoute(deps: { registry: SpriteRegistry; lifecycle: SpriteLifecycle; relays: RelaySet }): UpgradeRoute {
  return agentRelayRoute(
    {
      path: '/v1/sprites/:name/fs/watch',
      pattern: FS_WATCH_PATH,
      open: async ({ url, match }) => {
        const name = decodePathSegment(match[1] ?? '');
        const acting = parseWatchQuery(url.searchParams);
        const account = fsUser(deps.registry.get(name), acting);
        // Unlike an exec, a watch does not keep the sprite awake: nothing changes in a sleeping sprite.
        return deps.lifecycle.withAgent(name, (link) => link.openFsWatch(account));
      },
    },
    deps.relays,
  );
}
