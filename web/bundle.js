// bundle.js - files, folders and archives (.zip, .tar, .tar.gz/.tgz) as a flat list of sources,
// read entry by entry and never unpacked whole into memory. Works in the browser and in Node 20.
//
//   const sources = await openSources(fileList);   // File/Blob objects (with .name)
//   for (const s of sources) for await (const chunk of s.chunks()) ...  // Uint8Array chunks
//
// A source is {path, name, size, head, chunks(), archive?}: `path` is the path inside its bundle
// (or folder, or the file name), `head` its first bytes (up to HEAD bytes, for routing), and
// chunks() an async iterable of its bytes in ~1 MiB chunks. Zip entries are read by random access
// (central directory, then Blob.slice of one entry through DecompressionStream('deflate-raw'),
// CRC-32 checked); tar entries are found by walking the 512-byte headers (Blob.slice for .tar;
// for .tar.gz one streaming pass through DecompressionStream('gzip') lists them, and loading
// them in archive order reads the stream once more). Archives inside archives (Nezha's
// log_fault_windows.tgz in a zip) are opened the same way.

export const HEAD = 64 * 1024;
const CHUNK = 1 << 20;

export class BundleError extends Error {
  constructor(message, file) {
    super(message);
    this.name = 'BundleError';
    this.status = 'parse';
    if (file) this.file = file;
  }
}

const cancelled = () => Object.assign(new Error('cancelled'), { status: 'cancelled' });

// ---------------------------------------------------------------- byte helpers
const u16 = (b, o) => b[o] | (b[o + 1] << 8);
const u32 = (b, o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
const u64 = (b, o) => u32(b, o) + u32(b, o + 4) * 0x100000000;
const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

let crcTable = null;
export function crc32(bytes, crc = 0) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

async function readSlice(blob, start, end) {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

// Chunks of a Blob, CHUNK bytes each.
async function* blobChunks(blob, start = 0, end = blob.size) {
  for (let off = start; off < end; off += CHUNK) yield await readSlice(blob, off, Math.min(end, off + CHUNK));
}

// Re-chunks a stream of small pieces into ~CHUNK-byte chunks (fewer worker round trips).
async function* coalesce(chunks, size = CHUNK) {
  let parts = [], n = 0;
  for await (const c of chunks) {
    if (!c.length) continue;
    parts.push(c);
    n += c.length;
    if (n >= size) {
      yield concat(parts, n);
      parts = [];
      n = 0;
    }
  }
  if (n) yield concat(parts, n);
}

function concat(parts, n) {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

// Pipes an async iterable of bytes through a (De)CompressionStream, yielding its output.
async function* through(chunks, transform) {
  const writer = transform.writable.getWriter();
  const reader = transform.readable.getReader();
  let failure = null;
  const pump = (async () => {
    try {
      for await (const c of chunks) await writer.write(c);
      await writer.close();
    } catch (e) {
      failure = e;
      try { await writer.abort(e); } catch { /* already failed */ }
    }
  })();
  try {
    for (;;) {
      let r;
      try {
        r = await reader.read();
      } catch (e) {
        throw failure || e;
      }
      if (r.done) break;
      yield r.value;
    }
    await pump;
    if (failure) throw failure;
  } finally {
    reader.releaseLock();
  }
}

function inflate(chunks, format) {
  return through(chunks, new DecompressionStream(format));
}

// Reads exactly-sized pieces from an async iterator of chunks.
class ByteReader {
  constructor(iter) {
    this.it = iter[Symbol.asyncIterator]();
    this.buf = new Uint8Array(0);
    this.off = 0;
    this.pos = 0; // bytes consumed
    this.ended = false;
  }
  async _fill() {
    if (this.ended) return false;
    const r = await this.it.next();
    if (r.done) { this.ended = true; return false; }
    this.buf = this.off < this.buf.length ? concat([this.buf.subarray(this.off), r.value], this.buf.length - this.off + r.value.length) : r.value;
    this.off = 0;
    return true;
  }
  // Exactly n bytes, or fewer at the end of the stream.
  async read(n) {
    while (this.buf.length - this.off < n) if (!(await this._fill())) break;
    const k = Math.min(n, this.buf.length - this.off);
    const out = this.buf.subarray(this.off, this.off + k);
    this.off += k;
    this.pos += k;
    return out;
  }
  // Up to n bytes as they come (at least 1 unless the stream ended).
  async some(n) {
    if (this.off >= this.buf.length && !(await this._fill())) return new Uint8Array(0);
    const k = Math.min(n, this.buf.length - this.off);
    const out = this.buf.subarray(this.off, this.off + k);
    this.off += k;
    this.pos += k;
    return out;
  }
  async skip(n) {
    while (n > 0) {
      const c = await this.some(Math.min(n, CHUNK));
      if (!c.length) return false;
      n -= c.length;
    }
    return true;
  }
  async close() {
    if (this.it.return) await this.it.return();
  }
}

// ---------------------------------------------------------------- archive detection
export function archiveKind(name, head) {
  const n = (name || '').toLowerCase();
  if (head && head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) return 'zip';
  if (head && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return n.endsWith('.tar.gz') || n.endsWith('.tgz') || !/\.gz$/.test(n) ? 'tgz' : 'gz';
  if (head && head.length >= 262 && latin1.decode(head.subarray(257, 262)) === 'ustar') return 'tar';
  if (n.endsWith('.zip')) return 'zip';
  if (n.endsWith('.tar')) return 'tar';
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'tgz';
  return null;
}

// ---------------------------------------------------------------- zip
// The entries of a zip held in a Blob (central directory; zip64 supported).
export async function zipEntries(blob, label = 'archive.zip') {
  const size = blob.size;
  const tailLen = Math.min(size, 22 + 65535 + 20);
  const tail = await readSlice(blob, size - tailLen, size);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 5 && tail[i + 3] === 6) { eocd = i; break; }
  }
  if (eocd < 0) throw new BundleError('not a zip file (no end-of-central-directory record; truncated?)', label);
  let count = u16(tail, eocd + 10);
  let cdSize = u32(tail, eocd + 12);
  let cdOff = u32(tail, eocd + 16);
  const loc = eocd - 20;
  if (loc >= 0 && u32(tail, loc) === 0x07064b50) {
    const z64off = u64(tail, loc + 8);
    const z = await readSlice(blob, z64off, z64off + 56);
    if (u32(z, 0) !== 0x06064b50) throw new BundleError('zip64 end record not found where the locator points', label);
    count = u64(z, 32);
    cdSize = u64(z, 40);
    cdOff = u64(z, 48);
  }
  if (cdOff + cdSize > size) throw new BundleError(`central directory (${cdSize} bytes at ${cdOff}) lies beyond the end of the file (${size} bytes): truncated?`, label);
  if (cdSize > 256 << 20) throw new BundleError('central directory larger than 256 MB', label);
  const cd = await readSlice(blob, cdOff, cdOff + cdSize);
  const out = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || u32(cd, p) !== 0x02014b50) throw new BundleError(`central directory entry ${k + 1} is damaged`, label);
    const flags = u16(cd, p + 8), method = u16(cd, p + 10), crc = u32(cd, p + 16);
    let csize = u32(cd, p + 20), usize = u32(cd, p + 24);
    const nlen = u16(cd, p + 28), xlen = u16(cd, p + 30), clen = u16(cd, p + 32);
    let lho = u32(cd, p + 42);
    const nameBytes = cd.subarray(p + 46, p + 46 + nlen);
    const name = flags & 0x800 ? utf8.decode(nameBytes) : decodeName(nameBytes);
    // zip64 extra field: the 0xFFFFFFFF fields, in order usize, csize, offset
    let x = p + 46 + nlen;
    const xend = x + xlen;
    while (x + 4 <= xend) {
      const id = u16(cd, x), len = u16(cd, x + 2);
      if (id === 1) {
        let q = x + 4;
        if (usize === 0xffffffff) { usize = u64(cd, q); q += 8; }
        if (csize === 0xffffffff) { csize = u64(cd, q); q += 8; }
        if (lho === 0xffffffff) { lho = u64(cd, q); q += 8; }
      }
      x += 4 + len;
    }
    p = xend + clen;
    if (name.endsWith('/')) continue; // a folder
    out.push({ path: name, size: usize, csize, method, crc, flags, offset: lho });
  }
  return out.map((e) => zipSource(blob, e, label));
}

// Names without the UTF-8 flag: CP437 in the standard, but UTF-8 in practice when it decodes.
function decodeName(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

function zipSource(blob, e, label) {
  const where = `${label}!${e.path}`;
  const dataStart = async () => {
    const h = await readSlice(blob, e.offset, e.offset + 30);
    if (h.length < 30 || u32(h, 0) !== 0x04034b50) throw new BundleError(`local header of ${e.path} is damaged`, label);
    return e.offset + 30 + u16(h, 26) + u16(h, 28);
  };
  const raw = async function* () {
    if (e.flags & 1) throw new BundleError(`${e.path} is encrypted; encrypted zips are not supported`, label);
    if (e.method !== 0 && e.method !== 8) throw new BundleError(`${e.path} uses compression method ${e.method}; only stored (0) and deflate (8) are supported`, label);
    const start = await dataStart();
    if (start + e.csize > blob.size) throw new BundleError(`${e.path}: data runs past the end of the archive (truncated?)`, label);
    const comp = blobChunks(blob, start, start + e.csize);
    let crc = 0, n = 0;
    for await (const c of e.method === 8 ? inflate(comp, 'deflate-raw') : comp) {
      crc = crc32(c, crc);
      n += c.length;
      yield c;
    }
    if (n !== e.size) throw new BundleError(`${e.path}: ${n} bytes after decompression, the directory says ${e.size}`, label);
    if (crc !== e.crc) throw new BundleError(`${e.path}: CRC-32 mismatch (damaged archive)`, label);
  };
  return { path: e.path, name: baseName(e.path), size: e.size, where, chunks: () => coalesce(raw()) };
}

// ---------------------------------------------------------------- tar
function octal(b, o, n) {
  if (b[o] & 0x80) {
    // base-256 (GNU) for sizes >= 8 GiB
    let v = b[o] & 0x7f;
    for (let i = 1; i < n; i++) v = v * 256 + b[o + i];
    return v;
  }
  const s = latin1.decode(b.subarray(o, o + n)).replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}
function cstr(b, o, n) {
  const z = b.subarray(o, o + n);
  const end = z.indexOf(0);
  return utf8.decode(end >= 0 ? z.subarray(0, end) : z);
}
function checksumOk(h) {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === octal(h, 148, 8);
}
function paxRecords(bytes) {
  // "<len> <key>=<value>\n" records; <len> counts bytes (UTF-8), so parse on bytes
  const out = {};
  let i = 0;
  while (i < bytes.length) {
    let sp = i;
    while (sp < bytes.length && bytes[sp] !== 0x20) sp++;
    const len = parseInt(latin1.decode(bytes.subarray(i, sp)), 10);
    if (!(len > 0) || i + len > bytes.length) break;
    const rec = utf8.decode(bytes.subarray(sp + 1, i + len - 1));
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}
// Pulls the entries of a tar stream one by one. After next() returns an entry, the reader is at
// its first data byte; the caller may read up to `size` bytes, and the next call skips the rest.
class TarCursor {
  constructor(chunks, label) {
    this.r = new ByteReader(chunks);
    this.label = label;
    this.left = 0; // bytes of the current entry (with padding) not yet consumed
    this.entryStart = 0;
    this.entrySize = 0;
    this.done = false;
  }
  async next() {
    const { r, label } = this;
    if (this.done) return null;
    const used = r.pos - this.entryStart;
    const rest = this.left - used;
    if (rest > 0 && !(await r.skip(rest))) throw new BundleError(`the archive ends inside the entry at byte ${this.entryStart} (truncated?)`, label);
    this.left = 0;
    let longName = null, pax = {}, zeros = 0;
    for (;;) {
      const h = await r.read(512);
      if (h.length === 0) { this.done = true; return null; }
      if (h.length < 512) throw new BundleError(`truncated tar header at byte ${r.pos - h.length}`, label);
      if (h.every((x) => x === 0)) {
        if (++zeros === 2) { this.done = true; return null; }
        continue;
      }
      zeros = 0;
      if (!checksumOk(h)) throw new BundleError(`not a tar archive, or a damaged header at byte ${r.pos - 512} (checksum mismatch)`, label);
      const type = String.fromCharCode(h[156] || 48);
      const size = pax.size !== undefined ? Number(pax.size) : octal(h, 124, 12);
      const magic = latin1.decode(h.subarray(257, 262));
      const prefix = magic === 'ustar' ? cstr(h, 345, 155) : '';
      const path = longName || pax.path || (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
      const padded = Math.ceil(size / 512) * 512;
      if (type === 'L' || type === 'x' || type === 'g') {
        if (size > 1 << 20) throw new BundleError(`extended header of ${size} bytes at byte ${r.pos - 512}`, label);
        const body = await r.read(padded);
        if (type === 'L') longName = cstr(body, 0, size);
        else if (type === 'x') pax = paxRecords(body.subarray(0, size));
        continue;
      }
      if (type === '0' || type === '7' || h[156] === 0) {
        this.entryStart = r.pos;
        this.entrySize = size;
        this.left = padded;
        return { path: path.replace(/^\.\//, ''), size, offset: r.pos };
      }
      longName = null;
      pax = {};
      if (!(await r.skip(padded)) && padded) throw new BundleError(`the archive ends inside the entry ${path} (truncated?)`, label);
    }
  }
  async close() {
    this.done = true;
    await this.r.close();
  }
}

// Entry bytes from a reader positioned at its start.
async function* entryBytes(r, size, path, label) {
  let left = size;
  while (left > 0) {
    const c = await r.some(Math.min(left, CHUNK));
    if (!c.length) throw new BundleError(`${path}: the archive ends inside this entry (truncated?)`, label);
    left -= c.length;
    yield c.slice();
  }
}

// The entries of a tar (gzip = false) or tar.gz stream, opened by open() (an async iterable of
// bytes; called again to read entries). Listing reads each entry's head; reading entries in
// archive order continues one pass, reading one behind the cursor restarts the stream.
export async function tarEntries(open, label, gzip, { signal } = {}) {
  const src = () => (gzip ? inflate(open(), 'gzip') : open());
  const list = [];
  const lister = new TarCursor(src(), label);
  try {
    for (let e; (e = await lister.next());) {
      if (signal && signal.aborted) throw cancelled();
      list.push({ ...e, head: (await lister.r.read(Math.min(e.size, HEAD))).slice() });
    }
  } finally {
    await lister.close();
  }
  let cursor = null, at = null, busy = false;
  const read = async function* (entry) {
    if (busy) throw new BundleError(`${entry.path}: another entry of ${label} is still being read`, label);
    busy = true;
    try {
      if (!cursor || !at || at.offset >= entry.offset) {
        if (cursor) await cursor.close();
        cursor = new TarCursor(src(), label);
        at = null;
      }
      while (!at || at.offset < entry.offset) {
        at = await cursor.next();
        if (!at) throw new BundleError(`${entry.path}: not found on the second pass (the archive changed?)`, label);
      }
      yield* entryBytes(cursor.r, entry.size, entry.path, label);
    } finally {
      busy = false;
    }
  };
  return list.map((e) => ({ path: e.path, name: baseName(e.path), size: e.size, head: e.head, where: `${label}!${e.path}`, chunks: () => coalesce(read(e)) }));
}

// ---------------------------------------------------------------- sources
export function baseName(p) {
  return String(p).split('/').filter(Boolean).pop() || String(p);
}

function blobSource(file, path) {
  return { path, name: baseName(path), size: file.size, blob: file, chunks: () => blobChunks(file) };
}

async function headOf(src) {
  if (src.head) return src.head;
  if (src.blob) return readSlice(src.blob, 0, Math.min(src.size, HEAD));
  const parts = [];
  let n = 0;
  const it = src.chunks()[Symbol.asyncIterator]();
  try {
    while (n < HEAD) {
      const r = await it.next();
      if (r.done) break;
      parts.push(r.value);
      n += r.value.length;
    }
  } finally {
    if (it.return) await it.return();
  }
  return concat(parts, n).slice(0, HEAD);
}

// Expands files (and archives inside them, to `depth` levels) into sources, each with its head.
// Archive sources are replaced by their entries, whose paths are prefixed by nothing (a bundle's
// own layout) - the archive's name is kept in `bundle`.
export async function openSources(files, { signal, depth = 2 } = {}) {
  const out = [];
  const add = async (src, level, bundle) => {
    if (signal && signal.aborted) throw cancelled();
    const head = await headOf(src);
    const kind = level < depth ? archiveKind(src.name, head) : null;
    if (kind === 'zip') {
      if (!src.blob) {
        // a zip inside a tar stream: it needs random access, so it is read into memory (bounded)
        if (src.size > 512 << 20) throw new BundleError(`${src.path}: a zip inside an archive larger than 512 MB is not supported; unpack it first`, bundle);
        const parts = [];
        for await (const c of src.chunks()) parts.push(c);
        src = { ...src, blob: new Blob(parts) };
      }
      for (const e of await zipEntries(src.blob, src.path)) await add({ ...e, path: e.path }, level + 1, src.path);
      return;
    }
    if (kind === 'tar' || kind === 'tgz') {
      const open = src.blob ? () => blobChunks(src.blob) : () => src.chunks();
      for (const e of await tarEntries(open, src.path, kind === 'tgz', { signal })) {
        // a nested archive keeps its folder as a prefix (log_fault_windows.tgz -> log/...)
        const prefix = level > 0 ? src.path.replace(/[^/]*$/, '') : '';
        await add({ ...e, path: prefix + e.path }, level + 1, src.path);
      }
      return;
    }
    if (kind === 'gz') {
      const inner = src.path.replace(/\.gz$/i, '');
      const open = src.chunks;
      await add({ path: inner, name: baseName(inner), size: undefined, chunks: () => coalesce(inflate(open(), 'gzip')) }, level + 1, src.path);
      return;
    }
    out.push({ ...src, head, bundle });
  };
  for (const f of files) {
    if (f.chunks) await add(f, 0, f.bundle);
    else await add(blobSource(f, f.webkitRelativePath || f.name), 0, f.webkitRelativePath ? f.webkitRelativePath.split('/')[0] : undefined);
  }
  return out;
}

// ---------------------------------------------------------------- zip writer
// Builds a zip (deflate, data descriptors) from [{path, data: string|Uint8Array} | {path, source}]
// where source is a Blob or {chunks()}. Returns a Blob.
export async function buildZip(files) {
  const parts = [];
  const central = [];
  let offset = 0;
  const enc = new TextEncoder();
  const now = new Date();
  const dosTime = (now.getHours() << 11) | (now.getMinutes() << 5) | (now.getSeconds() >> 1);
  const dosDate = ((Math.max(1980, now.getFullYear()) - 1980) << 9) | ((now.getMonth() + 1) << 5) | now.getDate();
  for (const f of files) {
    const name = enc.encode(f.path);
    const local = new Uint8Array(30 + name.length);
    const dv = new DataView(local.buffer);
    dv.setUint32(0, 0x04034b50, true);
    dv.setUint16(4, 20, true);
    dv.setUint16(6, 0x0808, true); // data descriptor + UTF-8 names
    dv.setUint16(8, 8, true);
    dv.setUint16(10, dosTime, true);
    dv.setUint16(12, dosDate, true);
    dv.setUint16(26, name.length, true);
    local.set(name, 30);
    parts.push(local);
    const start = offset;
    offset += local.length;
    let crc = 0, usize = 0, csize = 0;
    let src = f.data !== undefined ? [typeof f.data === 'string' ? enc.encode(f.data) : f.data]
      : f.source.chunks ? f.source.chunks() : f.source;
    if (typeof Blob !== 'undefined' && src instanceof Blob) src = blobChunks(src);
    const counted = (async function* () {
      for await (const c of src) {
        crc = crc32(c, crc);
        usize += c.length;
        yield c;
      }
    })();
    for await (const c of through(counted, new CompressionStream('deflate-raw'))) {
      parts.push(c);
      csize += c.length;
    }
    offset += csize;
    if (usize >= 0xffffffff || offset >= 0xffffffff) throw new BundleError('the bundle would exceed 4 GB; export it without inputs');
    const dd = new Uint8Array(16);
    const dd2 = new DataView(dd.buffer);
    dd2.setUint32(0, 0x08074b50, true);
    dd2.setUint32(4, crc, true);
    dd2.setUint32(8, csize, true);
    dd2.setUint32(12, usize, true);
    parts.push(dd);
    offset += 16;
    central.push({ name, crc, csize, usize, start });
  }
  const cdStart = offset;
  for (const c of central) {
    const h = new Uint8Array(46 + c.name.length);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, 0x02014b50, true);
    dv.setUint16(4, 20, true);
    dv.setUint16(6, 20, true);
    dv.setUint16(8, 0x0808, true);
    dv.setUint16(10, 8, true);
    dv.setUint16(12, dosTime, true);
    dv.setUint16(14, dosDate, true);
    dv.setUint32(16, c.crc, true);
    dv.setUint32(20, c.csize, true);
    dv.setUint32(24, c.usize, true);
    dv.setUint16(28, c.name.length, true);
    dv.setUint32(42, c.start, true);
    h.set(c.name, 46);
    parts.push(h);
    offset += h.length;
  }
  const end = new Uint8Array(22);
  const dv = new DataView(end.buffer);
  dv.setUint32(0, 0x06054b50, true);
  dv.setUint16(8, central.length, true);
  dv.setUint16(10, central.length, true);
  dv.setUint32(12, offset - cdStart, true);
  dv.setUint32(16, cdStart, true);
  parts.push(end);
  return new Blob(parts, { type: 'application/zip' });
}
