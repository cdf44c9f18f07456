#!/usr/bin/python3
"""Reference outputs for tests/c/test_eval.c, computed with Debian's numpy / scipy / pandas
(code nobody on this project wrote does the arithmetic):

  agg_records.csv       seeded records: timestamp,location,kind,host,method,statusCode,endpoint,value
  agg_expected.csv      pandas groupby of 5-minute wall-clock intervals: min, max, median, mean,
                        count, std (ddof 1), skew (Series.skew), kurtosis (Series.kurt)
  likelihood_errors.csv a seeded error series with a level shift
  likelihood_expected.csv  L_t = 1 - scipy.stats.norm.sf((mean of last 2 - mean of last 30) / std(last 30, ddof=1))
  percentile.csv        x and numpy.percentile(x, 99.7) (default linear interpolation)

Run from the project root: /usr/bin/python3 tests/data/eval/gen_eval_ref.py
"""
import numpy as np
import pandas as pd
from scipy.stats import norm

out = "tests/data/eval/"
rng = np.random.default_rng(20240501)

# ---- aggregation
n = 4000
t0 = 1_600_000_000 - 37  # not aligned to 5 minutes on purpose
ts = np.sort(t0 + rng.uniform(0, 3 * 3600, n)).round(3)
locs = ["us-east", "eu-de"]
kinds = ["api", "web"]
hosts = ["h1", "h2", "h3"]
methods = ["GET", "POST"]
codes = ["200", "500"]
eps = ["/v1/items", "/v1/user_profile", "/health"]
rows = []
for i in range(n):
    k = rng.integers(0, 6)
    key = (locs[k % 2], kinds[(k // 2) % 2], hosts[k % 3], methods[k % 2], codes[1 if k == 5 else 0], eps[k % 3])
    v = float(rng.lognormal(3.0, 0.7))
    if rng.uniform() < 0.01:
        v = float("nan")
    rows.append((ts[i],) + key + (v,))
# a constant group (std 0 -> skew/kurt 0) and a group with one value (std NaN)
for j in range(5):
    rows.append((t0 + 4000 + j, "ap-jp", "api", "h9", "PUT", "204", "/const", 7.5))
rows.append((t0 + 5000.5, "ap-jp", "api", "h9", "PUT", "204", "/single", 1.25))
rows.sort(key=lambda r: r[0])
df = pd.DataFrame(rows, columns=["timestamp", "location", "kind", "host", "method", "statusCode", "endpoint", "value"])
with open(out + "agg_records.csv", "w") as f:
    f.write("timestamp,location,kind,host,method,statusCode,endpoint,value\n")
    for r in rows:
        v = "" if r[7] != r[7] else repr(r[7])
        f.write("%s,%s,%s,%s,%s,%s,%s,%s\n" % ((repr(float(r[0])),) + r[1:7] + (v,)))
d = df.dropna(subset=["value"]).copy()
d["start"] = (np.floor(d["timestamp"] / 300.0) * 300).astype("int64")
keys = ["start", "location", "kind", "host", "method", "statusCode", "endpoint"]
g = d.groupby(keys)["value"]
res = pd.DataFrame({
    "min": g.min(), "max": g.max(), "median": g.median(), "mean": g.mean(), "count": g.count(),
    "std": g.std(), "skewness": g.apply(lambda s: s.skew()), "kurtosis": g.apply(lambda s: s.kurt()),
}).reset_index()
with open(out + "agg_expected.csv", "w") as f:
    f.write("start,location,kind,host,method,statusCode,endpoint,min,max,median,mean,count,std,skewness,kurtosis\n")
    for r in res.itertuples(index=False):
        vals = ["" if (x != x) else repr(float(x)) for x in r[7:]]
        f.write(",".join([str(r[0])] + list(r[1:7]) + vals) + "\n")

# ---- anomaly likelihood (W = 30, W' = 2)
e = np.abs(rng.normal(0, 1, 600))
e[400:420] += 4.0
W, Ws = 30, 2
L = []
for t in range(len(e)):
    if t + 1 < W:
        L.append(0.5)
        continue
    w = e[t + 1 - W:t + 1]
    mu, sd = w.mean(), w.std(ddof=1)
    mt = w[-Ws:].mean()
    L.append(1.0 - norm.sf((mt - mu) / sd))
with open(out + "likelihood_errors.csv", "w") as f:
    for x in e:
        f.write(repr(float(x)) + "\n")
with open(out + "likelihood_expected.csv", "w") as f:
    for x in L:
        f.write(repr(float(x)) + "\n")

# ---- 99.7th percentile
x = rng.gamma(2.0, 1.5, 1234)
with open(out + "percentile.csv", "w") as f:
    f.write(repr(float(np.percentile(x, 99.7))) + "\n")
    f.write(repr(float(np.percentile(x, 50.0))) + "\n")
    f.write(repr(float(np.percentile(x, 0.0))) + "\n")
    f.write(repr(float(np.percentile(x, 100.0))) + "\n")
    for v in x:
        f.write(repr(float(v)) + "\n")
print("written", len(res), "groups")
