#!/usr/bin/python3
"""Compares `aw classify` with scikit-learn (Debian's python3-sklearn) on the same split.

For each data set (scikit-learn's bundled iris, wine, breast cancer and digits, real data nobody
here wrote, and the seeded ADS-shaped 14-label set of make_ads14.py) it writes a CSV, runs
`aw classify --model all`, reads the hold-out rows aw chose (split.test_row_indices), trains the
scikit-learn pipelines StandardScaler + {KNeighborsClassifier(5), GaussianNB(), RandomForest
Classifier(50 trees, max_depth 5), LinearSVC()} on exactly the other rows, and checks that each
model's macro F1 is within 0.02 of scikit-learn's. Prints one line per check and
"N passed, N failed". Usage: compare_classify.py AW_BINARY WORKDIR [--tol 0.02]"""
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

HERE = os.path.dirname(os.path.abspath(__file__))


def write_csv(path, X, y):
    with open(path, "w") as f:
        f.write(",".join(f"f{j}" for j in range(X.shape[1])) + ",label\n")
        for row, lab in zip(X, y):
            f.write(",".join(repr(float(v)) for v in row) + f",{lab}\n")


def read_csv(path):
    with open(path) as f:
        header = f.readline().rstrip("\n").split(",")
        X, y = [], []
        for line in f:
            parts = line.rstrip("\n").split(",")
            X.append([float(v) for v in parts[:-1]])
            y.append(parts[-1])
    return np.array(X), np.array(y)


def models(seed):
    return {
        "knn": make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=5)),
        "nb": make_pipeline(StandardScaler(), GaussianNB()),
        "rf": make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=50, max_depth=5, random_state=seed)),
        "svm": make_pipeline(StandardScaler(), LinearSVC(C=1.0)),
    }


def main():
    aw, work = sys.argv[1], sys.argv[2]
    tol = float(sys.argv[sys.argv.index("--tol") + 1]) if "--tol" in sys.argv else 0.02
    os.makedirs(work, exist_ok=True)
    sets = []
    for name, loader in (("iris", datasets.load_iris), ("wine", datasets.load_wine),
                         ("breast_cancer", datasets.load_breast_cancer), ("digits", datasets.load_digits)):
        d = loader()
        path = os.path.join(work, f"{name}.csv")
        write_csv(path, d.data, [f"c{v}" for v in d.target])
        sets.append((name, path))
    ads = os.path.join(work, "ads14.csv")
    subprocess.run([sys.executable, os.path.join(HERE, "make_ads14.py"), ads, "14"], check=True)
    sets.append(("ads14", ads))
    passed = failed = 0
    for name, path in sets:
        t0 = time.time()
        out = subprocess.run([aw, "classify", "--train", path, "--label-column", "label", "--seed", "1", "--compact"],
                             capture_output=True, text=True)
        t_aw = time.time() - t0
        if out.returncode != 0:
            print(f"FAIL {name}: aw classify exited {out.returncode}: {out.stderr.strip()}")
            failed += 1
            continue
        res = json.loads(out.stdout)
        X, y = read_csv(path)
        test = np.array(res["split"]["test_row_indices"], dtype=int)
        train = np.setdiff1d(np.arange(len(y)), test)
        t0 = time.time()
        for key, model in models(0).items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X[train], y[train])
            pred = model.predict(X[test])
            ref = f1_score(y[test], pred, average="macro")
            ours = res["models"][key]["macro"]["f1"]
            ok = abs(ours - ref) <= tol
            passed += ok
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name:14s} {key:4s} macro F1 aw {ours:.4f} sklearn {ref:.4f} "
                  f"diff {ours - ref:+.4f} ({len(train)} train / {len(test)} test rows, {len(res['classes'])} classes)")
        t_sk = time.time() - t0
        print(f"     {name}: aw classify (4 models, incl. process start and CSV) {t_aw:.2f} s, scikit-learn fit+predict {t_sk:.2f} s")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
