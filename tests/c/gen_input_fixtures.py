#!/usr/bin/python3
"""Generates the fixtures of tests/c/test_input_*.c with Python's own json module (a parser and
serializer we did not write):

  inputs/json_<i>.json / .tokens   random JSON documents and their token stream as Python's json
                                   parser sees them (numbers as their source text, strings as
                                   json.dumps(ensure_ascii=True) writes them)
  inputs/prom_range.json           a Prometheus range-query response (matrix) with labels,
                                   NaN/+Inf samples, keys in unusual order
  inputs/prom_long.csv             the same samples as a Prometheus-like long CSV
  inputs/prom_expected.csv         the wide table both must give: time union, one column per series
                                   named name{label="v",...} with labels sorted, empty = no sample

Run: /usr/bin/python3 tests/c/gen_input_fixtures.py   (deterministic: seeded)
"""
import json, math, os, random

out = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'inputs')
os.makedirs(out, exist_ok=True)
rng = random.Random(20240601)

def rand_string():
    pool = ['a', 'b', 'Z', ' ', '"', '\\', '/', '\n', '\t', '\x01', 'é', '名', '😀', '\u2028', '{', ']', ',', ':']
    return ''.join(rng.choice(pool) for _ in range(rng.randint(0, 12)))

def rand_number_text():
    k = rng.randint(0, 5)
    if k == 0: return str(rng.randint(-10**6, 10**6))
    if k == 1: return repr(rng.uniform(-1e3, 1e3))
    if k == 2: return '%de%d' % (rng.randint(1, 9), rng.randint(-30, 30))
    if k == 3: return '-0.%03dE+%d' % (rng.randint(0, 999), rng.randint(0, 9))
    if k == 4: return '0'
    return '12345678901234567890123'

class Num:
    def __init__(self, t): self.t = t

def rand_value(depth):
    k = rng.randint(0, 9 if depth < 5 else 5)
    if k <= 1: return rand_string()
    if k <= 3: return Num(rand_number_text())
    if k == 4: return rng.choice([True, False, None])
    if k == 5: return rng.choice([True, None, Num('1')])
    if k <= 7: return [rand_value(depth + 1) for _ in range(rng.randint(0, 5))]
    return {rand_string(): rand_value(depth + 1) for _ in range(rng.randint(0, 5))}

def write_doc(v, pretty):
    # serialise by hand so that numbers keep their exact text
    ind = '  ' if pretty else ''
    def w(v, lvl):
        nl = ('\n' + ind * (lvl + 1)) if pretty else ''
        end = ('\n' + ind * lvl) if pretty else ''
        if isinstance(v, Num): return v.t
        if isinstance(v, list):
            return '[' + ','.join(nl + w(x, lvl + 1) for x in v) + (end if v else '') + ']'
        if isinstance(v, dict):
            return '{' + ','.join(nl + json.dumps(k, ensure_ascii=rng.random() < 0.5) + ': ' + w(x, lvl + 1) for k, x in v.items()) + (end if v else '') + '}'
        return json.dumps(v, ensure_ascii=rng.random() < 0.5)
    return w(v, 0)

def tokens(text):
    # Python's parser, keeping number texts; object_pairs_hook keeps key order and duplicates
    v = json.loads(text, parse_int=Num, parse_float=Num, parse_constant=lambda c: 1 / 0,
                   object_pairs_hook=lambda pairs: ('obj', pairs))
    lines = []
    def walk(v, d):
        if isinstance(v, tuple):
            lines.append('%d OB' % d)
            for k, x in v[1]:
                lines.append('%d K %s' % (d + 1, json.dumps(k)))
                walk(x, d + 1)
            lines.append('%d OE' % d)
        elif isinstance(v, list):
            lines.append('%d AB' % d)
            for x in v: walk(x, d + 1)
            lines.append('%d AE' % d)
        elif isinstance(v, Num): lines.append('%d N %s' % (d, v.t))
        elif v is True: lines.append('%d T' % d)
        elif v is False: lines.append('%d F' % d)
        elif v is None: lines.append('%d Z' % d)
        else: lines.append('%d S %s' % (d, json.dumps(v)))
    walk(v, 0)
    return '\n'.join(lines) + '\n'

for i in range(12):
    if i == 0: doc = {'k': [Num('1'), 'x', {'y': None}]}
    elif i == 11: doc = rand_value(0)  # any value at the top, even a scalar
    elif i % 2: doc = [rand_value(1) for _ in range(rng.randint(1, 8))]
    else: doc = {rand_string(): rand_value(1) for _ in range(rng.randint(1, 8))}
    text = write_doc(doc, pretty=(i % 2 == 0))
    if i == 3: text = '\ufeff' + text
    with open(os.path.join(out, 'json_%02d.json' % i), 'w', encoding='utf-8', newline='') as f: f.write(text)
    with open(os.path.join(out, 'json_%02d.tokens' % i), 'w', encoding='utf-8', newline='') as f: f.write(tokens(text.lstrip('\ufeff')))

# ---- Prometheus
t0 = 1700000000
step = 15
series = []
for job in ['api', 'db']:
    for inst in ['10.0.0.1:9100', '10.0.0.2:9100', 'host "q"\\x']:
        for name in ['node_cpu_seconds_total', 'up']:
            labels = {'job': job, 'instance': inst}
            if name == 'node_cpu_seconds_total': labels['mode'] = rng.choice(['idle', 'user'])
            if rng.random() < 0.2: labels['empty'] = ''
            n0 = rng.randint(0, 10)
            n = rng.randint(5, 40)
            samples = []
            for k in range(n0, n0 + n):
                if rng.random() < 0.1: continue
                v = rng.choice([repr(round(rng.uniform(0, 1e4), 3)), '1', '0', 'NaN', '+Inf', '-Inf', '1e-3']) if rng.random() < 0.3 else repr(round(rng.uniform(0, 100), 4))
                samples.append((t0 + k * step + (0.5 if job == 'db' else 0), v))
            series.append((name, labels, samples))
series.append(('', {'job': 'api'}, [(t0, '42')]))  # a series without __name__

def prom_key(name, labels):
    parts = ['%s="%s"' % (k, labels[k].replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')) for k in sorted(labels) if labels[k] != '']
    s = name + ('{' + ','.join(parts) + '}' if parts else '')
    return s if s else '{}'

result = []
for i, (name, labels, samples) in enumerate(series):
    metric = dict(labels)
    if name: metric['__name__'] = name
    item = {'metric': metric, 'values': [[t, v] for t, v in samples]}
    if i % 3 == 1: item = {'values': item['values'], 'metric': item['metric']}  # metric after values
    result.append(item)
resp = {'status': 'success', 'data': {'resultType': 'matrix', 'result': result}, 'stats': {'ignored': [1, 2, {'x': 'y'}]}}
with open(os.path.join(out, 'prom_range.json'), 'w') as f: json.dump(resp, f, indent=1)

def num(v):
    return {'NaN': math.nan, '+Inf': math.inf, '-Inf': -math.inf}.get(v, None) if v in ('NaN', '+Inf', '-Inf') else float(v)

# long CSV of the same samples (Prometheus-like columns; empty label cells = absent)
label_cols = ['instance', 'job', 'mode', 'empty']
with open(os.path.join(out, 'prom_long.csv'), 'w', newline='') as f:
    f.write('timestamp,metric,' + ','.join(label_cols) + ',value\n')
    rows = []
    for name, labels, samples in series:
        for t, v in samples:
            cells = [labels.get(c, '') for c in label_cols]
            q = lambda s: '"' + s.replace('"', '""') + '"' if any(ch in s for ch in ',"\n') else s
            rows.append('%r,%s,%s,%s' % (t, name, ','.join(q(c) for c in cells), v))
    rng.shuffle(rows)  # out of order on purpose
    f.write('\n'.join(rows) + '\n')

# expected wide table: order of first appearance in the JSON
times = sorted({t for _, _, s in series for t, _ in s})
keys = [prom_key(n, l) for n, l, _ in series]
vals = {k: dict((t, v) for t, v in s) for k, (_, _, s) in zip(keys, series)}
with open(os.path.join(out, 'prom_expected.csv'), 'w', newline='') as f:
    f.write('timestamp\t' + '\t'.join(keys) + '\n')
    for t in times:
        f.write(repr(t) + '\t' + '\t'.join(vals[k].get(t, '') for k in keys) + '\n')
print('wrote fixtures to', out)

# ---- label windows of the reference data, read by Python's json/csv/datetime
import csv, datetime
data = os.environ.get('AW_DATA') or os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data')
def unix(s):
    s = s.strip().replace('Z', '+00:00')
    d = datetime.datetime.fromisoformat(s)
    if d.tzinfo is None: d = d.replace(tzinfo=datetime.timezone.utc)
    return d.timestamp()
nab = json.load(open(os.path.join(data, 'nab', 'labels', 'combined_windows.json')))
wins = [(unix(a), unix(b), f) for f, ws in nab.items() for a, b in ws]
wins.sort(key=lambda w: w[0])  # stable: ties keep file order
with open(os.path.join(out, 'nab_windows_expected.tsv'), 'w') as f:
    for a, b, t in wins: f.write('%r\t%r\t%s\n' % (a, b, t))
with open(os.path.join(out, 'fis_expected.tsv'), 'w') as f:
    for name in ['13-05-2024_FIS_Experiment_Actions.csv', '20-05-2024_FIS_Experiment_Actions.csv']:
        rows = list(csv.DictReader(open(os.path.join(data, 'allam-fis', name), newline='')))
        ok = [r for r in rows if r['Action End Time'].strip()]
        bad = [i + 2 for i, r in enumerate(rows) if not r['Action End Time'].strip()]
        total = sum(unix(r['Action End Time']) - unix(r['Action Start Time']) for r in ok)
        f.write('%s\t%d\t%s\t%r\t%d\n' % (name, len(ok), ','.join(map(str, bad)), total, len({r['Action Name'] for r in ok})))
print('wrote label expectations')

# ---- Nezha logs as CSV: rows and the Timestamp range, as Python's csv and datetime read them
with open(os.path.join(out, 'nezha_logs_expected.tsv'), 'w') as f:
    for rel in ['nezha-trainticket/2023-01-29/faultfree_log/08_50_log.csv']:
        rows = list(csv.DictReader(open(os.path.join(data, rel), newline='', encoding='utf-8')))
        import re
        def ns_time(x):  # RFC 3339 with up to 9 fraction digits
            m = re.match(r'(.*T\d\d:\d\d:\d\d)(\.\d+)?Z$', x)
            return unix(m.group(1) + 'Z') + (float('0' + m.group(2)) if m.group(2) else 0.0)
        ts = [ns_time(r['Timestamp']) for r in rows]
        f.write('%s\t%d\t%r\t%r\t%d\n' % (rel, len(rows), min(ts), max(ts), sum(1 for r in rows if r['Log'].strip())))
print('wrote log expectations')
