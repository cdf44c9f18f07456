// intake.test.mjs - web/intake.js under Node with the real engine's CSV sniff (through the worker):
// which kind and options each kind of file gets, on reference data (Nezha, NAB, FIS) and on
// small made-up files; bundles with a manifest or a spec.
import fs from 'node:fs';
import path from 'node:path';
import { test, done, assert, root, dataDir } from './harness.mjs';

const { Workbench } = await import(path.join(root, 'build/web/api.js'));
const { planFiles, csvPlan, inputName, uniqueName, jsonKind } = await import(path.join(root, 'web/intake.js'));
const wb = await Workbench.create();
const sniff = (b) => wb.sniff(b);
const ALL = new Set(['csv', 'csv_long', 'prom_json', 'windows', 'fis', 'log', 'log_csv']);

const enc = new TextEncoder();
function src(p, text) {
  const bytes = typeof text === 'string' ? enc.encode(text) : text;
  return { path: p, name: p.split('/').pop(), size: bytes.length, head: bytes.slice(0, 65536), chunks: async function* () { yield bytes; } };
}
const fileSrc = (rel, as) => src(as || path.basename(rel), fs.readFileSync(path.join(dataDir, rel)));
async function plan1(s, kinds = ALL, asKind) {
  const r = await planFiles([s], { sniff, kinds, asKind });
  return r.items[0] || { skipped: r.skipped };
}

test('the engine sniff describes the columns of a CSV head', async () => {
  const sn = await sniff(enc.encode('time;cpu;host\n2024-01-01 00:00:00;1.5;a\n2024-01-01 00:01:00;NaN;b\n2024-01-01 00:02'));
  assert.equal(sn.sep, ';');
  assert.equal(sn.records, 2, 'the cut last line is not read');
  assert.deepEqual(sn.columns.map((c) => [c.name, c.time, c.number, c.text]), [['time', 'iso8601', false, true], ['cpu', 'unix_s', true, false], ['host', null, false, true]]);
});

test('Nezha per-pod metrics: TimeStamp is used (Time does not parse)', async () => {
  const p = await plan1(fileSrc('nezha-trainticket/2023-01-29/metric/ts-auth-service-7f8d7d756d-k7b9j_metric.csv', 'day/metric/ts-auth-service-7f8d7d756d-k7b9j_metric.csv'));
  assert.equal(p.kind, 'csv');
  assert.deepEqual(p.options, { time_column: 'TimeStamp' });
  assert.equal(p.name, 'ts-auth-service-7f8d7d756d-k7b9j');
});

test('a wide CSV needs no options; a bad cell does not make it long', async () => {
  assert.deepEqual(await plan1(src('m.csv', fs.readFileSync(path.join(root, 'examples/shop-metrics.csv')))).then((p) => [p.kind, p.options]), ['csv', {}]);
  const p = await plan1(src('x.csv', 'timestamp,a,b\n2023-01-01T00:00:00Z,1,2\n2023-01-01T00:01:00Z,<script>,3\n2023-01-01T00:02:00Z,4,5\n2023-01-01T00:03:00Z,4,5\n2023-01-01T00:04:00Z,4,5\n'));
  assert.equal(p.kind, 'csv');
  const r = await plan1(src('pods.csv', 'timestamp,restarts,backend_latency\n2023-01-01T00:00:00Z,1,2\n'));
  assert.equal(r.kind, 'csv', 'restarts/backend are not start/end columns');
});

test('long CSVs: timestamp,series,value and Prometheus-like timestamp,metric,labels...,value', async () => {
  let p = await plan1(src('long.csv', 'timestamp,series,value\n1700000000,cpu,1\n1700000000,mem,2\n'));
  assert.deepEqual([p.kind, p.options], ['csv_long', { value_column: 'value', time_column: 'timestamp' }]);
  p = await plan1(src('prom.csv', 'timestamp,metric,instance,job,value\n2024-01-01T00:00:00Z,up,a:9100,node,1\n'));
  assert.deepEqual([p.kind, p.options.value_column], ['csv_long', 'value']);
  p = await plan1(src('long.csv', 'timestamp,series,value\n1700000000,cpu,1\n'), new Set(['csv']));
  assert.equal(p.kind, 'csv', 'without the long kind it falls back to wide');
});

test('labels: windows CSV, the IBM anomaly_windows.csv layout, FIS records, NAB and Nezha JSON', async () => {
  assert.equal((await plan1(src('labels.csv', 'start,end,type,target\n2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,cpu,a\n'))).kind, 'windows');
  assert.equal((await plan1(src('anomaly_windows.csv', 'anomaly_start,anomaly_end\n2024-02-12 14:35:00+00:00,2024-02-12 15:00:00+00:00\n'))).kind, 'windows');
  assert.equal((await plan1(fileSrc('allam-fis/20-05-2024_FIS_Experiment_Actions.csv'))).kind, 'fis');
  assert.equal((await plan1(fileSrc('nab/labels/combined_windows.json'))).kind, 'windows');
  assert.equal((await plan1(fileSrc('nezha-trainticket/2023-01-29/2023-01-29-fault_list.json'))).kind, 'windows');
  assert.equal(jsonKind(enc.encode('{"status":"success","data":{"resultType":"matrix","result":[]}}')), 'prom_json');
});

test('logs go to the log kind, or are listed as skipped with the reason', async () => {
  const log = src('day/log/09_36_log.csv', 'Timestamp,Log\n1,x\n');
  assert.equal((await plan1(log)).kind, 'log_csv');
  const r = await plan1(log, new Set(['csv']));
  assert.match(r.skipped[0].message, /Drain log input kind/);
  const plain = await plan1(src('app.log', 'hello\nworld\n'));
  assert.deepEqual([plain.kind, plain.options], ['log', { format: 'plain' }]);
  // a Loghub sample gets its logpai format (and masks) from the first lines
  const hdfs = await plan1(fileSrc('loghub2k/HDFS/HDFS_2k.log'));
  assert.equal(hdfs.kind, 'log');
  assert.equal(hdfs.options.log_format, '<Date> <Time> <Pid> <Level> <Component>: <Content>');
  const docker = await plan1(src('logs/c.log', '{"log":"GET /\\n","stream":"stdout","time":"2024-01-01T00:00:00Z"}\n'));
  assert.deepEqual(docker.options, { format: 'json', content_field: 'log', time_field: 'time' });
});

test('a manifest lists the inputs; a spec.json makes an analysis bundle; docs are ignored', async () => {
  const m = src('b/manifest.json', JSON.stringify({ format: 'aw-bundle', inputs: [{ path: 'data/x.csv', kind: 'csv', name: 'xx', options: { time_column: 't' } }, { path: 'nope.csv', kind: 'csv' }] }));
  const r = await planFiles([m, src('b/data/x.csv', 't,a\n1,2\n'), src('b/README.md', '# hi')], { sniff, kinds: ALL });
  assert.deepEqual(r.items.map((i) => [i.name, i.kind, i.options]), [['xx', 'csv', { time_column: 't' }]]);
  assert.match(r.skipped[0].message, /inputs\[1\]: no file nope\.csv/);
  const s = await planFiles([src('spec.json', '{"version":1,"inputs":[],"steps":[]}'), src('m.csv', 'a\n')], { sniff, kinds: ALL });
  assert.deepEqual(s.spec, { version: 1, inputs: [], steps: [] });
  assert.equal(s.sources.length, 1);
  const d = await planFiles([src('README.md', '#'), src('LICENSE', 'x'), src('x.png', '\x89PNG')], { sniff, kinds: ALL });
  assert.deepEqual([d.items, d.skipped], [[], []]);
});

test('"load as" forces a kind', async () => {
  assert.equal((await plan1(src('x.txt', 'a,b\n1,2\n'), ALL, 'csv_long')).kind, 'csv_long');
  assert.equal((await plan1(src('x.csv', 'a,b\n1,2\n'), ALL, 'windows')).kind, 'windows');
});

test('log format guesses on the 16 Loghub samples (logpai formats), and messages of lines', async () => {
  const { guessLogFormat, messageOf, PRESETS } = await import(path.join(root, 'web/logformats.js'));
  const dir = path.join(dataDir, 'loghub2k');
  let right = 0;
  const wrong = [];
  for (const sys of fs.readdirSync(dir)) {
    const f = path.join(dir, sys, `${sys}_2k.log`);
    if (!fs.existsSync(f)) continue;
    const g = guessLogFormat(fs.readFileSync(f, 'utf8').slice(0, 8000));
    const want = PRESETS.find((p) => p.id === sys.toLowerCase()).options.log_format;
    if (g.options.log_format === want) right++;
    else wrong.push(`${sys}->${g.preset}`);
  }
  // the others get a near format (Linux/OpenSSH read as Mac's syslog-like layout, Thunderbird as
  // plain): the user corrects them in the inputs table
  assert.ok(right >= 13, `${right} of 16 right; ${wrong.join(', ')}`);
  const m = messageOf({ format: 'pattern', log_format: '<Date> <Time> <Pid> <Level> <Component>: <Content>' },
    '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating');
  assert.equal(m.message, 'PacketResponder 1 for block blk_38865049064139660 terminating');
  assert.equal(m.header, '081109 203615 148 INFO dfs.DataNode$PacketResponder: ');
  assert.equal(messageOf({ format: 'json', content_field: 'log' }, '{"log":"hi there\\n"}').message, 'hi there');
});

test('input names are valid spec names, unique', () => {
  assert.equal(inputName('day/metric/ts-auth-service-7f8d7d756d-k7b9j_metric.csv'), 'ts-auth-service-7f8d7d756d-k7b9j');
  assert.equal(inputName('x<img onerror=1>.csv'), 'x_img_onerror_1_');
  assert.equal(inputName('...'), 'data');
  assert.match(inputName('a'.repeat(100) + '.csv'), /^a{56}$/);
  assert.equal(uniqueName('m', ['m', 'm_2']), 'm_3');
  assert.equal(uniqueName('m', ['m'], true), 'm');
});

test('csvPlan on a sniff with a name-matched time column that does not parse and no other', () => {
  const p = csvPlan({ columns: [{ name: 'time', time: null, text: true }, { name: 'x', number: true }] });
  assert.deepEqual([p.kind, p.options], ['csv', {}], 'the engine will report the rows; the user corrects it');
});

await done();
wb.terminate();
