#!/usr/bin/python3
"""End-to-end checks of `aw diagnose` and `aw classify`: input formats, the JSON keys the issue
names, and the error messages for bad input (exit status and the text a user sees).
Usage: test_diagnose_classify.py AW_BINARY WORKDIR. Prints "N passed, N failed"."""
import json
import math
import os
import random
import subprocess
import sys

AW, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def run(*args):
    p = subprocess.run([AW, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(text)
    return path


random.seed(3)
# long format: three pods, cpu and mem; web-2's CPU jumps at t = 50
rows = ["timestamp,pod,cpu,mem"]
for t in range(60):
    for p in ("web-1", "web-2", "web-3"):
        cpu = 50 + 20 * math.sin(t / 6) + random.gauss(0, 2) + (40 if p == "web-2" and t >= 50 else 0)
        rows.append(f"{1700000000 + 15 * t},{p},{cpu:.3f},{300 + random.gauss(0, 3):.3f}")
longf = write("long.csv", "\n".join(rows) + "\n")
# wide format: one column per replica, c odd from t = 50
rows = ["time,a,b,c"]
for t in range(60):
    v = [50 + 20 * math.sin(t / 6) + random.gauss(0, 2) for _ in range(3)]
    if t >= 50:
        v[2] += 30
    rows.append(f"2024-01-01T00:{t:02d}:00Z," + ",".join(f"{x:.3f}" for x in v))
widef = write("wide.csv", "\n".join(rows) + "\n")

rc, out, err = run("diagnose", longf, "--replica-column", "pod")
check("long: exit 0", rc == 0, err)
d = json.loads(out) if rc == 0 else {}
for key in ("replicas", "matrix", "scores", "suspect", "margin"):
    check(f"long: key {key}", key in d)
check("long: suspect web-2", d.get("suspect") == "web-2", d.get("suspect"))
check("long: matrix 3x3 symmetric", len(d.get("matrix", [])) == 3 and all(
    d["matrix"][i][j] == d["matrix"][j][i] for i in range(3) for j in range(3)))
check("long: window 20 latest", d.get("window", {}).get("end") == 60 and d["window"]["size"] == 20)
rc, out, err = run("diagnose", longf, "--replica-column", "pod", "--multivariate", "dependent", "--metrics", "cpu,mem")
check("dependent: runs", rc == 0 and json.loads(out)["mode"] == "dependent", err)
rc, out, err = run("diagnose", widef)
check("wide: suspect c", rc == 0 and json.loads(out)["suspect"] == "c", out[:200] + err)
rc, out, err = run("diagnose", widef, "--at", "2024-01-01T00:45:00Z")
check("wide --at before the fault: no clear suspect", rc == 0 and json.loads(out)["suspect"] is None, out[:300])
rc, out, err = run("diagnose", widef, "--columns", "a,b")
check("wide --columns two replicas: never a clear suspect", rc == 0 and json.loads(out)["suspect"] is None)
rc, out, err = run("diagnose", widef, "--sliding", "--step", "10", "--compact")
s = json.loads(out)["sliding"] if rc == 0 else []
check("sliding: windows", [e["at"] for e in s] == [19, 29, 39, 49, 59], str([e.get("at") for e in s]))
check("sliding: last window names c", s and s[-1]["suspect"] == "c")

# bad input: each a clear message and a non-zero exit
one = write("one.csv", "timestamp,pod,cpu\n" + "".join(f"{1700000000 + t},p1,{t}\n" for t in range(30)))
rc, out, err = run("diagnose", one, "--replica-column", "pod")
check("single replica", rc == 1 and "at least 2 replicas" in err, err)
diff = write("diff.csv", "timestamp,pod,cpu\n" + "".join(f"{1700000000 + t},p1,{t}\n" for t in range(30)) +
             "".join(f"{1700000000 + t},p2,{t}\n" for t in range(25)))
rc, out, err = run("diagnose", diff, "--replica-column", "pod")
check("different lengths", rc == 1 and "different lengths" in err and "'p2' has 25" in err, err)
rc, out, err = run("diagnose", diff, "--replica-column", "pod", "--align", "tail")
check("different lengths, --align tail", rc == 0 and json.loads(out)["input"]["points"] == 25, err)
rc, out, err = run("diagnose", longf, "--replica-column", "pod", "--window", "100")
check("window longer than the data", rc == 1 and "longer than the data" in err, err)
lines = open(longf).read().splitlines()
lines[170] = ",".join(lines[170].split(",")[:3]) + ",NaN"
nanf = write("nan.csv", "\n".join(lines) + "\n")
rc, out, err = run("diagnose", nanf, "--replica-column", "pod")
check("NaN", rc == 1 and "NaN at time index" in err and "--skip-nan" in err, err)
rc, out, err = run("diagnose", nanf, "--replica-column", "pod", "--skip-nan")
check("NaN skipped", rc == 0, err)
const = write("const.csv", "t,a,b,c\n" + "".join(f"{1700000000 + t},{t % 7},{t % 5},5\n" for t in range(40)))
rc, out, err = run("diagnose", const, "--scale", "znorm")
check("constant under z-normalisation", rc == 1 and "constant" in err and "z-normalised" in err, err)
bad = write("bad.csv", "timestamp,pod,cpu\n1700000000,p1,1\n1700000001,p1,x1\n")
rc, out, err = run("diagnose", bad, "--replica-column", "pod")
check("bad number names file and line", rc == 1 and "bad.csv:3" in err and "'x1' is not a number" in err, err)
rc, out, err = run("diagnose", longf, "--replica-column", "nope")
check("missing column", rc == 1 and "no key column named 'nope'" in err, err)
rc, out, err = run("diagnose", longf, "--bogus")
check("unknown option", rc == 2, err)

# classify: hold-out (per class round(0.2 x 54, 53, 53) = 11 + 11 + 11 rows), k-fold and a test file
rows = ["f1,f2,label"]
for i in range(200):
    c = i % 3
    rows.append(f"{c * 4 + random.gauss(0, 1):.4f},{random.gauss(0, 1):.4f},k{c}")
tr = write("train.csv", "\n".join(rows[:161]) + "\n")
te = write("test.csv", rows[0] + "\n" + "\n".join(rows[161:]) + "\n")
rc, out, err = run("classify", "--train", tr, "--label-column", "label")
c = json.loads(out) if rc == 0 else {}
check("classify: four models", rc == 0 and sorted(c["models"]) == ["knn", "nb", "rf", "svm"], err)
check("classify: 20% stratified hold-out", rc == 0 and len(c["split"]["test_row_indices"]) == 33, str(c.get("split")))
m = c.get("models", {}).get("rf", {})
check("classify: per-class, macro, confusion", all(k in m for k in ("per_class", "macro", "confusion", "accuracy")))
check("classify: separable classes", rc == 0 and all(v["macro"]["f1"] > 0.9 for v in c["models"].values()))
rc, out, err = run("classify", "--train", tr, "--label-column", "label", "--folds", "5", "--model", "knn")
k = json.loads(out) if rc == 0 else {}
check("classify: k-fold", rc == 0 and k["split"]["method"] == "kfold" and sum(k["models"]["knn"]["confusion"][0]) +
      sum(k["models"]["knn"]["confusion"][1]) + sum(k["models"]["knn"]["confusion"][2]) == 160, err)
rc, out, err = run("classify", "--train", tr, "--test", te, "--label-column", "label", "--model", "svm")
check("classify: test file", rc == 0 and json.loads(out)["split"]["test_rows"] == 40, err)
badc = write("badc.csv", "f1,f2,label\n1,2,a\n3,,b\n")
rc, out, err = run("classify", "--train", badc, "--label-column", "label")
check("classify: missing value named", rc == 1 and "badc.csv:3" in err and "missing value" in err, err)
rc, out, err = run("classify", "--train", tr, "--label-column", "lbl")
check("classify: missing label column", rc == 1 and "no key column named 'lbl'" in err, err)
rc, out, err = run("classify", "--train", tr, "--label-column", "label", "--model", "lstm")
check("classify: unknown model", rc == 2, err)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
