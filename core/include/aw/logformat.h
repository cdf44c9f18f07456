/* aw/logformat.h - splits raw log text into lines, header fields, a message and a timestamp.
 *
 * Three kinds of input:
 *  - AW_LOGFMT_PATTERN: logpai `log_format` strings, "<Date> <Time> <Level> <Component>: <Content>":
 *    each <Field> becomes a lazy group (?P<Field>.*?), runs of spaces match runs of white space
 *    (\s+), everything else is regex syntax as in the Loghub settings (`\[`, optional groups such
 *    as "(\[<PID>\])?"), the whole anchored ^...$ and matched against the line with leading and
 *    trailing white space removed - exactly what logpai's generate_logformat_regex does.
 *  - AW_LOGFMT_JSON: one JSON object per line; the message is the string field `content_field`
 *    (e.g. "log" for Docker's json-file envelopes {"log":"...\n","stream":"stdout","time":"..."},
 *    "message", "msg"), the time the field `time_field`; optionally `inner_format` (a log_format)
 *    is applied to the message to split its own header (Nezha's Train-Ticket logs).
 *  - AW_LOGFMT_PLAIN: the whole line is the message.
 *
 * Streaming: aw_logfmt_feed takes chunks of any size (a line may span chunks, a CRLF may be split);
 * line ends are LF, CRLF or a lone CR (Python's universal newlines, which logpai's reader uses).
 * aw_logfmt_line_in takes one already separated line (e.g. a CSV cell). For each non-blank line
 * the callback gets the fields, the message and the time. Nothing is dropped silently:
 *  - a line that does not match the format is counted and listed as an issue ("no-match") and, by
 *    default, still passed on with the whole line as its message and no header fields;
 *  - bytes that are not UTF-8, and NUL bytes, are replaced by U+FFFD and the line is listed
 *    ("utf8", "nul");
 *  - a line longer than max_line is cut to max_line bytes (at a character boundary) and listed
 *    ("too-long"); the rest of it is skipped in bounded memory;
 *  - blank lines are counted (stats.blank_lines) and not passed on.
 * The issue list keeps the first max_issues entries (line number, kind, reason); the counts are
 * always exact.
 *
 * Timestamps (unix seconds, UTC, NaN when absent or unparsable) come from the header fields:
 * `time_field` names them ("Date,Time"), or, when NULL, a field named Timestamp holding a number,
 * else the fields named Date/Time/Month/Day/Year/DateTime/Timestamp in format order, joined by
 * spaces. The text is read with `time_format` (strptime-like, see aw_logfmt_parse_time) or, when
 * NULL, by automatic detection of the formats in the Loghub samples and ISO 8601.
 */
#ifndef AW_LOGFORMAT_H
#define AW_LOGFORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum aw_logfmt_kind { AW_LOGFMT_PLAIN = 0, AW_LOGFMT_PATTERN = 1, AW_LOGFMT_JSON = 2 } aw_logfmt_kind;

typedef enum aw_logfmt_unmatched {
  AW_LOGFMT_UNMATCHED_CONTENT = 0, /* pass the line on with the whole line as message (default) */
  AW_LOGFMT_UNMATCHED_SKIP = 1     /* logpai's behaviour: list it, do not pass it on */
} aw_logfmt_unmatched;

typedef struct aw_logfmt_opts {
  aw_logfmt_kind kind;
  const char *log_format;    /* PATTERN: the logpai format string */
  const char *content_field; /* PATTERN: default "Content"; JSON: default "log" */
  const char *time_field;    /* header field(s) for the time, comma-separated; NULL = automatic
                                (JSON: default "time") */
  const char *time_format;   /* strptime-like format of the time text; NULL = automatic */
  const char *inner_format;  /* JSON: a log_format applied to the message (may be NULL) */
  int default_year;          /* year for times without one (syslog "Jun 14 15:16:01"); default 1970 */
  size_t max_line;           /* bytes; default 1 MiB (AW_LOGFMT_DEFAULT_MAX_LINE) */
  int unmatched;             /* aw_logfmt_unmatched */
  size_t max_issues;         /* issues kept in the list; default 1000 */
  const char *name;          /* input name for messages (copied) */
  int no_fast_path;          /* testing: always use the format regex and detect every time afresh
                                (the fast splitter and the reused time format give the same
                                results; tests compare the two) */
} aw_logfmt_opts;

#define AW_LOGFMT_DEFAULT_MAX_LINE ((size_t)1 << 20)

void aw_logfmt_opts_default(aw_logfmt_opts *o);

/* Line flags. */
#define AW_LOGFMT_F_UTF8 1u      /* invalid UTF-8 was replaced */
#define AW_LOGFMT_F_NUL 2u       /* NUL bytes were replaced */
#define AW_LOGFMT_F_TRUNCATED 4u /* the line was cut to max_line */
#define AW_LOGFMT_F_NOMATCH 8u   /* the format did not match (fields are empty) */

typedef struct aw_logfmt_field {
  const char *value;
  size_t len;
} aw_logfmt_field;

/* One line, valid only during the callback. */
typedef struct aw_logfmt_line {
  uint64_t line;                 /* 1-based physical line number (or the caller's, for line_in) */
  uint64_t offset;               /* byte offset of the line in the input (feed); 0 for line_in */
  const char *text;              /* the line, sanitised and stripped */
  size_t text_len;
  const char *content;           /* the message */
  size_t content_len;
  size_t nfields;                /* == aw_logfmt_field_count(); values empty when unmatched */
  const aw_logfmt_field *fields;
  double time;                   /* unix seconds (UTC), NaN if none */
  unsigned flags;                /* AW_LOGFMT_F_* */
} aw_logfmt_line;

typedef aw_status (*aw_logfmt_line_fn)(void *ud, const aw_logfmt_line *ln, aw_error *err);

typedef struct aw_logfmt aw_logfmt;

typedef struct aw_logfmt_stats {
  uint64_t bytes;
  uint64_t lines;          /* physical lines (including blank ones) */
  uint64_t delivered;      /* lines passed to the callback */
  uint64_t blank_lines;
  uint64_t unmatched;      /* lines the format did not match */
  uint64_t utf8_fixed, nul_fixed, truncated;
  uint64_t no_time;        /* delivered lines without a parsable timestamp (when a time is sought) */
  uint64_t issues;         /* all issues (the list may hold fewer) */
} aw_logfmt_stats;

typedef struct aw_logfmt_issue {
  uint64_t line;
  const char *kind;        /* "no-match", "utf8", "nul", "too-long", "json", "time" */
  const char *message;     /* owned by the reader */
} aw_logfmt_issue;

/* Creates a reader; fn (borrowed, may not be NULL) gets each line. A log_format that does not
 * compile gives AW_ERR_PARSE naming the format and the position. */
aw_logfmt *aw_logfmt_new(const aw_logfmt_opts *opts, aw_logfmt_line_fn fn, void *ud, aw_error *err);
void aw_logfmt_free(aw_logfmt *lf);
/* Feeds n bytes; returns AW_OK or the status a callback returned. Every complete line in the
 * bytes reaches the callback, in order, before it returns - in batches of up to 128 lines (the
 * header parsing of a batch first, then the callbacks), so during a callback the reader's stats
 * may already count a few later lines. After a callback's error no further line is delivered. */
aw_status aw_logfmt_feed(aw_logfmt *lf, const void *data, size_t n, aw_error *err);
/* Ends the input (delivers a last line without a line end). */
aw_status aw_logfmt_finish(aw_logfmt *lf, aw_error *err);
/* One complete line (no line end inside), numbered line_no by the caller. */
aw_status aw_logfmt_line_in(aw_logfmt *lf, const char *text, size_t n, uint64_t line_no, aw_error *err);

const aw_logfmt_stats *aw_logfmt_get_stats(const aw_logfmt *lf);
size_t aw_logfmt_field_count(const aw_logfmt *lf);
/* Name of header field i (owned by lf). */
const char *aw_logfmt_field_name(const aw_logfmt *lf, size_t i);
/* Index of the message field among the header fields, or (size_t)-1 if it is not one. */
size_t aw_logfmt_content_index(const aw_logfmt *lf);
size_t aw_logfmt_issue_count(const aw_logfmt *lf);
const aw_logfmt_issue *aw_logfmt_issue_at(const aw_logfmt *lf, size_t i);

/* Parses a timestamp text into unix seconds (UTC). fmt NULL: automatic detection (unix
 * seconds/ms/us/ns numbers, ISO 8601, and the Loghub forms: "081109 203615", "17/06/09
 * 20:10:40", "2015-10-18 18:01:47,978", "2005-06-03-15.42.50.675872", "Jun 14 15:16:01",
 * "03-17 16:13:38.811", "20171223-22:15:29:606", "Sun Dec 04 04:47:44 2005", "10.30 16:49:06").
 * fmt given: strptime-like directives %Y %y %m %d %e %H %M %S %f (fraction) %b %B %h (month
 * name) %a %A (weekday, ignored) %j (day of year) %z (Z, +hh[:]mm) %s (epoch seconds) %%; a space
 * matches any run of white space; other characters match themselves. Times without a year use
 * default_year; without a zone they are UTC. Returns 1 and sets *out, or 0. */
int aw_logfmt_parse_time(const char *text, size_t n, const char *fmt, int default_year, double *out);

#ifdef __cplusplus
}
#endif
#endif
