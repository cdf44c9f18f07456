#!/usr/bin/python3
"""gen_math_tables.py - derives every constant, table and polynomial used by core/src/math.c.

Run with Debian's python3 and python3-mpmath (no other dependency):

    /usr/bin/python3 core/src/internal/gen_math_tables.py > core/src/internal/math_tables.h

All values are computed here from their definitions with mpmath at 320 bits of precision and
rounded to the nearest double with exact rational arithmetic (Python's int / int division is
correctly rounded), so nothing is copied from another library. Every fitted polynomial is a
Chebyshev interpolant (near-minimax) converted to the monomial basis around the centre of its
interval; after rounding the coefficients to double, its error is measured again in high
precision on a dense grid and the script stops if it exceeds the target given next to the fit.
The measured errors are written into the header as comments.
"""
import sys
from fractions import Fraction

from mpmath import (mp, mpf, pi, log, exp, sqrt, sin, cos, erf, erfc, loggamma, euler,
                    bernoulli, floor, matrix)

mp.prec = 320


# ---------------------------------------------------------------------------- rounding helpers
def to_frac(v):
    v = mpf(v)
    if v == 0:
        return Fraction(0)
    m, e = v.man, v.exp
    s = -1 if v < 0 else 1
    m = abs(int(m))
    if e >= 0:
        return Fraction(s * m * 2**e)
    return Fraction(s * m, 2**(-e))


def rn(v):
    """nearest double to v (ties to even): Fraction -> float is correctly rounded."""
    f = to_frac(v)
    return float(f.numerator / f.denominator) if f.denominator != 1 else float(f.numerator)


def rn_bits(v, bits):
    """v rounded to `bits` significant bits (a double with trailing zeros)."""
    v = mpf(v)
    if v == 0:
        return 0.0
    e = int(floor(log(abs(v), 2)))
    q = mpf(2)**(e - bits + 1)
    return rn(mp.nint(v / q) * q)


def rn_grid(v, ulp):
    """v rounded to a multiple of ulp."""
    return rn(mp.nint(mpf(v) / ulp) * ulp)


def dd(v):
    hi = rn(v)
    lo = rn(mpf(v) - hi)
    return hi, lo


def h(x):
    """C hex-float literal."""
    x = float(x)
    if x == 0:
        return "0.0"
    return x.hex()


out = []


def emit(s=""):
    out.append(s)


def emit_const(name, v, comment=""):
    emit("#define %s %s%s" % (name, h(v), ("  /* %s */" % comment) if comment else ""))


def emit_dd(name, v, comment=""):
    hi, lo = dd(v)
    emit_const(name + "_H", hi, comment)
    emit_const(name + "_L", lo)


# ---------------------------------------------------------------------------- fitting
def cheb_coeffs(f, a, b, n):
    """Chebyshev interpolant of degree n of f on [a, b] (first-kind nodes)."""
    a, b = mpf(a), mpf(b)
    nodes = [cos(pi * (k + mpf(1) / 2) / (n + 1)) for k in range(n + 1)]
    fs = [f((a + b) / 2 + (b - a) / 2 * t) for t in nodes]
    c = []
    for j in range(n + 1):
        s = sum(fs[k] * cos(pi * j * (k + mpf(1) / 2) / (n + 1)) for k in range(n + 1))
        c.append(s * 2 / (n + 1))
    c[0] /= 2
    return c


def cheb_to_monomial(c, a, b, mid):
    """p(x) = sum c_j T_j(t), t = (2x - a - b)/(b - a); returns coefficients of p in d = x - mid."""
    n = len(c) - 1
    # monomials in t: T_0 = 1, T_1 = t, T_{j+1} = 2 t T_j - T_{j-1}
    T = [[mpf(1)], [mpf(0), mpf(1)]]
    for j in range(2, n + 1):
        prev, prev2 = T[j - 1], T[j - 2]
        nxt = [mpf(0)] * (j + 1)
        for i, v in enumerate(prev):
            nxt[i + 1] += 2 * v
        for i, v in enumerate(prev2):
            nxt[i] -= v
        T.append(nxt)
    pt = [mpf(0)] * (n + 1)
    for j in range(n + 1):
        for i, v in enumerate(T[j]):
            pt[i] += c[j] * v
    # t = alpha * d + beta, with x = mid + d
    a, b, mid = mpf(a), mpf(b), mpf(mid)
    alpha = 2 / (b - a)
    beta = (2 * mid - a - b) / (b - a)
    # expand sum pt_i (alpha d + beta)^i
    from mpmath import binomial
    pd = [mpf(0)] * (n + 1)
    for i in range(n + 1):
        for k in range(i + 1):
            pd[k] += pt[i] * binomial(i, k) * alpha**k * beta**(i - k)
    return pd


def eval_rounded(coef, d):
    """coef: list of (hi, lo) pairs (lo may be 0); exact evaluation of the rounded polynomial."""
    s = mpf(0)
    for (hi, lo) in reversed(coef):
        s = s * d + mpf(hi) + mpf(lo)
    return s


def fit(f, a, b, mid, target, relative=True, nmin=2, nmax=40, samples=600, name=""):
    """Smallest degree whose rounded Chebyshev interpolant meets target; returns (coef, err, n)."""
    a, b, mid = mpf(a), mpf(b), mpf(mid)
    xs = [a + (b - a) * i / samples for i in range(samples + 1)]
    fx = [f(x) for x in xs]
    for n in range(nmin, nmax + 1):
        c = cheb_coeffs(f, a, b, n)
        pd = cheb_to_monomial(c, a, b, mid)
        coef = []
        for k, v in enumerate(pd):
            if k <= 1:
                coef.append(dd(v))
            else:
                coef.append((rn(v), 0.0))
        err = mpf(0)
        for x, v in zip(xs, fx):
            p = eval_rounded(coef, x - mid)
            e = abs(p - v) / (abs(v) if relative else 1)
            if e > err:
                err = e
        if err < target:
            return coef, float(err), n
    raise SystemExit("fit %s on [%s, %s] did not reach %g" % (name, a, b, target))


# ---------------------------------------------------------------------------- header
emit("/* math_tables.h - GENERATED by gen_math_tables.py (python3-mpmath, 320-bit arithmetic).")
emit(" * Do not edit: change the generator and run")
emit(" *   /usr/bin/python3 core/src/internal/gen_math_tables.py > core/src/internal/math_tables.h")
emit(" * Pairs named _H/_L are double-double values (hi + lo). */")
emit("#ifndef AW_MATH_TABLES_H")
emit("#define AW_MATH_TABLES_H")
emit("#include <stdint.h>")
emit()

# ---------------------------------------------------------------------------- constants
LN2 = log(2)
ln2_hi = rn_bits(LN2, 42)      # k * LN2_HI exact for |k| < 2^11
emit("/* ln 2 split so that k * AW_LN2_HI is exact for |k| < 2^11 */")
emit_const("AW_LN2_HI", ln2_hi)
emit_const("AW_LN2_LO", rn(LN2 - ln2_hi))
emit_dd("AW_LN2", LN2)
emit_dd("AW_INVLN2", 1 / LN2)
l102 = log(2) / log(10)
l102_hi = rn_bits(l102, 42)
emit_const("AW_LOG10_2_HI", l102_hi, "log10(2), 42 bits")
emit_const("AW_LOG10_2_LO", rn(l102 - l102_hi))
emit_dd("AW_INVLN10", 1 / log(10))
emit_dd("AW_PI", pi)
emit_dd("AW_PIO2", pi / 2)
emit_dd("AW_PIO4", pi / 4)
emit_dd("AW_2_SQRTPI", 2 / sqrt(pi), "2/sqrt(pi)")
emit_dd("AW_RSQRT2", 1 / sqrt(2), "1/sqrt(2)")
emit_dd("AW_HALF_LOG_2PI", log(2 * pi) / 2, "log(2 pi)/2")
emit_dd("AW_LOG_PI", log(pi))
emit()

# ---------------------------------------------------------------------------- exp
N = 128
emit("/* exp: x = (128 m + j) ln2/128 + r, |r| <= ln2/256; e^x = 2^m 2^(j/128) e^r.")
emit(" * AW_EXP_L1 has 35 significant bits so that k * AW_EXP_L1 is exact for |k| < 2^18. */")
emit_const("AW_EXP_INVL", rn(N / LN2), "128/ln2")
L = LN2 / N
l1 = rn_bits(L, 35)
emit_const("AW_EXP_L1", l1)
emit_const("AW_EXP_L2", rn(L - l1))
emit("/* 2^(j/128), j = 0..127, as {hi, lo} */")
emit("static const double aw_exp_tab[128][2] = {")
for j in range(N):
    hi, lo = dd(mpf(2)**(mpf(j) / N))
    emit("  {%s, %s}," % (h(hi), h(lo)))
emit("};")
emit()

# ---------------------------------------------------------------------------- log
OFF = 0x3fe6100000000000
emit("/* log: x = 2^k z with z in [0.6894.., 1.3789..): index i = bits 45..51 of (bits(x) - OFF).")
emit(" * Interval 79 contains 1 in its middle and has invc = 1 exactly. invc has 13 significant")
emit(" * bits so zh * invc is exact when zh keeps 40 bits of z. logc = -log(invc): hi on a 2^-42")
emit(" * grid (so k*AW_LN2_HI + hi is exact), lo the rest. */")
emit("#define AW_LOG_OFF 0x%016xull" % OFF)


def bits_to_double(b):
    import struct
    return struct.unpack("<d", struct.pack("<Q", b))[0]


emit("static const double aw_log_tab[128][3] = { /* {invc, logc_hi, logc_lo} */")
maxr = mpf(0)
for i in range(128):
    lo_b = OFF + (i << 45)
    hi_b = OFF + ((i + 1) << 45)
    zlo = mpf(bits_to_double(lo_b))
    zhi = mpf(bits_to_double(hi_b))
    if zlo < 1 < zhi:
        invc = 1.0
    else:
        c = (zlo + zhi) / 2
        invc = rn_bits(1 / c, 13)
    lc = -log(mpf(invc))
    lch = rn_grid(lc, mpf(2)**-42)
    lcl = rn(lc - lch)
    r1 = abs(zlo * invc - 1)
    r2 = abs(zhi * invc - 1)
    maxr = max(maxr, r1, r2)
    emit("  {%s, %s, %s}," % (h(invc), h(lch), h(lcl)))
emit("};")
emit("/* max |r| = |z * invc - 1| = %.6g */" % float(maxr))
emit()

# ---------------------------------------------------------------------------- trig
emit("/* pi/2 for Cody-Waite reduction (|x| < 2^20): P1 and P2 have 33 significant bits so that")
emit(" * n * P1 and n * P2 are exact for n < 2^20; P3 is the rounded rest (|pi/2 - P1 - P2 - P3| < 2^-118). */")
p1 = rn_bits(pi / 2, 33)
p2 = rn_bits(pi / 2 - p1, 33)
p3 = rn(pi / 2 - p1 - p2)
emit_const("AW_PIO2_1", p1)
emit_const("AW_PIO2_2", p2)
emit_const("AW_PIO2_3", p3)
emit_const("AW_INV_PIO2", rn(2 / pi))
emit("/* 2/pi = sum_w aw_two_over_pi[w] 2^(-32(w+1)) (first 1344 bits), for Payne-Hanek reduction */")
W = 42
with mp.workprec(32 * W + 64):
    v = int(floor(2 / pi * mpf(2)**(32 * W)))
words = [(v >> (32 * (W - 1 - w))) & 0xffffffff for w in range(W)]
emit("static const uint32_t aw_two_over_pi[%d] = {" % W)
for w in range(0, W, 6):
    emit("  " + ", ".join("0x%08xu" % x for x in words[w:w + 6]) + ",")
emit("};")
emit()

rmax = mpf("0.7854")   # >= pi/4 plus the slack of rounding n
zmax = rmax**2


def gs(z):
    if z == 0:
        return mpf(-1) / 6
    r = sqrt(z)
    return (sin(r) - r) / (r * z)


def gc(z):
    if z == 0:
        return mpf(1) / 24
    r = sqrt(z)
    return (cos(r) - 1 + z / 2) / (z * z)


def emit_poly(name, coef, comment):
    emit("/* %s */" % comment)
    emit("static const double %s[%d] = {%s};" % (name, len(coef), ", ".join(h(c[0]) for c in coef)))


coef, err, n = fit(gs, 0, zmax, 0, 2**-62, relative=False, name="sin")
emit_poly("aw_sin_poly", coef, "sin r = r + r^3 P(r^2), |r| <= 0.7854; |P - exact| <= %.3g (abs)" % err)
emit_const("AW_SIN_C0L", coef[0][1], "low part of aw_sin_poly[0] (for the double-double kernel of tan)")
coef, err, n = fit(gc, 0, zmax, 0, 2**-62, relative=False, name="cos")
emit_poly("aw_cos_poly", coef, "cos r = 1 - r^2/2 + r^4 Q(r^2), |r| <= 0.7854; |Q - exact| <= %.3g (abs)" % err)
emit()

# ---------------------------------------------------------------------------- atan
emit("/* atan(i/16), i = 0..16, as {hi, lo} */")
emit("static const double aw_atan_tab[17][2] = {")
from mpmath import atan as mpatan
for i in range(17):
    hi, lo = dd(mpatan(mpf(i) / 16))
    emit("  {%s, %s}," % (h(hi), h(lo)))
emit("};")
emit()

# ---------------------------------------------------------------------------- fitted pieces
PIECE_MAX = 24
pieces_out = []


def emit_pieces(name, f, intervals, target, relative=True, comment=""):
    emit("/* %s */" % comment)
    emit("static const aw_math_piece %s[%d] = {" % (name, len(intervals)))
    worst = 0
    for (a, b) in intervals:
        a, b = mpf(a), mpf(b)
        mid = rn_bits((a + b) / 2, 8)   # short, so d = x - mid is exact near mid
        coef, err, n = fit(f, a, b, mid, target, relative=relative, name=name)
        worst = max(worst, err)
        cs = [c[0] for c in coef] + [0.0] * (PIECE_MAX + 1 - len(coef))
        emit("  {%s, %d, %s, %s, /* [%s, %s], deg %d, err %.3g */" %
             (h(mid), n, h(coef[0][1]), h(coef[1][1]), mp.nstr(a, 8), mp.nstr(b, 8), n, err))
        emit("   {" + ", ".join(h(c) for c in cs[:n + 1]) + "}},")
    emit("};")
    return worst


emit("/* A polynomial piece: p(mid + d) = sum c[k] d^k, with c[0] and c[1] extended by c0l and c1l")
emit(" * (double-double) so that the last two Horner steps can be done in double-double. */")
emit("typedef struct { double mid; int deg; double c0l, c1l; double c[%d]; } aw_math_piece;" % (PIECE_MAX + 1))
emit()

c0 = 2 / sqrt(pi)


def erf_p(z):
    if z == 0:
        return -c0 / 3
    r = sqrt(z)
    return (erf(r) / r - c0) / z


coef, err, n = fit(erf_p, 0, mpf("0.25"), 0, 2**-60, relative=False, name="erf")
emit_poly("aw_erf_poly", coef, "erf x = x (2/sqrt(pi) + z P(z)), z = x^2 <= 1/4; |P - exact| <= %.3g (abs)" % err)
emit()


def erfcx(x):
    return exp(x * x) * erfc(x)


w = emit_pieces("aw_erfcx_x", erfcx, [(0.5, 1), (1, 1.5), (1.5, 2), (2, 2.5), (2.5, 3), (3, 4)], 2**-59,
                comment="erfcx(x) = e^(x^2) erfc(x) on [0.5, 4], relative error")
emit("/* worst relative error %.3g */" % w)


def g_u(u):
    return erfcx(1 / u) / u


w = emit_pieces("aw_erfcx_u", g_u, [(mpf(1) / 28, mpf(1) / 8), (mpf(1) / 8, mpf(1) / 4)], 2**-59,
                comment="x erfcx(x) as a function of u = 1/x for x in [4, 28], relative error")
emit("/* worst relative error %.3g */" % w)


def H(t):
    return -euler if t == 0 else loggamma(1 + t) / t


def K(t):
    return 1 - euler if t == 0 else loggamma(2 + t) / t


quarters = [(-0.5, -0.25), (-0.25, 0), (0, 0.25), (0.25, 0.5)]
w = emit_pieces("aw_lgamma_h", H, quarters, 2**-59,
                comment="lgamma(1 + t) / t on [-0.5, 0.5], relative error")
emit("/* worst relative error %.3g */" % w)
w = emit_pieces("aw_lgamma_k", K, quarters, 2**-59,
                comment="lgamma(2 + t) / t on [-0.5, 0.5], relative error")
emit("/* worst relative error %.3g */" % w)
w = emit_pieces("aw_lgamma_d", loggamma, [(2.5, 3), (3, 3.5)], 2**-59,
                comment="lgamma(x) on [2.5, 3.5], relative error")
emit("/* worst relative error %.3g */" % w)

emit("/* Stirling series: lgamma(x) = (x - 1/2) log x - x + log(2 pi)/2 + sum_k B_2k / (2k (2k - 1) x^(2k - 1)) */")
st = [bernoulli(2 * k) / (2 * k * (2 * k - 1)) for k in range(1, 10)]
emit("static const double aw_stirling[9] = {%s};" % ", ".join(h(rn(v)) for v in st))
emit()

# erfc underflow threshold: smallest double x with erfc(x) < 2^-1075 (result rounds to 0)
emit("#endif")
print("\n".join(out))
