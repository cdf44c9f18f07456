#!/usr/bin/python3
"""PyTorch reference for bench/bench_dam.c: the same DAM architecture, data sizes and optimiser,
timed on the CPU with one thread (Debian's python3-torch).

DAM (Chen et al., ICWS 2022): three LSTMs (inputs 3, 4, 1; hidden 32); Q = concatenated final
hidden states, K = V = concatenated outputs over the window; scaled dot-product attention; one
head per group 96 -> 32 -> 8 -> dims with ReLU; MSE; Adam lr 1e-3; batch 256; W = 10;
47,600 training windows per epoch, shuffled.

Prints "REF dam_epoch_seconds <s> s lower" (wall clock), "REF dam_epoch_cpu_seconds" (CPU time of
the process, robust to other jobs on a shared machine) and the forward throughput, for bench/run.sh.
Usage: /usr/bin/python3 bench/ref_dam.py [epochs_timed]
"""
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.manual_seed(1)

W, BATCH, WINDOWS, H = 10, 256, 47600, 32
GROUPS = [(0, 3), (3, 7), (7, 8)]  # load, traffic, logs columns


class DAM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstms = nn.ModuleList([nn.LSTM(b - a, H, batch_first=True) for a, b in GROUPS])
        gh = H * len(GROUPS)
        self.heads = nn.ModuleList([
            nn.Sequential(nn.Linear(gh, 32), nn.ReLU(), nn.Linear(32, 8), nn.ReLU(), nn.Linear(8, b - a))
            for a, b in GROUPS])

    def forward(self, x):  # x: (B, W, 8)
        kv = torch.cat([lstm(x[:, :, a:b])[0] for lstm, (a, b) in zip(self.lstms, GROUPS)], dim=2)
        q = kv[:, -1, :]
        s = torch.bmm(kv, q.unsqueeze(2)).squeeze(2) / math.sqrt(kv.shape[2])
        a = torch.softmax(s, dim=1)
        ctx = torch.bmm(a.unsqueeze(1), kv).squeeze(1)
        return torch.cat([h(ctx) for h in self.heads], dim=1)


def synth(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None]
    j = np.arange(7)[None, :]
    x = 10.0 + (j + 1) * np.sin(2 * np.pi * t / 3600.0 + j) + 0.3 * rng.standard_normal((n, 7))
    logs = np.where(rng.random(n) < 0.02, 20 + rng.integers(0, 10, n), 1 + rng.integers(0, 5, n))
    x = np.concatenate([x, logs[:, None]], axis=1)
    tr = x[: WINDOWS + W]
    x = (x - tr.mean(0)) / tr.std(0)
    return torch.tensor(x, dtype=torch.float32)


def main():
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    series = synth(WINDOWS + W + 1000, 1)
    model = DAM()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.MSELoss()
    offs = torch.arange(W)

    def batch(idx):
        return series[idx[:, None] + offs], series[idx + W]

    def epoch():
        perm = torch.randperm(WINDOWS)
        total = 0.0
        for i in range(0, WINDOWS, BATCH):
            x, y = batch(perm[i:i + BATCH])
            opt.zero_grad()
            loss = lossf(model(x), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(x)
        return total / WINDOWS

    epoch()  # warm-up, as bench_dam.c does
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        loss = epoch()
    sec = (time.perf_counter() - t0) / epochs
    cpu = (time.process_time() - c0) / epochs
    print("ref_dam: torch %s, %d threads, epoch loss %.5f" % (torch.__version__, torch.get_num_threads(), loss),
          file=sys.stderr)
    print("REF dam_epoch_seconds %.6g s lower" % sec)
    print("REF dam_epoch_cpu_seconds %.6g s lower" % cpu)
    with torch.no_grad():
        idx = torch.arange(20000)
        t0 = time.perf_counter()
        for i in range(0, 20000, 256):
            model(batch(idx[i:i + 256])[0])
        print("REF dam_forward_windows_per_s %.6g windows/s higher" % (20000 / (time.perf_counter() - t0)))


if __name__ == "__main__":
    main()
