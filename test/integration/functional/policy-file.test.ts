import assert from 'node:assert/strict';
import test from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sections, sh, shStdout } from '../../helpers/shell.js';

const server = sharedServer();

test('a sprite reads its egress policy at /.sprite/policy/network.json, kept current and read-only', async (t) => {
  const { create, client } = spriteFixture(t, server);
  const { name } = await create();
  const read = async () => JSON.parse(await shStdout(client, name, 'cat /.sprite/policy/network.json')) as unknown;

  assert.deepEqual(await read(), { rules: [] }, 'written when the sprite is made');

  const policy = { rules: [{ domain: 'github.com', action: 'allow' as const }, { include: 'defaults' as const }] };
  await client.setNetworkPolicy(name, policy);
  assert.deepEqual(await read(), policy, 'a POST is seen inside at once');

  const attempts = sections(
    (
      await sh(
        client,
        name,
        [
          'echo @@write; echo x > /.sprite/policy/network.json 2>&1; echo "rc=$?"',
          'echo @@create; touch /.sprite/policy/other 2>&1; echo "rc=$?"',
          'echo @@remove; rm -f /.sprite/policy/network.json 2>&1; echo "rc=$?"',
          'echo @@remount; mount -o remount,rw /.sprite/policy 2>&1; echo "rc=$?"',
        ].join('\n'),
      )
    ).stdout,
  );
  for (const [attempt, output] of Object.entries(attempts)) {
    if (attempt === '') continue;
    assert.match(output, /^rc=[1-9]\d*$/m, `${attempt} must fail: ${output}`);
  }
  assert.deepEqual(await read(), policy, 'the file is unchanged');

  await client.setNetworkPolicy(name, { rules: [] });
  assert.deepEqual(await read(), { rules: [] });
});
