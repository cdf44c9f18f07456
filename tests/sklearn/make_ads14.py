#!/usr/bin/python3
"""Writes a seeded, ADS-shaped labelled dataset (Clearwater's three services bono, sprout and
homestead; 14 labels: normal, heavy load, and 4 fault types x 3 services, as in the ADS paper's
Tables 5-6) for comparing `aw classify` with scikit-learn. Features: per service CPU (%), memory
(MB), network rx/tx (kB/s) and latency (ms) at one time step. Usage: make_ads14.py OUT.csv [seed]

Until the workbench's simulator provides the replica/fault scenario, this generator stands in for
it; only numpy's seeded generator is used, so the file is the same on every run."""
import sys

import numpy as np

SERVICES = ["bono", "sprout", "homestead"]
FAULTS = ["cpu hog", "memory leak", "packet loss", "latency"]
PER_LABEL = 150


def sample(rng, label):
    load = rng.uniform(0.3, 0.7)
    if label == "heavy load":
        load = rng.uniform(0.8, 1.0)
    row = []
    for s, svc in enumerate(SERVICES):
        w = [1.0, 1.4, 0.8][s]
        cpu = 10 + 60 * w * load + rng.normal(0, 4)
        mem = 300 + 80 * s + 40 * load + rng.normal(0, 10)
        rx = 200 * w * load + rng.normal(0, 15)
        tx = 260 * w * load + rng.normal(0, 18)
        lat = 8 + 20 * load * load + rng.normal(0, 2)
        if label.startswith(svc + " "):
            fault = label[len(svc) + 1:]
            if fault == "cpu hog":
                cpu += rng.uniform(15, 40)
                lat += rng.uniform(0, 6)
            elif fault == "memory leak":
                mem += rng.uniform(40, 200)
            elif fault == "packet loss":
                f = rng.uniform(0.55, 0.85)
                rx *= f
                tx *= f
                lat += rng.uniform(2, 10)
            elif fault == "latency":
                lat += rng.uniform(6, 25)
        row += [cpu, mem, rx, tx, lat]
    return row


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 14
    rng = np.random.default_rng(seed)
    labels = ["normal", "heavy load"] + [f"{svc} {f}" for svc in SERVICES for f in FAULTS]
    rows = []
    for lab in labels:
        for _ in range(PER_LABEL):
            rows.append((sample(rng, lab), lab))
    order = rng.permutation(len(rows))
    cols = [f"{svc}_{m}" for svc in SERVICES for m in ("cpu", "mem", "rx", "tx", "latency")]
    with open(out, "w") as f:
        f.write(",".join(cols) + ",label\n")
        for i in order:
            x, lab = rows[i]
            f.write(",".join(repr(float(v)) for v in x) + "," + lab + "\n")


if __name__ == "__main__":
    main()
