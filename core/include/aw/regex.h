/* aw/regex.h - a regular-expression matcher for the Python `re` syntax used by log-parsing masks.
 *
 * Why our own: the platform's <regex.h> is POSIX (no `\d`, lazy `*?`, `(?:...)`), differs between
 * glibc and Emscripten's musl, and is slow. This matcher accepts the syntax of Python's `re`
 * module that Loghub's and Drain3's masking rules use, gives Python's results (leftmost match,
 * alternatives and quantifiers tried in Python's order, Python 3.7+ rules for empty matches in
 * sub), and gives the same results natively and in WASM (integer code only, no locale).
 *
 *   aw_regex *re;
 *   if (aw_regex_compile("blk_-?\\d+", SIZE_MAX, &re, &err)) ... // err: pattern and position
 *   aw_buf out = {0}; size_t k;
 *   aw_regex_sub(re, line, len, "<*>", 3, &out, &k, &err);     // like re.sub(p, "<*>", line)
 *   aw_regex_free(re);
 *
 * Syntax: literals; `.` (any character but \n); `[...]` / `[^...]` with ranges and escapes;
 * `\d \D \w \W \s \S` (also inside classes); `\b \B \A \Z ^ $` (no MULTILINE: `^` only at the
 * start, `$` at the end or before a final \n); groups `(...)`, `(?:...)`, `(?P<name>...)`,
 * comments `(?#...)`; alternation `|`; `* + ? {m} {m,} {,n} {m,n}` greedy and lazy (`*?` ...);
 * escapes `\t \n \r \f \v \a \\ \x41 \u00e9 \U0001F600 \0 \123` and escaped punctuation. A `{` that
 * does not form a valid quantifier is a literal, as in Python. Not supported (a compile error
 * that says so): backreferences, lookaround, atomic groups, possessive quantifiers, inline flags,
 * `\N{...}`.
 *
 * Text is UTF-8: `.`, classes and `{m,n}` count characters (code points), not bytes. A byte that
 * is not part of valid UTF-8 is one character of its own that is neither word, digit nor space.
 * `\d \w \s \b` follow Python's Unicode definitions for ASCII and whitespace exactly and for
 * other scripts by tables (see core/src/internal/utf8.h and docs/drain.md).
 *
 * Work bound: the matcher is a backtracking VM with a visited set over (instruction, position),
 * so each state is explored at most once per search: a search costs O(program size x text
 * length) steps whatever the pattern (no catastrophic backtracking), plus a memo bitmap of
 * program size x text length bits. When that bitmap would exceed AW_REGEX_BITSTATE_MAX_BITS the
 * matcher switches to a Pike VM (same results, O(program size) memory). Unanchored searches skip
 * start positions whose byte cannot begin a match (first-byte set / literal prefix).
 *
 * Thread safety: an aw_regex keeps its scratch memory, so one compiled regex must not be used by
 * two threads at once (compile one per thread; compiling is cheap).
 */
#ifndef AW_REGEX_H
#define AW_REGEX_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aw_regex aw_regex;

/* A match or group position (byte offsets into the text). start == AW_REGEX_UNSET when a group
 * did not take part in the match. */
typedef struct aw_regex_span {
  size_t start, end;
} aw_regex_span;
#define AW_REGEX_UNSET ((size_t)-1)

/* Longest pattern accepted, and the largest program after expanding counted repeats of groups. */
#define AW_REGEX_MAX_PATTERN ((size_t)1 << 16)
#define AW_REGEX_MAX_PROGRAM ((size_t)20000)
/* Above this memo size (bits) a search runs on the Pike VM instead of the backtracker. */
#define AW_REGEX_BITSTATE_MAX_BITS ((size_t)1 << 25)

/* Compiles pattern[0..len) (len == SIZE_MAX: NUL-terminated). On success *out owns a new regex
 * (free it with aw_regex_free). On a syntax error returns AW_ERR_PARSE with a message like
 * `regex "(ab": missing ), unterminated subpattern at position 0` and err->column = position + 1;
 * unsupported syntax gives AW_ERR_UNSUPPORTED, an oversized pattern AW_ERR_LIMIT. */
aw_status aw_regex_compile(const char *pattern, size_t len, aw_regex **out, aw_error *err);
void aw_regex_free(aw_regex *re);

/* The pattern text (NUL-terminated, owned by re). */
const char *aw_regex_pattern(const aw_regex *re);
/* Number of capturing groups (group 0, the whole match, not counted). */
size_t aw_regex_group_count(const aw_regex *re);
/* Index (1-based) of the group named `name`, or 0 if there is none. */
size_t aw_regex_group_index(const aw_regex *re, const char *name);
/* Name of group i (1-based), or NULL if unnamed/out of range. Owned by re. */
const char *aw_regex_group_name(const aw_regex *re, size_t i);
/* 1 if the pattern can match the empty string. */
int aw_regex_nullable(const aw_regex *re);

/* For callers that cut text into white-space separated tokens (Drain's masks): 1 when every
 * match is non-empty and contains no white space (Python's str.isspace()), and the pattern has no
 * `^ $ \A \Z`. Then re.sub over a text equals re.sub over each of its white-space separated
 * tokens on its own (a match cannot cross or touch white space, and `\b \B` see a non-word
 * neighbour either way: the white space, or the token's end). */
int aw_regex_token_local(const aw_regex *re);
/* 1 when every match contains a decimal digit (ASCII or Unicode, what `\d` matches); 0 when
 * that is not known. */
int aw_regex_needs_digit(const aw_regex *re);
/* Byte filters (bit b of w[b >> 6] = byte b): first = bytes a match can begin with (a superset;
 * all ones when a match can be empty), required = ASCII bytes that every match contains (a
 * subset). Text without a first byte, or missing a required byte, holds no match. */
void aw_regex_byte_filter(const aw_regex *re, uint64_t first[4], uint64_t required[4]);

/* Searches text[0..n) for the first match starting at or after `from` (Python's
 * pattern.search(text, from): `^` and `\b` still see the whole text). Fills spans[0] (the match)
 * and spans[1..nspans-1] (groups; extra entries are set to AW_REGEX_UNSET). spans may be NULL
 * when nspans == 0. Returns 1 on a match, 0 when there is none, -1 when out of memory. */
int aw_regex_search(aw_regex *re, const char *text, size_t n, size_t from, aw_regex_span *spans, size_t nspans);
/* Like aw_regex_search, anchored at `from` (Python's pattern.match(text, from)). */
int aw_regex_match(aw_regex *re, const char *text, size_t n, size_t from, aw_regex_span *spans, size_t nspans);
/* Python's pattern.fullmatch(text): the match must cover all of text[0..n). */
int aw_regex_fullmatch(aw_regex *re, const char *text, size_t n, aw_regex_span *spans, size_t nspans);

/* Python's re.sub(pattern, repl, text) with a literal replacement (no group references):
 * appends the result to *out (not NUL-terminated; call aw_buf_terminate if needed) and stores the
 * number of replacements in *count (may be NULL). Empty matches follow Python 3.7+: an empty
 * match right after a previous match is allowed, but not two matches at the same place. */
aw_status aw_regex_sub(aw_regex *re, const char *text, size_t n, const char *repl, size_t repl_len, aw_buf *out,
                       size_t *count, aw_error *err);

/* Calls fn for each match, like Python's re.finditer (same empty-match rules as sub). fn gets
 * spans[0..nspans) and returns 0 to continue, non-zero to stop. Returns the number of matches
 * visited, or -1 when out of memory. */
typedef int (*aw_regex_each_fn)(void *ud, const aw_regex_span *spans, size_t nspans);
long aw_regex_foreach(aw_regex *re, const char *text, size_t n, aw_regex_span *spans, size_t nspans,
                      aw_regex_each_fn fn, void *ud);

/* Forces one engine (for tests and the fuzzer, which compare the two): 0 = automatic (default),
 * 1 = backtracker whatever the size, 2 = Pike VM. */
void aw_regex_set_engine(aw_regex *re, int engine);

#ifdef __cplusplus
}
#endif
#endif
