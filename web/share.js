// share.js - the share link: the analysis spec (schema version, engine version, inputs with
// name/size/SHA-256, steps with params, seed, and the view state) in the URL fragment, compressed
// with CompressionStream('deflate-raw') and written in base64url. The fragment never leaves the
// browser (it is not sent with requests). Pure logic: tested under Node.
//
//   #s1.<base64url(deflate-raw(JSON))>
//
// `s1` is the link format; the spec inside carries its own schema version ("version"). Decoding
// never throws anything but a ShareError with a message for people.

export const LINK_SCHEMA = 1;
const MAX_JSON = 4 << 20; // a decompressed link larger than this is refused (no zip bombs)

export class ShareError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'ShareError';
    this.code = code;
    this.status = 'link';
  }
}

export function toBase64Url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new ShareError('the link is damaged (characters outside base64url)', 'base64');
  const b = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
  let bin;
  try {
    bin = atob(b);
  } catch {
    throw new ShareError('the link is damaged (not base64url)', 'base64');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(bytes, stream, limit = Infinity) {
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const w = (async () => {
    try {
      await writer.write(bytes);
      await writer.close();
    } catch { /* surfaced by the reader */ }
  })();
  const parts = [];
  let n = 0;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      n += r.value.length;
      if (n > limit) {
        reader.cancel().catch(() => {});
        throw new ShareError(`the link expands to more than ${limit} bytes; refused`, 'too-large');
      }
      parts.push(r.value);
    }
  } finally {
    await w.catch(() => {});
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// The fragment (without '#') for a spec object.
export async function encodeState(spec) {
  const json = new TextEncoder().encode(JSON.stringify(spec));
  const z = await pipe(json, new CompressionStream('deflate-raw'));
  return `s${LINK_SCHEMA}.${toBase64Url(z)}`;
}

// The spec of a fragment (with or without '#'). engineSpecVersion: the newest spec version the
// engine reads; minSpecVersion: the oldest.
export async function decodeState(fragment, { engineSpecVersion = 1, minSpecVersion = 1 } = {}) {
  const f = String(fragment || '').replace(/^#/, '').trim();
  if (!f) throw new ShareError('the link holds no analysis', 'empty');
  const m = /^s(\d{1,4})\.(.*)$/s.exec(f);
  if (!m) throw new ShareError('this is not a workbench share link (it should start with #s1.)', 'format');
  const lv = Number(m[1]);
  if (lv > LINK_SCHEMA) throw new ShareError(`the link was made by a newer version of the workbench (link format ${lv}; this page reads format ${LINK_SCHEMA}). Open it with that version.`, 'newer');
  if (lv < LINK_SCHEMA) throw new ShareError(`the link uses the old link format ${lv}, which this page no longer reads (it reads format ${LINK_SCHEMA}).`, 'older');
  const z = fromBase64Url(m[2]);
  let json;
  try {
    json = await pipe(z, new DecompressionStream('deflate-raw'), MAX_JSON);
  } catch (e) {
    if (e instanceof ShareError) throw e;
    throw new ShareError('the link is damaged (its compressed data does not decode: was it cut short when copied?)', 'inflate');
  }
  let spec;
  try {
    spec = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw new ShareError('the link is damaged (its content is not JSON)', 'json');
  }
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new ShareError('the link is damaged (it holds no spec object)', 'shape');
  const v = spec.version;
  if (!Number.isInteger(v)) throw new ShareError('the link is damaged (the spec has no schema version)', 'shape');
  if (v > engineSpecVersion) throw new ShareError(`the link was made with spec schema version ${v}, newer than this page's (${engineSpecVersion}). Open it with the newer workbench.`, 'newer');
  if (v < minSpecVersion) throw new ShareError(`the link was made with spec schema version ${v}, which is older than this page reads (versions ${minSpecVersion} to ${engineSpecVersion}). Re-create the analysis, or open it with the release that made it.`, 'older');
  for (const k of ['inputs', 'steps']) {
    if (spec[k] !== undefined && !Array.isArray(spec[k])) throw new ShareError(`the link is damaged ("${k}" is not a list)`, 'shape');
    for (const [i, x] of (spec[k] || []).entries()) {
      if (!x || typeof x !== 'object' || Array.isArray(x)) throw new ShareError(`the link is damaged (${k}[${i}] is not an object)`, 'shape');
    }
  }
  for (const [i, x] of (spec.inputs || []).entries()) {
    if (typeof x.name !== 'string' || typeof x.kind !== 'string') throw new ShareError(`the link is damaged (inputs[${i}] lacks a name or kind)`, 'shape');
  }
  if (spec.view !== undefined && (typeof spec.view !== 'object' || spec.view === null || Array.isArray(spec.view))) spec.view = {};
  spec.inputs = spec.inputs || [];
  spec.steps = spec.steps || [];
  return spec;
}
