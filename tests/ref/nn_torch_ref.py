#!/usr/bin/python3
"""Reference values for tests/c/test_nn.c, computed with Debian's PyTorch (python3-torch 1.13).

Run: /usr/bin/python3 tests/ref/nn_torch_ref.py
The C test builds the same weights and inputs with the same integer formula (fix()), runs our
layers, and compares with the numbers printed here (pinned in the test). Layouts: our W is
in x kH (PyTorch's weight_ih transposed), our LSTM has one bias (PyTorch's b_ih + b_hh; b_hh = 0
here), our GRU's bx / bh are PyTorch's b_ih / b_hh.
"""
import torch

torch.set_num_threads(1)


def fix(n, salt, scale):
    """The fixture formula shared with the C test: exact in float."""
    return torch.tensor([(((i * 37 + salt * 11) % 101) / 101.0 - 0.5) * scale for i in range(n)],
                        dtype=torch.float64).float()


def show(name, t):
    print(name + " = {" + ", ".join("%.9g" % v for v in t.flatten().tolist()) + "};")


# LSTM: in 3, hidden 5, T 4, B 2; x time-major (T, B, in).
IN, H, T, B = 3, 5, 4, 2
lstm = torch.nn.LSTM(IN, H)
with torch.no_grad():
    lstm.weight_ih_l0.copy_(fix(IN * 4 * H, 1, 1.0).view(IN, 4 * H).t())
    lstm.weight_hh_l0.copy_(fix(H * 4 * H, 2, 1.0).view(H, 4 * H).t())
    lstm.bias_ih_l0.copy_(fix(4 * H, 3, 0.5))
    lstm.bias_hh_l0.zero_()
    x = fix(T * B * IN, 4, 2.0).view(T, B, IN)
    out, _ = lstm(x)
show("lstm_ref", out)

# GRU: same sizes.
gru = torch.nn.GRU(IN, H)
with torch.no_grad():
    gru.weight_ih_l0.copy_(fix(IN * 3 * H, 5, 1.0).view(IN, 3 * H).t())
    gru.weight_hh_l0.copy_(fix(H * 3 * H, 6, 1.0).view(H, 3 * H).t())
    gru.bias_ih_l0.copy_(fix(3 * H, 7, 0.5))
    gru.bias_hh_l0.copy_(fix(3 * H, 8, 0.5))
    x = fix(T * B * IN, 9, 2.0).view(T, B, IN)
    out, _ = gru(x)
show("gru_ref", out)

# Scaled dot-product attention: B 2, T 3, d 4; q (B, d), k = v given separately (T, B, d).
Bq, Tq, D = 2, 3, 4
q = fix(Bq * D, 10, 2.0).view(Bq, D)
k = fix(Tq * Bq * D, 11, 2.0).view(Tq, Bq, D)
v = fix(Tq * Bq * D, 12, 2.0).view(Tq, Bq, D)
s = torch.einsum("bd,tbd->bt", q, k) / D ** 0.5
a = torch.softmax(s, dim=1)
o = torch.einsum("bt,tbd->bd", a, v)
show("att_a_ref", a)
show("att_out_ref", o)

# BatchNorm1d in training mode: n 5, dim 3, gamma/beta from the formula; output and running stats.
bn = torch.nn.BatchNorm1d(3)
with torch.no_grad():
    bn.weight.copy_(fix(3, 13, 1.0) + 1.0)
    bn.bias.copy_(fix(3, 14, 1.0))
    x = fix(15, 15, 4.0).view(5, 3)
    y = bn(x)
show("bn_y_ref", y)
show("bn_rmean_ref", bn.running_mean)
show("bn_rvar_ref", bn.running_var)

# Adam: 3 parameters, 3 steps with fixed gradients, lr 0.1.
w = torch.nn.Parameter(torch.tensor([1.0, -0.5, 0.25]))
opt = torch.optim.Adam([w], lr=0.1)
grads = [[0.5, -1.0, 1e-3], [-0.25, 2.0, 0.0], [0.125, 0.5, -3.0]]
hist = []
for g in grads:
    opt.zero_grad()
    w.grad = torch.tensor(g)
    opt.step()
    hist.append(w.detach().clone())
show("adam_ref", torch.stack(hist))
