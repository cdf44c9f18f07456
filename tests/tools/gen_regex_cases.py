#!/usr/bin/python3
r"""Generates tests/c/data/regex_python.txt: expected results of Python's `re` module (the
reference; run with Debian's /usr/bin/python3) for the regex tests in tests/c/test_regex.c.

Each line is one case, fields separated by TAB; text fields are escaped (\\ \t \n \r and \xHH for
other control bytes; UTF-8 kept as is). Offsets are UTF-8 byte offsets.
  S <pattern> <text> <from> <result>   search: "-" or "s,e;s,e;..." (group 0, 1, ...; "x" unset)
  M <pattern> <text> <from> <result>   match (anchored at from)
  F <pattern> <text> <result>          fullmatch
  U <pattern> <text> <replacement> <result text> <count>   re.sub with a literal replacement
  E <pattern> <position>               compile error at this (byte) position
Deterministic: the random cases use a fixed seed.
"""
import json, os, random, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.environ.get("AW_DATA", os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "tests", "c", "data", "regex_python.txt")

def esc(s):
    o = []
    for ch in s:
        c = ord(ch)
        if ch == "\\": o.append("\\\\")
        elif ch == "\t": o.append("\\t")
        elif ch == "\n": o.append("\\n")
        elif ch == "\r": o.append("\\r")
        elif c < 0x20 or c == 0x7f: o.append("\\x%02x" % c)
        else: o.append(ch)
    return "".join(o)

def boff(s, i):
    return len(s[:i].encode("utf-8"))

def spans(s, m):
    if m is None: return "-"
    parts = []
    for g in range(0, (m.re.groups or 0) + 1):
        a, b = m.span(g)
        parts.append("x" if a < 0 else "%d,%d" % (boff(s, a), boff(s, b)))
    return ";".join(parts)

lines = []
def add(*f): lines.append("\t".join(str(x) for x in f))

def case_search(p, t, frm=0):
    r = re.compile(p)
    add("S", esc(p), esc(t), boff(t, frm), spans(t, r.search(t, frm)))
def case_match(p, t, frm=0):
    r = re.compile(p)
    add("M", esc(p), esc(t), boff(t, frm), spans(t, r.match(t, frm)))
def case_full(p, t):
    r = re.compile(p)
    add("F", esc(p), esc(t), spans(t, r.fullmatch(t)))
def case_sub(p, t, rep="<*>"):
    r = re.compile(p)
    res, k = r.subn(rep.replace("\\", "\\\\"), t)
    add("U", esc(p), esc(t), esc(rep), esc(res), k)
def case_err(p):
    try:
        re.compile(p)
    except re.error as e:
        add("E", esc(p), boff(p, e.pos if e.pos is not None else 0))
        return
    raise SystemExit("expected an error: %r" % p)

# ---- hand-written syntax cases
texts = ["", "a", "abc", "aaa", "abcabc", "xx 12 yy 345", "blk_-123 blk_456", "10.0.0.1:80 and 1.2.3.4",
         "foo\nbar\n", "a.b-c_d e", "  spaced   out  ", "The KB and MB and GB", "x{2}y", "é café naïve 中文 ５",
         "tab\there", "0x1F 0XAb deadbeef", "path /usr/lib/x.so next", "<*> <*>", "a\u00a0b\u2003c", "word_123-x"]
pats = [r"a", r"abc", r"a*", r"a+", r"a?", r"a*?", r"a+?", r"a??", r"a{2}", r"a{2,}", r"a{,2}", r"a{1,2}", r"a{1,2}?",
        r".", r".*", r".*?", r"[abc]+", r"[^abc]+", r"[a-c]+", r"[-a]", r"[a-]", r"[]a]", r"[^]a]+", r"[\d.]+",
        r"\d+", r"\D+", r"\w+", r"\W+", r"\s+", r"\S+", r"\bab", r"c\b", r"\Bb", r"^a", r"c$", r"$", r"^", r"\Aab",
        r"c\Z", r"(a)(b)?", r"(a|ab)(c|bcd)?", r"(?:ab)+", r"(a*)*", r"(a*)+", r"(a|b)*c", r"(?P<x>\d+)\.(?P<y>\d+)",
        r"(\d+\.){3}\d+", r"(\d+\.){3}\d+(:\d+)?", r"blk_-?\d+", r"x{2}", r"x{", r"x{a}", r"x{2,1a}", r"\{", r"a|",
        r"|a", r"a||b", r"()", r"(?:)", r"(|a)+", r"[\w-]+", r"([\w-]+\.){2,}[\w-]+", r"\b[KGTM]?B\b", r"0x.*?\s",
        r"/.+?\s", r"(/|)(\d+\.){3}\d+(:\d+)?", r"=\d+", r"core\.\d+", r"<\d+\ssec", r"\d{2}:\d{2}(:\d{2})*",
        r"(/[\w-]+)+", r"\b(\-?\+?\d+)\b|\b0[Xx][a-fA-F\d]+\b|\b[a-fA-F\d]{4,}\b", r"((\d+\.){3}\d+,?)+",
        r"[é-ï]+", r"[^\x00-\x7f]+", r"\u00e9", r"\x41", r"\101", r"\0", r"\t", r"[\t ]+", r"[\s\d]+", r"[^\s]+",
        r"\w+\b", r"\$", r"\.\*", r"(a)|b", r"(?#comment)a", r"a(?#c)*", r"(?:a*)*b", r"(?:^)*a", r"[\b]", r"\\",
        r"(.)(.)(.)", r"(?P<n>a)(?:b(?P<m>c))?", r"a\nb", r"foo$", r"^foo$", r"o+\b", r"\s*$", r"x*", r"\b",
        r"[A-Za-z]+(?:_\d+)?", r"(a+)+b", r"(x+x+)+y", r"[^\d\s]+", r"[\D]", r"\d\d?\d?"]
for p in pats:
    for i, t in enumerate(texts):
        case_search(p, t)
        if i % 2 == 0: case_sub(p, t)
    for t in texts[::4]:
        case_match(p, t)
        case_full(p, t)
        if len(t) > 3:
            case_search(p, t, 2)
for p in [r"\d+", r"\b\w", r"^a", r"a$", r"(?<=x)"][:4]:
    case_search(p, "a1b22c333", 3)
    case_match(p, "a1b22c333", 3)

# ---- errors (Python's position)
for p in [r"(ab", r"ab)", r"[ab", r"*a", r"a**", r"a{2}{3}", r"+", r"?", r"{2}", r"a{3,2}", r"[z-a]", r"\q", r"[\q]",
          r"x\z", r"[\d-z]", r"(?P<1a>x)", r"(?P<a>x)(?P<a>y)", r"(?Q)", r"\x4", r"\u12", r"[a-\d]", r"a|*",
          r"(", r")", r"[", r"[]", r"[^]", r"\ ", r"(?P<>x)", r"x{2}*", r"^*", r"\b+", r"a(?#unterminated"]:
    if p == r"\ ": continue
    case_err(p)

# ---- Loghub masks and header formats on real lines
try:
    settings = json.load(open(os.path.join(DATA, "loghub2k", "settings.json")))
except OSError:
    sys.exit("reference data not found under " + DATA)

def fmt_regex(lf):
    sp = re.split(r"(<[^<>]+>)", lf)
    rx = ""
    for k, part in enumerate(sp):
        if k % 2 == 0: rx += re.sub(" +", "\\\\s+", part)
        else: rx += "(?P<%s>.*?)" % part.strip("<").strip(">")
    return "^" + rx + "$"

for name in settings["order"]:
    s = settings["datasets"][name]
    with open(os.path.join(DATA, "loghub2k", name, name + "_2k.log"), encoding="utf-8") as f:
        raw = f.read().splitlines()
    sample = raw[::250][:8]
    hx = fmt_regex(s["log_format"])
    for line in sample:
        line = line.strip()
        case_search(hx, line)
        m = re.compile(hx).search(line)
        content = m.group("Content") if m else line
        for p in s["regex"]:
            case_sub(p, content)
            case_search(p, content)

# ---- random patterns (grammar over a small alphabet) against random texts
rnd = random.Random(20240607)
atoms = ["a", "b", "c", ".", r"\d", r"\w", r"\s", r"\W", "[ab]", "[^a]", "[a-c1]", "1", " ", "x", r"\.", "é"]
def rpat(d=0):
    k = rnd.random()
    if d > 3 or k < 0.35:
        s = rnd.choice(atoms)
    elif k < 0.55:
        s = rpat(d + 1) + rpat(d + 1)
    elif k < 0.65:
        s = rpat(d + 1) + "|" + rpat(d + 1)
    elif k < 0.8:
        s = "(" + ("?:" if rnd.random() < 0.3 else "") + rpat(d + 1) + ")"
    else:
        s = rpat(d + 1)
        if not s.endswith(("*", "+", "?", "}")) and not s.startswith(("^",)):
            s = "(?:" + s + ")" + rnd.choice(["*", "+", "?", "*?", "+?", "??", "{2}", "{1,3}", "{0,2}?", "{2,}"])
    if d == 0 and rnd.random() < 0.1: s = "^" + s
    if d == 0 and rnd.random() < 0.1: s = s + "$"
    if d == 0 and rnd.random() < 0.1: s = r"\b" + s
    return s
alpha = "abcx1 .é\n"
for _ in range(500):
    p = rpat()
    try: re.compile(p)
    except re.error: continue
    t = "".join(rnd.choice(alpha) for _ in range(rnd.randint(0, 14)))
    case_search(p, t)
    case_sub(p, t, "#")
    if rnd.random() < 0.3: case_full(p, t)

with open(OUT, "w", encoding="utf-8", newline="\n") as f:
    f.write("# generated by tests/tools/gen_regex_cases.py with Python %s re; do not edit\n" % sys.version.split()[0])
    for l in lines: f.write(l + "\n")
print("%d cases -> %s" % (len(lines), OUT))
