import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../../shared/errors.js';
import { decodePathSegment, parseUpgradeUrl } from './upgrade-url.js';

const badRequest = (error: unknown) => error instanceof HobError && error.code === 'bad_request';

test('a path segment that is not valid percent-encoding is a 400, not a URIError', () => {
  assert.equal(decodePathSegment('my%2Dsprite'), 'my-sprite');
  for (const segment of ['%', '%zz', '%E0%A4%A', '%C0%80%']) assert.throws(() => decodePathSegment(segment), badRequest, segment);
});

test('an upgrade target that is not a URL is a 400', () => {
  assert.equal(parseUpgradeUrl('/v1/sprites/a/exec?cmd=ls').pathname, '/v1/sprites/a/exec');
  assert.equal(parseUpgradeUrl(undefined).pathname, '/');
  assert.throws(() => parseUpgradeUrl('http://[zz]/v1/sprites/a/exec'), badRequest);
});
