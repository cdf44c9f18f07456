#!/usr/bin/python3
"""Reference values for test_dam.c's test_dam_vs_torch: the whole DAM (three LSTMs, attention with
Q = final states and K = V = all outputs, three heads 96-32-8-d with ReLU, MSE) built from
torch.nn modules, with every weight from the fixture formula, and its loss and gradients by
autograd (Debian python3-torch 1.13). Run: /usr/bin/python3 tests/ref/dam_torch_ref.py

Tensor order and layout follow aw's DAM: for each group (load 3 columns, traffic 4, logs 1):
lstm.W (in x 4H = weight_ih^T), lstm.U (H x 4H = weight_hh^T), lstm.b (bias_ih; bias_hh = 0),
head1.W (96 x 32 = weight^T), head1.b, head2.W, head2.b, head3.W, head3.b.
"""
import math

import torch

torch.set_num_threads(1)
H, W = 32, 10
GROUPS = [(0, 3), (3, 7), (7, 8)]


def fix(n, salt, scale):
    return torch.tensor([(((i * 37 + salt * 11) % 101) / 101.0 - 0.5) * scale for i in range(n)],
                        dtype=torch.float64).float()


tensors = []  # (name, torch parameter, rows, cols, transposed)
lstms, heads = [], []
for g, (a, b) in enumerate(GROUPS):
    d = b - a
    lstm = torch.nn.LSTM(d, H)
    lin = [torch.nn.Linear(3 * H, 32), torch.nn.Linear(32, 8), torch.nn.Linear(8, d)]
    lstms.append(lstm)
    heads.append(lin)
    tensors += [(lstm.weight_ih_l0, d, 4 * H, True), (lstm.weight_hh_l0, H, 4 * H, True), (lstm.bias_ih_l0, 1, 4 * H, False)]
    for l in lin:
        tensors += [(l.weight, l.in_features, l.out_features, True), (l.bias, 1, l.out_features, False)]
    with torch.no_grad():
        lstm.bias_hh_l0.zero_()

with torch.no_grad():
    for i, (p, r, c, tr) in enumerate(tensors):
        v = fix(r * c, i + 1, 0.6)
        p.copy_(v.view(r, c).t() if tr else v.view(p.shape))

x = fix(30 * 8, 50, 2.0).view(30, 8)
win = [0, 3, 7, 12, 19]
xb = torch.stack([x[i:i + W] for i in win])  # B, W, 8
y = torch.stack([x[i + W] for i in win])  # B, 8

outs = []
for (a, b), lstm in zip(GROUPS, lstms):
    o, _ = lstm(xb[:, :, a:b].transpose(0, 1))  # T, B, H
    outs.append(o)
kv = torch.cat(outs, dim=2)  # T, B, 96
q = kv[-1]
s = torch.einsum("bd,tbd->bt", q, kv) / math.sqrt(3 * H)
att = torch.softmax(s, dim=1)
ctx = torch.einsum("bt,tbd->bd", att, kv)
pred = []
for lin in heads:
    h = torch.relu(lin[0](ctx))
    h = torch.relu(lin[1](h))
    pred.append(lin[2](h))
pred = torch.cat(pred, dim=1)
loss = torch.nn.functional.mse_loss(pred, y)
loss.backward()
print("dam_loss_ref = %.9g;" % loss.item())
sums, firsts, lasts = [], [], []
for p, r, c, tr in tensors:
    g = p.grad.t() if tr else p.grad
    g = g.reshape(-1)
    sums.append(g.abs().sum().item())
    firsts.append(g[0].item())
    lasts.append(g[-1].item())
for name, v in (("dam_gsum_ref", sums), ("dam_gfirst_ref", firsts), ("dam_glast_ref", lasts)):
    print("static const double %s[%d] = {%s};" % (name, len(v), ", ".join("%.9g" % t for t in v)))
