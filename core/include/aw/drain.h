/* aw/drain.h - Drain log parsing (He et al., "Drain: An Online Log Parsing Approach with Fixed
 * Depth Tree", ICWS 2017) with the features of IBM's Drain3.
 *
 * A message (the content part of a log line) is masked (Section III-B step 1, "preprocess by
 * domain knowledge": regexes replaced by "<*>" or by a named mask "<IP>"), split into tokens on
 * white space, routed through a fixed-depth tree (step 2: the first layer by token count, step 3:
 * the next depth-2 layers by the leading tokens, tokens containing digits going to the "<*>"
 * branch, at most max_children children per node) to a leaf, where the most similar cluster is
 * chosen (step 4, Eq. 1: simSeq = sum equ(t1, t2) / n, ties broken by the larger number of
 * parameters) if its similarity reaches st; the cluster's template then has "<*>" wherever the
 * message differs (step 5). Otherwise a new cluster is created and added to the tree.
 *
 * The defaults reproduce logpai's Drain.py (the implementation behind the published Loghub
 * accuracy), including its corner cases: messages shorter than depth-2 tokens never enter the
 * tree (each is its own cluster; identical ones share one here, which is observably the same
 * because clusters are reported by template), and only the template side's "<*>" counts as a
 * parameter. Options switch on Drain3's behaviour and three improvements (docs/drain.md).
 *
 * Streaming: feed messages one by one with aw_drain_add; memory grows with the number of
 * clusters and distinct template tokens, not with the number of messages (no per-message
 * allocation once buffers have grown).
 *
 *   aw_drain_opts o; aw_drain_opts_default(&o); o.st = 0.5; o.depth = 4;
 *   aw_drain *d = aw_drain_new(&o, &err);
 *   aw_drain_add_mask(d, "blk_-?\\d+", NULL, &err);          // replaced by "<*>"
 *   aw_drain_add_mask(d, "(\\d+\\.){3}\\d+", "IP", &err);     // replaced by "<IP>"
 *   aw_drain_result r;
 *   aw_drain_add(d, msg, len, &r, &err);                       // r.cluster_id, r.change
 *   const char *t = aw_drain_template(d, r.cluster_id, &tlen); // "Receiving block <*> src: <IP>"
 *   aw_drain_free(d);
 */
#ifndef AW_DRAIN_H
#define AW_DRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "aw/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aw_drain aw_drain;

/* How similarity (Eq. 1) treats wildcards. */
typedef enum aw_drain_similarity {
  AW_DRAIN_SIM_LOGPAI = 0, /* logpai Drain.py: equal tokens / n; a template "<*>" never counts
                              (default) */
  AW_DRAIN_SIM_DRAIN3 = 1, /* Drain3's include_params: template "<*>" positions count as equal */
  AW_DRAIN_SIM_FIT = 2     /* improvement: a message that fits the template (every constant token
                              equal, "<*>" inside a token matching any text) matches it; template
                              tokens that carry a mask ("<*>:", "/<IP>") are left out of the ratio */
} aw_drain_similarity;

/* How messages with fewer tokens than the tree needs are handled. */
typedef enum aw_drain_short {
  AW_DRAIN_SHORT_LOGPAI = 0, /* logpai Drain.py: fewer than depth-2 tokens never enter the tree,
                                so only identical short messages group (default) */
  AW_DRAIN_SHORT_DRAIN3 = 1, /* Drain3: the leaf is reached after token_count-1 tokens, so the
                                last token is only compared by similarity (over-merges) */
  AW_DRAIN_SHORT_SHAPE = 2   /* improvement: every token of a short message routes through the
                                tree (digits to "<*>"), and tokens with the same digit shape
                                ("steps=1514##7007" / "steps=1514##7008") are equal; the template
                                keeps the runs that agree ("steps=1514##<*>") */
} aw_drain_short;

typedef struct aw_drain_opts {
  double st;                 /* similarity threshold, 0..1 (default 0.4, logpai's and Drain3's) */
  size_t depth;              /* tree depth counting root and length layer, >= 3 (default 4) */
  size_t max_children;       /* max children of an internal node, >= 2 (default 100) */
  size_t max_clusters;       /* 0 = unlimited (default); else least-recently-used clusters are
                                evicted (Drain3's max_clusters) */
  int parametrize_numeric_tokens; /* 1 (default): tokens with digits take the "<*>" branch */
  const char *const *extra_delimiters; /* strings replaced by a space before splitting (Drain3);
                                          copied by aw_drain_new; may be NULL */
  size_t n_extra_delimiters;
  const char *mask_prefix;   /* default "<" (the wildcard is prefix "*" suffix) */
  const char *mask_suffix;   /* default ">" */
  /* improvements, all off by default (docs/drain.md has their measured effect on Loghub) */
  int similarity;            /* aw_drain_similarity */
  int short_messages;        /* aw_drain_short */
  int variable_length;       /* clusters whose templates differ only by parameter tokens (a variable
                                part with a variable number of tokens) are reported as one event */
  int refine_tokens;         /* a token that differs keeps the common prefix/suffix that a value
                                delimiter bounds ("user=<*>", "<*>)") instead of becoming "<*>", and
                                template tokens that are plain numbers print as "<*>" */
} aw_drain_opts;

/* logpai's defaults (st 0.4, depth 4, max_children 100) with every improvement off. */
void aw_drain_opts_default(aw_drain_opts *o);
/* Turns every improvement on (similarity FIT, short messages SHAPE, variable_length,
 * refine_tokens), leaving the other fields as they are. */
void aw_drain_opts_improved(aw_drain_opts *o);

/* Creates a parser. opts may be NULL (defaults). Checks the options (AW_ERR_RANGE naming the bad
 * one). The caller owns opts; strings are copied. */
aw_drain *aw_drain_new(const aw_drain_opts *opts, aw_error *err);
void aw_drain_free(aw_drain *d);
/* The options in use (owned by d). */
const aw_drain_opts *aw_drain_get_opts(const aw_drain *d);
/* Changes the similarity threshold (e.g. after loading a snapshot). */
aw_status aw_drain_set_st(aw_drain *d, double st, aw_error *err);

/* Adds a mask applied (in the order added) before tokenising, like Python's re.sub(pattern,
 * replacement, message). name NULL or "*" replaces with the wildcard "<*>", otherwise with
 * prefix + name + suffix ("<IP>"). A pattern that does not compile gives an error naming it and
 * the position (mask_index is its 0-based number in messages: "mask 2 ..."). */
aw_status aw_drain_add_mask(aw_drain *d, const char *pattern, const char *name, aw_error *err);
size_t aw_drain_mask_count(const aw_drain *d);

/* What aw_drain_add did. */
typedef enum aw_drain_change {
  AW_DRAIN_NONE = 0,      /* matched a cluster, template unchanged */
  AW_DRAIN_CREATED = 1,   /* a new cluster */
  AW_DRAIN_UPDATED = 2    /* matched a cluster whose template gained a "<*>" */
} aw_drain_change;

typedef struct aw_drain_result {
  uint32_t cluster_id;    /* 1-based; stable for the life of the cluster */
  uint32_t group_id;      /* the event the message belongs to: == cluster_id unless the
                             variable-length improvement joined clusters (then the group's
                             oldest cluster; see aw_drain_group) */
  aw_drain_change change;
  uint64_t cluster_size;  /* messages in the cluster so far */
} aw_drain_result;

/* Parses one message (bytes, any content; not NUL-terminated). res may be NULL. Errors only on
 * out-of-memory. */
aw_status aw_drain_add(aw_drain *d, const char *msg, size_t len, aw_drain_result *res, aw_error *err);

/* Read-only matching against the current model (Drain3's match()): the message must equal a
 * template on every non-"<*>" token. strategy: 0 "never" (tree search only), 1 "fallback" (then
 * all clusters of the same length), 2 "always" (all clusters of the same length). Sets
 * *cluster_id (0 = no match). Never changes the model. */
aw_status aw_drain_match(aw_drain *d, const char *msg, size_t len, int strategy, uint32_t *cluster_id, aw_error *err);

/* ---- the model ---- */

/* Number of live clusters, and the largest id handed out (ids are 1..max, some may be evicted). */
size_t aw_drain_cluster_count(const aw_drain *d);
uint32_t aw_drain_max_cluster_id(const aw_drain *d);
/* The group (event) of cluster id: its oldest member, id itself when not joined; 0 if unknown.
 * Groups only ever merge, so resolve stored ids again at the end of a run. */
uint32_t aw_drain_group(const aw_drain *d, uint32_t id);
/* Messages in the group of cluster id. */
uint64_t aw_drain_group_size(const aw_drain *d, uint32_t id);
/* 1 if cluster id is live. */
int aw_drain_cluster_exists(const aw_drain *d, uint32_t id);
/* Messages assigned to cluster id (0 if unknown). */
uint64_t aw_drain_cluster_size(const aw_drain *d, uint32_t id);
/* Number of tokens of the template of cluster id. */
size_t aw_drain_cluster_tokens(const aw_drain *d, uint32_t id);
/* The template of cluster id: tokens joined by single spaces. The pointer is owned by d and
 * valid until the next call into d; *len gets the length (may be NULL). NULL if unknown. */
const char *aw_drain_template(aw_drain *d, uint32_t id, size_t *len);
/* Calls fn for every live cluster in id order; fn returns non-zero to stop. */
typedef int (*aw_drain_cluster_fn)(void *ud, uint32_t id, uint64_t size, const char *tmpl, size_t tmpl_len);
void aw_drain_foreach(aw_drain *d, aw_drain_cluster_fn fn, void *ud);

/* Logpai's event id of a template: the first 8 hex digits of its MD5 (out gets 9 bytes). */
void aw_drain_event_id(const char *tmpl, size_t len, char out[9]);

/* Parameters of msg under template tmpl the way logpai's get_parameter_list finds them: "<...>"
 * placeholders of up to 5 characters become lazy groups, every other character must match
 * literally, spaces match runs of white space, anchored at both ends. Calls fn(ud, index, value,
 * value_len, placeholder, placeholder_len) for each parameter (placeholder is the text between
 * '<' and '>', e.g. "*" or "IP"). Returns the number of parameters (0 when the message does not
 * fit the template), or -1 on error (err says why). Uses d's regex cache. */
typedef void (*aw_drain_param_fn)(void *ud, size_t index, const char *value, size_t len, const char *name,
                                  size_t name_len);
long aw_drain_params(aw_drain *d, const char *tmpl, size_t tmpl_len, const char *msg, size_t len, aw_drain_param_fn fn,
                     void *ud, aw_error *err);

/* Statistics. */
typedef struct aw_drain_stats {
  uint64_t messages;      /* aw_drain_add calls */
  uint64_t clusters_created;
  uint64_t clusters_evicted;
  uint64_t tree_nodes;
  uint64_t tokens_interned;  /* distinct tokens currently held by templates and the tree */
  uint64_t variable_length_joins; /* messages placed by the variable-length improvement */
  size_t memory_bytes;    /* approximate heap held by the model */
} aw_drain_stats;
void aw_drain_get_stats(const aw_drain *d, aw_drain_stats *st);

/* ---- snapshots ---- */

#define AW_DRAIN_SNAPSHOT_VERSION 1

/* Serialises the whole model (options, masks, clusters with their LRU order, the tree) as JSON
 * {"format":"aw-drain","version":1,...}. Appends to *out. */
aw_status aw_drain_save(const aw_drain *d, aw_buf *out, aw_error *err);
/* Builds a new parser from a snapshot (json[0..len)). A truncated or malformed snapshot gives
 * AW_ERR_PARSE (with line/column), another format or version AW_ERR_VERSION, an inconsistent one
 * AW_ERR_PARSE naming the problem; *out is only set on success. name labels messages (may be
 * NULL). */
aw_status aw_drain_load(const char *json, size_t len, const char *name, aw_drain **out, aw_error *err);

/* Same as aw_drain_save, into a new NUL-terminated string (free it with free(); in WASM the
 * exported _free). *len gets its length. NULL on error. */
char *aw_drain_save_alloc(const aw_drain *d, size_t *len, aw_error *err);

/* Parameter spans for the worker: fills starts[i], ends[i] (byte offsets into msg) for at most max
 * parameters of msg under template tmpl (aw_drain_params' rules); returns the parameter count
 * (may exceed max), 0 when the message does not fit, -1 on error. */
long aw_drain_param_spans(aw_drain *d, const char *tmpl, size_t tmpl_len, const char *msg, size_t len, uint32_t *starts,
                          uint32_t *ends, size_t max, aw_error *err);

/* ---- streaming a log through a log format into Drain (for the web worker) ----
 *
 *   aw_drain_stream *s = aw_drain_stream_new(d, &logfmt_opts, &err);    // d is borrowed
 *   aw_drain_stream_set_progress(s, &progress, file_size);
 *   for each chunk: aw_drain_stream_feed(s, bytes, n, &err);            // any chunk size
 *       n = aw_drain_stream_count(s);                                 // lines parsed so far
 *       read aw_drain_stream_clusters(s)[0..n), _times, _lines, _offsets; then
 *       aw_drain_stream_clear(s);                                     // results handed over
 *   aw_drain_stream_finish(s, &err);
 *   aw_drain_stream_free(s);
 *
 * Per delivered line the stream stores the cluster id (resolve groups and final templates with
 * aw_drain_group / aw_drain_template at any time), the time (unix s, NaN if none), the physical
 * line number and the line's byte offset in the input. Arrays are owned by the stream and valid
 * until the next feed/finish/clear. Progress is reported after each chunk (fraction of
 * total_bytes, stage "parse"); a non-zero return from the callback makes feed return
 * AW_ERR_CANCELLED - the lines parsed before stay in the model and the arrays. */
typedef struct aw_drain_stream aw_drain_stream;
struct aw_logfmt_opts;
aw_drain_stream *aw_drain_stream_new(aw_drain *d, const struct aw_logfmt_opts *format, aw_error *err);
void aw_drain_stream_free(aw_drain_stream *s);
void aw_drain_stream_set_progress(aw_drain_stream *s, const aw_progress *p, uint64_t total_bytes);
/* match_only: use aw_drain_match (read-only, frozen model; id 0 = no template) instead of add. */
void aw_drain_stream_set_match_only(aw_drain_stream *s, int strategy_or_minus1);
aw_status aw_drain_stream_feed(aw_drain_stream *s, const void *data, size_t n, aw_error *err);
/* One complete line (e.g. the Log cell of a CSV row), numbered line_no by the caller. */
aw_status aw_drain_stream_line(aw_drain_stream *s, const char *text, size_t n, uint64_t line_no, aw_error *err);
aw_status aw_drain_stream_finish(aw_drain_stream *s, aw_error *err);
size_t aw_drain_stream_count(const aw_drain_stream *s);
const uint32_t *aw_drain_stream_clusters(const aw_drain_stream *s);
const double *aw_drain_stream_times(const aw_drain_stream *s);
const uint64_t *aw_drain_stream_lines(const aw_drain_stream *s);
const uint64_t *aw_drain_stream_offsets(const aw_drain_stream *s);
void aw_drain_stream_clear(aw_drain_stream *s);
/* The log-format reader inside (its stats, field names and issue list). */
const struct aw_logfmt *aw_drain_stream_format(const aw_drain_stream *s);

#ifdef __cplusplus
}
#endif
#endif
