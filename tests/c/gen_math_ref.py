#!/usr/bin/python3
"""gen_math_ref.py - correctly rounded reference values for tests/c/test_math.c, from mpmath.

    /usr/bin/python3 tests/c/gen_math_ref.py > tests/c/math_ref.h

Each entry is (function, x, y, f(x[, y]) rounded to nearest), evaluated with mpmath at 400 bits
and rounded with exact rational arithmetic. The inputs cover the regions where a portable
implementation is most likely to go wrong: tails of erfc / the normal distribution, the zeros
of lgamma at 1 and 2, huge arguments of sin/cos/tan, subnormal results, and points next to
every switch-over in core/src/math.c. This table is the accuracy reference that the WASM build
checks too (it does not depend on any C library).
"""
import random
from fractions import Fraction

from mpmath import (mp, mpf, exp, expm1, log, log1p, sin, cos, tan, atan, atan2, tanh, erf,
                    erfc, sqrt, loggamma, power)

mp.prec = 400


def to_frac(v):
    v = mpf(v)
    if v == 0:
        return Fraction(0)
    m, e = abs(int(v.man)), int(v.exp)
    if v < 0:
        m = -m
    return Fraction(m * 2**e) if e >= 0 else Fraction(m, 2**(-e))


def round_fmt(v, p, emin, emax):
    """round to nearest (ties to even) in a binary format with p-bit significands."""
    f = to_frac(v)
    if f == 0:
        return 0.0
    s = -1 if f < 0 else 1
    f = abs(f)
    e = f.numerator.bit_length() - f.denominator.bit_length()
    if Fraction(2)**e > f:
        e -= 1
    e = max(e, emin)
    q = Fraction(2)**(e - p + 1)
    n = f / q
    fl = n.numerator // n.denominator
    rem = n - fl
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and fl % 2 == 1):
        fl += 1
    val = fl * q
    if val >= Fraction(2)**(emax + 1):
        return s * float("inf")
    return s * float(val)


def rd(v):
    return round_fmt(v, 53, -1022, 1023)


def rf(v):
    return round_fmt(v, 24, -126, 127)


def h(x):
    if x != x:
        return "NAN"
    if x == float("inf"):
        return "INFINITY"
    if x == -float("inf"):
        return "-INFINITY"
    return float(x).hex()


rng = random.Random(20240611)
entries = []   # (fn, x, y, ref)


def add(fn, f, xs, y=None):
    for x in xs:
        x = float(x)
        v = f(mpf(x)) if y is None else f(mpf(x), mpf(y))
        entries.append((fn, x, 0.0 if y is None else float(y), rd(v)))


def logu(a, b, n):
    import math
    return [math.exp(rng.uniform(math.log(a), math.log(b))) for _ in range(n)]


def uni(a, b, n):
    return [rng.uniform(a, b) for _ in range(n)]


# exp family
add("exp", exp, [-745.1, -744.44, -740.0, -709.0, -708.39, -100.5, -1.0, -1e-10, 1e-300, 0.5, 1.0, 2.0,
                 10.0, 88.7, 700.0, 709.7, 709.78] + uni(-745, 709.7, 40) + uni(-1, 1, 20))
add("expm1", expm1, [-40.0, -37.5, -20.0, -1.0, -0.35, -0.0027, -1e-5, -3e-17, 1e-300, 6e-17, 1e-10, 0.0013,
                     0.0027, 0.0028, 0.3466, 0.3467, 1.0, 50.0, 709.0, 709.7] + uni(-1, 1, 30) + logu(1e-20, 1e-3, 20))
# log family
add("log", log, [5e-324, 1e-310, 2.2250738585072014e-308, 1e-100, 0.5, 0.6894531, 0.99, 1 - 2**-53,
                 1 + 2**-52, 1.0039, 1.01, 1.3789, 2.0, 3.0, 10.0, 1e100, 1.7976931348623157e308]
    + logu(1e-320, 1e308, 40) + uni(0.99, 1.01, 20))
add("log1p", log1p, [-0.9999999999, -0.5, -0.001953125, -0.00195, -1e-10, 6e-17, 1e-16, 0.00390625, 0.0039,
                     0.004, 1.0, 1e10, 1e300] + uni(-0.99, 1, 30) + logu(1e-300, 1e-3, 20))
add("log2", lambda x: log(x, 2), [5e-324, 0.5, 0.75, 1 - 2**-53, 1 + 2**-52, 1.5, 3.0, 1024.0, 1e300]
    + logu(1e-320, 1e308, 30) + uni(0.5, 2, 20))
add("log10", lambda x: log(x, 10), [5e-324, 0.1, 0.5, 1 + 2**-52, 2.0, 9.99, 10.0, 1000.0,
                                      1e22, 1e300] + logu(1e-320, 1e308, 30) + uni(0.5, 2, 20))
# pow
for (x, y) in [(2.0, 0.5), (2.0, -1074.0), (2.0, 1023.99), (10.0, -323.3), (10.0, 308.25), (0.999, 1e5),
               (1.0000001, 7e9), (-2.5, 3.0), (-0.7, -11.0), (1.5, 1750.0), (7.0, 1e-10), (1e-300, 1.0625),
               (3.0, 0.3333333333333333), (1e308, -1.0), (5e-324, 0.5), (0.5, 1074.5)]:
    entries.append(("pow", x, y, rd(power(mpf(x), mpf(y)))))
for _ in range(40):
    x = logu(1e-5, 1e5, 1)[0]
    y = rng.uniform(-60, 60)
    entries.append(("pow", x, y, rd(power(mpf(x), mpf(y)))))
# trig: small, medium, the Cody-Waite / Payne-Hanek boundary and huge arguments
trig_x = ([1e-300, 1e-8, 0.5, 0.7853981633974483, 0.7853981633974484, 1.5707963267948966, 3.141592653589793,
           6.283185307179586, 100.0, 355.0, 103993.0, 1048575.9, 1048576.0, 1e6, 1e9, 1073741823.0, 1e15, 1e22,
           2.0**60, 2.0**100, 1e200, 1.7976931348623157e308]
          + uni(-10, 10, 25) + logu(1, 1e300, 25))
add("sin", sin, trig_x)
add("cos", cos, trig_x)
add("tan", tan, trig_x)
add("atan", atan, [1e-300, 1e-8, 0.03125, 0.0625, 0.5, 0.97, 1.0, 1.03, 2.0, 16.0, 1e10, 1e300]
    + uni(-4, 4, 20) + logu(1e-20, 1e20, 20))
for (y, x) in [(1.0, 1.0), (1.0, -1.0), (-1e-300, 1.0), (1e-300, -1.0), (3.0, 1e-300), (5e-324, 5e-324),
               (1e300, 1e-300), (1e-10, -1e10), (-2.0, -3.0), (0.5, 1e200)]:
    entries.append(("atan2", y, x, rd(atan2(mpf(y), mpf(x)))))
for _ in range(30):
    y = rng.gauss(0, 1) * 10**rng.uniform(-10, 10)
    x = rng.gauss(0, 1) * 10**rng.uniform(-10, 10)
    entries.append(("atan2", y, x, rd(atan2(mpf(y), mpf(x)))))
add("tanh", tanh, [1e-300, 7e-9, 1e-5, 0.1, 0.5, 0.55, 1.0, 5.0, 19.0, 21.9, 22.1] + uni(-5, 5, 30))
# erf / erfc / normal Q: tails
add("erf", erf, [1e-310, 1e-300, 1e-20, 0.1, 0.4999, 0.5, 0.75, 1.0, 2.0, 3.9, 4.0, 5.5, 5.9] + uni(-6, 6, 30))
add("erfc", erfc, [-5.9, -3.0, -0.5, -0.49, 0.0, 1e-20, 0.49, 0.5, 0.9, 1.0, 2.0, 3.0, 3.99, 4.0, 5.0, 8.0,
                   10.0, 15.0, 20.0, 26.0, 26.5, 26.6, 27.0, 27.2, 27.25] + uni(0.5, 27.2, 30) + uni(-6, 6, 20))
add("normal_q", lambda x: erfc(x / sqrt(2)) / 2, [-38.0, -8.0, -1.0, -0.1, 0.0, 0.1, 0.7071, 1.0, 1.6448536269514722,
                                                   2.0, 3.0, 5.0, 6.0, 8.0, 10.0, 12.0, 20.0, 30.0, 37.0, 38.0, 38.4,
                                                   38.5] + uni(-8, 38.4, 40))
add("sigmoid", lambda x: 1 / (1 + exp(-x)), [-745.0, -700.0, -40.5, -39.9, -20.0, -1.0, -1e-10, 0.0, 1e-10, 1.0,
                                               20.0, 36.0, 39.9] + uni(-50, 50, 30))
# lgamma: near the zeros at 1 and 2, piece boundaries, Stirling, huge
add("lgamma", loggamma, [1e-300, 1e-30, 1e-10, 0.1, 0.25, 0.4999, 0.5, 0.75, 0.999999, 1.0, 1.000001, 1.25, 1.4999,
                         1.5, 1.75, 1.99999999, 2.0, 2.0000001, 2.25, 2.4999, 2.5, 3.0, 3.4999, 3.5, 4.0, 7.5,
                         11.999, 12.0, 12.001, 100.0, 1e10, 1e100, 1e300, 2.55e305]
    + uni(0, 15, 40) + logu(15, 1e300, 20) + uni(0.9, 1.1, 10) + uni(1.9, 2.1, 10))

# float functions: (fn, x, ref) rounded to float
fentries = []
import struct


def tofloat(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def addf(fn, f, xs):
    for x in xs:
        x = tofloat(float(x))
        fentries.append((fn, x, rf(f(mpf(x)))))


addf("expf", exp, [-103.9, -87.0, -10.0, -1e-6, 1e-6, 0.5, 1.0, 20.0, 88.7] + uni(-103, 88.7, 40))
addf("tanhf", tanh, [1e-10, 2e-4, 0.01, 0.2, 0.5, 1.0, 4.0, 9.0] + uni(-9, 9, 40))
addf("sigmoidf", lambda x: 1 / (1 + exp(-x)), [-103.0, -60.0, -16.0, -1.0, 0.0, 1.0, 16.0, 17.0] + uni(-30, 30, 40))
addf("logf", log, [1.4e-45, 1e-40, 1e-30, 0.5, 0.999, 1.0, 1.001, 2.0, 3.4e38] + logu(1e-38, 1e38, 40))

print("/* math_ref.h - GENERATED by gen_math_ref.py (python3-mpmath): correctly rounded values. */")
print("#ifndef AW_MATH_REF_H")
print("#define AW_MATH_REF_H")
print("typedef struct { const char *fn; double x, y, ref; } math_ref_entry;")
print("static const math_ref_entry math_ref[] = {")
for fn, x, y, ref in entries:
    print('  {"%s", %s, %s, %s},' % (fn, h(x), h(y), h(ref)))
print("};")
print("typedef struct { const char *fn; float x, ref; } math_reff_entry;")
print("static const math_reff_entry math_reff[] = {")
for fn, x, ref in fentries:
    print('  {"%s", %sf, %sf},' % (fn, h(x), h(ref)) if ref == ref and abs(ref) != float("inf")
          else '  {"%s", %sf, %s},' % (fn, h(x), h(ref)))
print("};")
print("#endif")
