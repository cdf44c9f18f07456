// bundle.test.mjs - web/bundle.js under Node: zip (stored, deflate, zip64, data descriptors), tar
// (ustar, GNU long names, PAX), tar.gz, archives inside archives, damaged archives, and the zip
// writer, against archives made by tools we did not write (Python's zipfile/tarfile, Info-ZIP,
// GNU tar) and read back by them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { test, done, assert, root, dataDir } from './harness.mjs';

const { openSources, zipEntries, buildZip, archiveKind, crc32 } = await import(path.join(root, 'web/bundle.js'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aw-bundle-'));
const py = (code, ...args) => execFileSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' });

// A File-like Blob of a path (the name is what the page sees).
async function fileOf(p, name = path.basename(p)) {
  const b = await fs.openAsBlob(p);
  return Object.assign(b, { name });
}
async function bytesOf(src) {
  const parts = [];
  for await (const c of src.chunks()) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

// fixture files with varied content: text, binary, empty, one larger than a chunk
const files = {
  'metrics/a.csv': Buffer.from('timestamp,x\n2024-01-01T00:00:00Z,1\n'),
  'logs/app.log': Buffer.from('line one\nline two\n'.repeat(1000)),
  'empty.txt': Buffer.alloc(0),
  'big.bin': crypto.randomBytes(2.5 * 1024 * 1024),
  ['deep/' + 'n'.repeat(120) + '/file.csv']: Buffer.from('long name\n'),
  'unicodé/名前.csv': Buffer.from('utf8 name\n'),
};
const src = path.join(tmp, 'src');
for (const [p, b] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
  fs.writeFileSync(path.join(src, p), b);
}
const names = Object.keys(files).sort();

async function checkAll(sources, label) {
  const got = new Map(sources.map((s) => [s.path, s]));
  assert.deepEqual([...got.keys()].sort(), names, `${label}: entry names`);
  for (const p of names) {
    const s = got.get(p);
    assert.equal(s.size, files[p].length, `${label}: size of ${p}`);
    assert.equal(sha(await bytesOf(s)), sha(files[p]), `${label}: bytes of ${p}`);
    assert.deepEqual(Buffer.from(s.head), files[p].subarray(0, 65536), `${label}: head of ${p}`);
  }
}

test('crc32 matches zlib', () => {
  const b = crypto.randomBytes(100000);
  const z = Number(py('import sys,zlib; print(zlib.crc32(open(sys.argv[1],"rb").read()))', (fs.writeFileSync(path.join(tmp, 'c.bin'), b), path.join(tmp, 'c.bin'))));
  assert.equal(crc32(b), z);
});

for (const [label, mode] of [['deflate', 'ZIP_DEFLATED'], ['stored', 'ZIP_STORED']]) {
  test(`zip (${label}, Python zipfile) entries and bytes`, async () => {
    const out = path.join(tmp, `${label}.zip`);
    py(`import sys,os,zipfile
with zipfile.ZipFile(sys.argv[1],'w',zipfile.${mode}) as z:
  for r,d,fs in os.walk(sys.argv[2]):
    for f in fs:
      p=os.path.join(r,f); z.write(p, os.path.relpath(p, sys.argv[2]))`, out, src);
    await checkAll(await openSources([await fileOf(out)]), label);
  });
}

test('zip64 (forced) and data descriptors (streamed by Info-ZIP)', async () => {
  const z64 = path.join(tmp, 'z64.zip');
  py(`import sys,os,zipfile
with zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z:
  for r,d,fs in os.walk(sys.argv[2]):
    for f in fs:
      p=os.path.join(r,f)
      with open(p,'rb') as i, z.open(os.path.relpath(p, sys.argv[2]),'w',force_zip64=True) as o: o.write(i.read())`, z64, src);
  await checkAll(await openSources([await fileOf(z64)]), 'zip64');
  // Info-ZIP writing to a pipe uses data descriptors (sizes after the data)
  const dd = path.join(tmp, 'dd.zip');
  execFileSync('bash', ['-c', `cd '${src}' && find . -type f | sed 's|^./||' | zip -q -fd - -@ > '${dd}'`]);
  await checkAll(await openSources([await fileOf(dd)]), 'data descriptors');
});

for (const [label, flags, fmt] of [['tar (GNU)', 'cf', 'gnu'], ['tar (PAX)', 'cf', 'posix'], ['tar.gz', 'czf', 'gnu']]) {
  test(`${label}: entries and bytes`, async () => {
    const out = path.join(tmp, `t-${fmt}.${flags === 'czf' ? 'tar.gz' : 'tar'}`);
    execFileSync('tar', [`--format=${fmt}`, '-C', src, `-${flags}`, out, ...names]);
    await checkAll(await openSources([await fileOf(out)]), label);
  });
}

test('tar.gz entries read out of order still come out right', async () => {
  const out = path.join(tmp, 'order.tgz');
  execFileSync('tar', ['-C', src, '-czf', out, ...names]);
  const s = await openSources([await fileOf(out)]);
  for (const e of [...s].reverse()) assert.equal(sha(await bytesOf(e)), sha(files[e.path]), e.path);
});

test('archives inside archives (a tgz inside a zip) keep their folder', async () => {
  const inner = path.join(tmp, 'inner.tgz');
  execFileSync('tar', ['-C', src, '-czf', inner, 'logs/app.log', 'metrics/a.csv']);
  const outer = path.join(tmp, 'outer.zip');
  py(`import sys,zipfile
with zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z:
  z.write(sys.argv[2], 'day/windows.tgz'); z.writestr('day/readme.txt', 'hello')`, outer, inner);
  const s = await openSources([await fileOf(outer)]);
  assert.deepEqual(s.map((x) => x.path).sort(), ['day/logs/app.log', 'day/metrics/a.csv', 'day/readme.txt']);
  const log = s.find((x) => x.path === 'day/logs/app.log');
  assert.equal(sha(await bytesOf(log)), sha(files['logs/app.log']));
});

test('damaged archives are refused with a reason, never silently', async () => {
  const good = path.join(tmp, 'deflate.zip');
  const buf = fs.readFileSync(good);
  const trunc = path.join(tmp, 'trunc.zip');
  fs.writeFileSync(trunc, buf.subarray(0, buf.length - 30));
  await assert.rejects(openSources([await fileOf(trunc)]), /end-of-central-directory|truncated|damaged/);
  // flip a byte inside the compressed data of big.bin: CRC or inflate error when read
  const entries = await zipEntries(new Blob([buf]), 'x.zip');
  const big = entries.find((e) => e.path === 'big.bin');
  const bad = Buffer.from(buf);
  const off = bad.indexOf(Buffer.from('big.bin')) + 'big.bin'.length + 5000;
  bad[off] ^= 0xff;
  const badEntries = await zipEntries(new Blob([bad]), 'bad.zip');
  await assert.rejects(bytesOf(badEntries.find((e) => e.path === 'big.bin')), /CRC|damaged|bytes after|incorrect|invalid|Decompression|data/i);
  assert.ok(big);
  // a tar with a broken header checksum
  const tarp = path.join(tmp, 't-gnu.tar');
  const t = Buffer.from(fs.readFileSync(tarp));
  t[10] ^= 0x20;
  const tb = path.join(tmp, 'bad.tar');
  fs.writeFileSync(tb, t);
  await assert.rejects(openSources([await fileOf(tb)]), /checksum/);
  // a truncated tar.gz
  const tg = fs.readFileSync(path.join(tmp, 't-gnu.tar.gz'));
  const tgp = path.join(tmp, 'cut.tar.gz');
  fs.writeFileSync(tgp, tg.subarray(0, Math.floor(tg.length / 2)));
  await assert.rejects(openSources([await fileOf(tgp)]), /truncated|ends|unexpected|incorrect|data/i);
});

test('archiveKind by magic bytes and by name', () => {
  assert.equal(archiveKind('x.bin', new Uint8Array([0x50, 0x4b, 3, 4])), 'zip');
  assert.equal(archiveKind('x.tgz', new Uint8Array([0x1f, 0x8b, 8])), 'tgz');
  assert.equal(archiveKind('x.csv.gz', new Uint8Array([0x1f, 0x8b, 8])), 'gz');
  assert.equal(archiveKind('x.csv', new TextEncoder().encode('a,b\n1,2\n')), null);
});

test('buildZip writes a zip that Info-ZIP and Python read back identically', async () => {
  const blob = await buildZip([
    { path: 'spec.json', data: '{"version":1}\n' },
    { path: 'inputs/big.bin', source: new Blob([files['big.bin']]) },
    { path: 'inputs/ünï.csv', data: new TextEncoder().encode('a\n1\n') },
  ]);
  const out = path.join(tmp, 'built.zip');
  fs.writeFileSync(out, Buffer.from(await blob.arrayBuffer()));
  execFileSync('unzip', ['-tq', out]);
  const listed = JSON.parse(py(`import sys,zipfile,hashlib,json
z=zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}))`, out));
  assert.equal(listed['inputs/big.bin'], sha(files['big.bin']));
  assert.equal(listed['spec.json'], sha(Buffer.from('{"version":1}\n')));
  assert.ok('inputs/ünï.csv' in listed);
  const back = await zipEntries(blob, 'built.zip');
  assert.equal(sha(await bytesOf(back.find((e) => e.path === 'inputs/big.bin'))), sha(files['big.bin']));
});

test('the Nezha Train-Ticket day as a folder and as a zip: every file listed, logs inside the tgz', async () => {
  const day = path.join(dataDir, 'nezha-trainticket/2023-01-29');
  const zip = path.join(root, 'build/test-artifacts/nezha-2023-01-29.zip');
  if (!fs.existsSync(zip)) {
    fs.mkdirSync(path.dirname(zip), { recursive: true });
    execFileSync('bash', ['-c', `cd '${path.dirname(day)}' && zip -qr '${zip}.tmp' 2023-01-29 && mv '${zip}.tmp' '${zip}'`]);
  }
  const s = await openSources([await fileOf(zip)]);
  const metrics = s.filter((x) => /\/metric\/.*\.csv$/.test(x.path));
  assert.equal(metrics.length, fs.readdirSync(path.join(day, 'metric')).length);
  const logs = s.filter((x) => /2023-01-29\/log\/.*_log\.csv$/.test(x.path));
  assert.equal(logs.length, 84, 'one-minute log files from log_fault_windows.tgz');
  assert.ok(s.some((x) => x.path === '2023-01-29/2023-01-29-fault_list.json'));
  const one = metrics.find((x) => x.path.endsWith('ts-auth-service-7f8d7d756d-k7b9j_metric.csv'));
  assert.equal(sha(await bytesOf(one)), sha(fs.readFileSync(path.join(day, 'metric/ts-auth-service-7f8d7d756d-k7b9j_metric.csv'))));
});

await done();
fs.rmSync(tmp, { recursive: true, force: true });
