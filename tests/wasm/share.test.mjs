// share.test.mjs - web/share.js under Node: the share link round trip, and every way a link can
// be broken (cut short, edited, another format, older or newer schema, a decompression bomb)
// gives a ShareError with a message, never a crash.
import path from 'node:path';
import zlib from 'node:zlib';
import { test, done, assert, root } from './harness.mjs';

const { encodeState, decodeState, toBase64Url, fromBase64Url, ShareError } = await import(path.join(root, 'web/share.js'));

const spec = {
  version: 1, engine: '0.1.0', seed: 42,
  inputs: [{ name: 'metrics', kind: 'csv', path: 'm.csv', size: 1234, sha256: 'ab'.repeat(32) }, { name: 'load', kind: 'synth', params: { preset: 'allam-7d', load: { duration_s: 3600 } } }],
  steps: [{ id: 'stats', op: 'summary', input: 'metrics', params: { columns: ['cpu', 'ünïcode <b>'] } }],
  view: { tab: 'dataset', views: { dataset: { table: 'metrics', selected: ['cpu'], range: [1, 2] } } },
};

test('round trip keeps every field', async () => {
  const f = await encodeState(spec);
  assert.match(f, /^s1\.[A-Za-z0-9_-]+$/);
  assert.deepEqual(await decodeState(f), spec);
  assert.deepEqual(await decodeState('#' + f), spec, 'with the #');
});

test('the payload is raw deflate in base64url, readable by zlib', async () => {
  const f = await encodeState(spec);
  const z = Buffer.from(f.slice(3).replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  assert.deepEqual(JSON.parse(zlib.inflateRawSync(z).toString('utf8')), spec);
  const ours = toBase64Url(new Uint8Array([251, 255, 0, 1]));
  assert.equal(ours, Buffer.from([251, 255, 0, 1]).toString('base64url'));
  assert.deepEqual([...fromBase64Url(ours)], [251, 255, 0, 1]);
});

test('a long spec compresses well', async () => {
  const big = { ...spec, steps: Array.from({ length: 50 }, (_, i) => ({ id: `s${i}`, op: 'summary', input: 'metrics', params: { columns: ['cpu', 'mem'] } })) };
  const f = await encodeState(big);
  assert.ok(f.length < JSON.stringify(big).length / 4, `${f.length} vs ${JSON.stringify(big).length}`);
});

async function fails(frag, re, code) {
  try {
    await decodeState(frag);
  } catch (e) {
    assert.ok(e instanceof ShareError, `a ShareError, got ${e}`);
    assert.match(e.message, re);
    if (code) assert.equal(e.code, code);
    return;
  }
  assert.fail(`"${String(frag).slice(0, 40)}" decoded`);
}

test('broken links give a message, never a crash', async () => {
  const f = await encodeState(spec);
  await fails('', /no analysis/, 'empty');
  await fails('#', /no analysis/);
  await fails('hello', /not a workbench share link/, 'format');
  await fails('s1.', /not JSON|does not decode|damaged/);
  await fails('s1.@@@', /base64url/, 'base64');
  await fails(f.slice(0, Math.floor(f.length / 2)), /cut short|damaged/);
  await fails(f.slice(0, f.length - 3), /cut short|damaged/);
  // every single-character corruption is either decoded or refused with a ShareError
  for (let i = 3; i < f.length; i += 7) {
    const g = f.slice(0, i) + (f[i] === 'A' ? 'B' : 'A') + f.slice(i + 1);
    try { await decodeState(g); } catch (e) { assert.ok(e instanceof ShareError, `position ${i}: ${e}`); }
  }
  const enc = (obj) => 's1.' + zlib.deflateRawSync(Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj))).toString('base64url');
  await fails(enc('not json'), /not JSON/, 'json');
  await fails(enc([1, 2]), /no spec object/, 'shape');
  await fails(enc({ inputs: [] }), /no schema version/, 'shape');
  await fails(enc({ version: 1, inputs: {} }), /"inputs" is not a list/, 'shape');
  await fails(enc({ version: 1, inputs: [{ kind: 'csv' }] }), /lacks a name/, 'shape');
  await fails(enc({ version: 1, steps: [3] }), /steps\[0\] is not an object/, 'shape');
});

test('schema versions: older and newer say so clearly', async () => {
  const enc = (obj) => 's1.' + zlib.deflateRawSync(Buffer.from(JSON.stringify(obj))).toString('base64url');
  await fails(enc({ ...spec, version: 0 }), /schema version 0, which is older than this page reads \(versions 1 to 1\)/, 'older');
  await fails(enc({ ...spec, version: 7 }), /schema version 7, newer than this page's \(1\)/, 'newer');
  await fails('s9.' + (await encodeState(spec)).slice(3), /newer version of the workbench \(link format 9/, 'newer');
  await fails('s0.' + (await encodeState(spec)).slice(3), /old link format 0/, 'older');
  // an engine that reads schema 2 opens a version-2 link
  const v2 = await decodeState(enc({ ...spec, version: 2 }), { engineSpecVersion: 2 });
  assert.equal(v2.version, 2);
});

test('a decompression bomb is refused', async () => {
  const bomb = 's1.' + zlib.deflateRawSync(Buffer.from(`{"version":1,"x":"${'a'.repeat(8 << 20)}"}`)).toString('base64url');
  assert.ok(bomb.length < 20000);
  await fails(bomb, /more than/, 'too-large');
});

await done();
