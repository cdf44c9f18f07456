/* aw parse - Drain log parsing with Loghub's output conventions.
 *
 * Two passes over the input file: the first parses (and learns the model), the second writes
 * OUTDIR/<name>_structured.csv with each line's final template (as logpai's Drain does) and
 * OUTDIR/<name>_templates.csv. Memory: the model plus 4 bytes per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aw/drain.h"
#include "aw/logformat.h"
#include "cJSON.h"
#include "cli.h"

#define MAX_MASKS 256
#define MAX_DELIMS 64

static const char *USAGE =
    "usage: aw parse [options] INPUT.log -o OUTDIR\n"
    "\n"
    "Parses a log with Drain and writes OUTDIR/<input name>_structured.csv (LineId, the header\n"
    "fields, Content, EventId, EventTemplate, ParameterList) and OUTDIR/<input name>_templates.csv\n"
    "(EventId, EventTemplate, Occurrences), as logpai's Drain does.\n"
    "\n"
    "input format (one of):\n"
    "  --log-format FMT        logpai format, e.g. '<Date> <Time> <Level> <Component>: <Content>'\n"
    "  --json FIELD            JSON lines, message in FIELD (Docker json-file: log)\n"
    "    --inner-format FMT    log format applied to the JSON message\n"
    "  (neither)               plain lines: each line is a message\n"
    "  --time-field F[,G]      header/JSON field(s) holding the time (default: automatic; JSON: time)\n"
    "  --time-format FMT       strptime-like (%Y %m %d %H %M %S %f %b %z %s ...); default: automatic\n"
    "  --default-year Y        year for times without one (default 1970)\n"
    "  --skip-unmatched        do not parse lines that do not match the format (logpai); they are\n"
    "                          listed either way\n"
    "  --settings FILE --dataset NAME   take log_format, masks, st and depth from a Loghub\n"
    "                          settings.json (later options override)\n"
    "Drain:\n"
    "  --mask REGEX[=NAME]     mask (Python re syntax), replaced by <*> or <NAME>; repeatable\n"
    "  --st X                  similarity threshold (default 0.4)\n"
    "  --depth N               tree depth (default 4)\n"
    "  --max-children N        default 100\n"
    "  --max-clusters N        keep at most N clusters, least recently used evicted (default: no limit)\n"
    "  --extra-delimiter S     also split on S; repeatable\n"
    "  --mask-prefix S --mask-suffix S   default < and >\n"
    "  --improved              every improvement below\n"
    "  --similarity logpai|drain3|fit  --short logpai|drain3|shape  --variable-length  --refine\n"
    "  --state-in FILE         start from a saved model (its options apply; --st overrides)\n"
    "  --state-out FILE        save the model after parsing\n"
    "  --chunk BYTES           read size (default 1 MiB)\n"
    "  -q, --quiet             no summary on stderr\n";

typedef struct {
  aw_drain *d;
  uint32_t *ids;
  size_t n, cap;
  /* pass 2 */
  FILE *out;
  aw_logfmt *lf;
  size_t k;
  char **tmpl;      /* per group id: final template (malloc'd), NULL until needed */
  size_t *tmpl_len;
  aw_buf row, plist;
  /* templates in order of first appearance */
  struct tentry {
    char *t;
    size_t len;
    uint64_t count;
  } *te;
  size_t nte, tecap;
  size_t *tht; /* hash table over te indices + 1 */
  size_t thtcap;
  aw_error *err;
} parse_ctx;

static aw_status pass1_line(void *ud, const aw_logfmt_line *ln, aw_error *err) {
  parse_ctx *c = (parse_ctx *)ud;
  aw_drain_result r;
  aw_status st = aw_drain_add(c->d, ln->content, ln->content_len, &r, err);
  if (st) return st;
  if (c->n == c->cap && aw_grow((void **)&c->ids, &c->cap, c->n + 1, sizeof(uint32_t)))
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory (line %llu)", (unsigned long long)ln->line);
  c->ids[c->n++] = r.cluster_id;
  return AW_OK;
}

static aw_status feed_logfmt(void *ud, const char *data, size_t n, aw_error *err) {
  return aw_logfmt_feed((aw_logfmt *)ud, data, n, err);
}

/* CSV field, quoted only when needed (pandas' QUOTE_MINIMAL). */
static aw_status csv_field(aw_buf *b, const char *s, size_t n) {
  int q = 0;
  for (size_t i = 0; i < n && !q; i++) q = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
  if (!q) return aw_buf_append(b, s, n);
  if (aw_buf_putc(b, '"')) return AW_ERR_NOMEM;
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') {
      if (aw_buf_append(b, s + i - run, run + 1) || aw_buf_putc(b, '"')) return AW_ERR_NOMEM;
      run = 0;
    } else {
      run++;
    }
  }
  if (aw_buf_append(b, s + n - run, run)) return AW_ERR_NOMEM;
  return aw_buf_putc(b, '"');
}

/* Python's repr() of a str, for ParameterList cells ("['a', 'b']"). */
static void py_repr(aw_buf *b, const char *s, size_t n) {
  int has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
  char q = has_sq && !has_dq ? '"' : '\'';
  aw_buf_putc(b, q);
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '\\') aw_buf_append(b, "\\\\", 2);
    else if (ch == (unsigned char)q) {
      aw_buf_putc(b, '\\');
      aw_buf_putc(b, q);
    } else if (ch == '\n') aw_buf_append(b, "\\n", 2);
    else if (ch == '\r') aw_buf_append(b, "\\r", 2);
    else if (ch == '\t') aw_buf_append(b, "\\t", 2);
    else if (ch < 0x20 || ch == 0x7f) aw_buf_printf(b, "\\x%02x", ch);
    else if (ch == 0xC2 && i + 1 < n && ((unsigned char)s[i + 1] <= 0xA0 || (unsigned char)s[i + 1] == 0xAD)) {
      aw_buf_printf(b, "\\x%02x", (unsigned char)s[i + 1]); /* U+0080..U+00A0, U+00AD: not printable */
      i++;
    } else aw_buf_putc(b, (char)ch);
  }
  aw_buf_putc(b, q);
}

static void on_param(void *ud, size_t index, const char *v, size_t len, const char *name, size_t name_len) {
  (void)name;
  (void)name_len;
  aw_buf *b = (aw_buf *)ud;
  if (index) aw_buf_append(b, ", ", 2);
  py_repr(b, v, len);
}

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static aw_status count_template(parse_ctx *c, const char *t, size_t len) {
  if ((c->nte + 1) * 2 > c->thtcap) {
    size_t cap = c->thtcap ? c->thtcap * 2 : 1024;
    size_t *nt = (size_t *)calloc(cap, sizeof(size_t));
    if (!nt) return AW_ERR_NOMEM;
    for (size_t i = 0; i < c->nte; i++) {
      size_t k = (size_t)fnv(c->te[i].t, c->te[i].len) & (cap - 1);
      while (nt[k]) k = (k + 1) & (cap - 1);
      nt[k] = i + 1;
    }
    free(c->tht);
    c->tht = nt;
    c->thtcap = cap;
  }
  size_t k = (size_t)fnv(t, len) & (c->thtcap - 1);
  while (c->tht[k]) {
    struct tentry *e = &c->te[c->tht[k] - 1];
    if (e->len == len && memcmp(e->t, t, len) == 0) {
      e->count++;
      return AW_OK;
    }
    k = (k + 1) & (c->thtcap - 1);
  }
  if (c->nte == c->tecap && aw_grow((void **)&c->te, &c->tecap, c->nte + 1, sizeof(struct tentry))) return AW_ERR_NOMEM;
  struct tentry *e = &c->te[c->nte];
  e->t = (char *)malloc(len + 1);
  if (!e->t) return AW_ERR_NOMEM;
  memcpy(e->t, t, len);
  e->t[len] = '\0';
  e->len = len;
  e->count = 1;
  c->tht[k] = ++c->nte;
  return AW_OK;
}

static aw_status pass2_line(void *ud, const aw_logfmt_line *ln, aw_error *err) {
  parse_ctx *c = (parse_ctx *)ud;
  if (c->k >= c->n) return aw_error_set(err, AW_ERR_STATE, "the input changed between the two passes");
  uint32_t g = aw_drain_group(c->d, c->ids[c->k++]);
  if (!g) return aw_error_set(err, AW_ERR_STATE, "a line's cluster was evicted (raise --max-clusters)");
  if (!c->tmpl[g]) {
    size_t tl;
    const char *t = aw_drain_template(c->d, g, &tl);
    c->tmpl[g] = (char *)malloc(tl + 1);
    if (!c->tmpl[g]) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    memcpy(c->tmpl[g], t, tl + 1);
    c->tmpl_len[g] = tl;
  }
  const char *t = c->tmpl[g];
  size_t tl = c->tmpl_len[g];
  char eid[9];
  aw_drain_event_id(t, tl, eid);
  aw_buf *b = &c->row;
  b->len = 0;
  aw_buf_printf(b, "%llu", (unsigned long long)ln->line);
  for (size_t i = 0; i < ln->nfields; i++) {
    aw_buf_putc(b, ',');
    csv_field(b, ln->fields[i].value, ln->fields[i].len);
  }
  if (aw_logfmt_content_index(c->lf) == (size_t)-1) {
    aw_buf_putc(b, ',');
    csv_field(b, ln->content, ln->content_len);
  }
  aw_buf_printf(b, ",%s,", eid);
  csv_field(b, t, tl);
  c->plist.len = 0;
  aw_buf_putc(&c->plist, '[');
  if (aw_drain_params(c->d, t, tl, ln->content, ln->content_len, on_param, &c->plist, err) < 0) return err->code;
  aw_buf_putc(&c->plist, ']');
  aw_buf_putc(b, ',');
  csv_field(b, c->plist.data, c->plist.len);
  if (aw_buf_putc(b, '\n')) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  if (fwrite(b->data, 1, b->len, c->out) != b->len) return aw_error_set(err, AW_ERR_IO, "cannot write the structured CSV");
  if (count_template(c, t, tl)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  return AW_OK;
}

/* Applies a Loghub settings.json entry. */
static int apply_settings(const char *file, const char *dataset, aw_drain_opts *dop, const char **log_format,
                          char **owned_format, const char **masks, char **owned_masks, size_t *nmasks) {
  char *text;
  size_t len;
  aw_error err;
  if (cli_read_small_file(file, (size_t)16 << 20, &text, &len, &err)) return cli_fail(&err);
  cJSON *root = cJSON_ParseWithLength(text, len);
  free(text);
  if (!root) return cli_usage_error("parse", "%s: not valid JSON", file);
  const cJSON *ds = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "datasets"), dataset);
  if (!cJSON_IsObject(ds)) {
    cJSON_Delete(root);
    return cli_usage_error("parse", "%s: no dataset \"%s\"", file, dataset);
  }
  const cJSON *lfv = cJSON_GetObjectItemCaseSensitive(ds, "log_format");
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(ds, "st");
  const cJSON *depth = cJSON_GetObjectItemCaseSensitive(ds, "depth");
  const cJSON *rx = cJSON_GetObjectItemCaseSensitive(ds, "regex");
  const cJSON *mc = cJSON_GetObjectItemCaseSensitive(root, "max_child");
  if (!cJSON_IsString(lfv) || !cJSON_IsNumber(st) || !cJSON_IsNumber(depth) || !cJSON_IsArray(rx)) {
    cJSON_Delete(root);
    return cli_usage_error("parse", "%s: dataset \"%s\" lacks log_format/st/depth/regex", file, dataset);
  }
  *owned_format = strdup(lfv->valuestring);
  *log_format = *owned_format;
  dop->st = st->valuedouble;
  dop->depth = (size_t)depth->valuedouble;
  if (cJSON_IsNumber(mc)) dop->max_children = (size_t)mc->valuedouble;
  const cJSON *m;
  cJSON_ArrayForEach(m, rx) {
    if (!cJSON_IsString(m) || *nmasks >= MAX_MASKS) continue;
    owned_masks[*nmasks] = strdup(m->valuestring);
    masks[*nmasks] = owned_masks[*nmasks];
    (*nmasks)++;
  }
  cJSON_Delete(root);
  return 0;
}

static const char *basename_of(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

int aw_cmd_parse(int argc, char **argv) {
  aw_drain_opts dop;
  aw_drain_opts_default(&dop);
  aw_logfmt_opts lo;
  aw_logfmt_opts_default(&lo);
  const char *input = NULL, *outdir = NULL, *settings = NULL, *dataset = NULL, *state_in = NULL, *state_out = NULL;
  const char *log_format = NULL, *json_field = NULL, *inner = NULL;
  const char *masks[MAX_MASKS];
  char *owned_masks[MAX_MASKS];
  size_t nmasks = 0, nowned = 0;
  const char *delims[MAX_DELIMS];
  size_t ndelims = 0;
  char *owned_format = NULL;
  size_t chunk = 0;
  int quiet = 0, st_given = 0, rc = 0;
  double st_val = 0;
  /* settings first, so explicit options override them */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(USAGE, stdout);
      return 0;
    }
    if (cli_opt_str(argc, argv, &i, "--settings", &settings) < 0) return 2;
    if (cli_opt_str(argc, argv, &i, "--dataset", &dataset) < 0) return 2;
  }
  if (!!settings != !!dataset) return cli_usage_error("parse", "--settings and --dataset go together");
  if (settings) {
    int r = apply_settings(settings, dataset, &dop, &log_format, &owned_format, masks, owned_masks, &nmasks);
    if (r) return r;
    nowned = nmasks;
  }
  for (int i = 1; i < argc; i++) {
    const char *v;
    int r;
    if ((r = cli_opt_str(argc, argv, &i, "--settings", &v)) || (r = cli_opt_str(argc, argv, &i, "--dataset", &v))) {
      if (r < 0) return 2;
      continue;
    }
    if ((r = cli_opt_str(argc, argv, &i, "--log-format", &log_format))) {
      if (r < 0) return 2;
      continue;
    }
    if ((r = cli_opt_str(argc, argv, &i, "--json", &json_field)) || (r = cli_opt_str(argc, argv, &i, "--inner-format", &inner)) ||
        (r = cli_opt_str(argc, argv, &i, "--time-field", &lo.time_field)) ||
        (r = cli_opt_str(argc, argv, &i, "--time-format", &lo.time_format)) ||
        (r = cli_opt_str(argc, argv, &i, "--state-in", &state_in)) || (r = cli_opt_str(argc, argv, &i, "--state-out", &state_out)) ||
        (r = cli_opt_str(argc, argv, &i, "--mask-prefix", &dop.mask_prefix)) ||
        (r = cli_opt_str(argc, argv, &i, "--mask-suffix", &dop.mask_suffix)) || (r = cli_opt_str(argc, argv, &i, "-o", &outdir)) ||
        (r = cli_opt_str(argc, argv, &i, "--out", &outdir))) {
      if (r < 0) return 2;
      continue;
    }
    if ((r = cli_opt_str(argc, argv, &i, "--mask", &v))) {
      if (r < 0) return 2;
      if (nmasks >= MAX_MASKS) return cli_usage_error("parse", "too many masks (max %d)", MAX_MASKS);
      masks[nmasks++] = v;
      continue;
    }
    if ((r = cli_opt_str(argc, argv, &i, "--extra-delimiter", &v))) {
      if (r < 0) return 2;
      if (ndelims >= MAX_DELIMS) return cli_usage_error("parse", "too many delimiters");
      delims[ndelims++] = v;
      continue;
    }
    if ((r = cli_opt_double(argc, argv, &i, "--st", &st_val))) {
      if (r < 0) return 2;
      dop.st = st_val;
      st_given = 1;
      continue;
    }
    unsigned long long u;
    if ((r = cli_opt_size(argc, argv, &i, "--depth", &dop.depth)) || (r = cli_opt_size(argc, argv, &i, "--max-children", &dop.max_children)) ||
        (r = cli_opt_size(argc, argv, &i, "--max-clusters", &dop.max_clusters)) ||
        (r = cli_opt_size(argc, argv, &i, "--chunk", &chunk))) {
      if (r < 0) return 2;
      continue;
    }
    if ((r = cli_opt_u64(argc, argv, &i, "--default-year", &u))) {
      if (r < 0) return 2;
      lo.default_year = (int)u;
      continue;
    }
    if ((r = cli_opt_str(argc, argv, &i, "--similarity", &v))) {
      if (r < 0) return 2;
      if (!strcmp(v, "logpai")) dop.similarity = AW_DRAIN_SIM_LOGPAI;
      else if (!strcmp(v, "drain3")) dop.similarity = AW_DRAIN_SIM_DRAIN3;
      else if (!strcmp(v, "fit")) dop.similarity = AW_DRAIN_SIM_FIT;
      else return cli_usage_error("parse", "--similarity: logpai, drain3 or fit");
      continue;
    }
    if ((r = cli_opt_str(argc, argv, &i, "--short", &v))) {
      if (r < 0) return 2;
      if (!strcmp(v, "logpai")) dop.short_messages = AW_DRAIN_SHORT_LOGPAI;
      else if (!strcmp(v, "drain3")) dop.short_messages = AW_DRAIN_SHORT_DRAIN3;
      else if (!strcmp(v, "shape")) dop.short_messages = AW_DRAIN_SHORT_SHAPE;
      else return cli_usage_error("parse", "--short: logpai, drain3 or shape");
      continue;
    }
    if (!strcmp(argv[i], "--improved")) {
      aw_drain_opts_improved(&dop);
      continue;
    }
    if (!strcmp(argv[i], "--variable-length")) {
      dop.variable_length = 1;
      continue;
    }
    if (!strcmp(argv[i], "--refine")) {
      dop.refine_tokens = 1;
      continue;
    }
    if (!strcmp(argv[i], "--skip-unmatched")) {
      lo.unmatched = AW_LOGFMT_UNMATCHED_SKIP;
      continue;
    }
    if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
      quiet = 1;
      continue;
    }
    if (argv[i][0] == '-' && argv[i][1] != '\0') return cli_usage_error("parse", "unknown option %s (see aw parse --help)", argv[i]);
    if (input) return cli_usage_error("parse", "one input file only (got %s and %s)", input, argv[i]);
    input = argv[i];
  }
  if (!input || !outdir) {
    fputs(USAGE, stderr);
    return 2;
  }
  if (strcmp(input, "-") == 0) return cli_usage_error("parse", "the input is read twice, so it must be a file, not stdin");
  if (log_format && json_field) return cli_usage_error("parse", "--log-format and --json exclude each other");
  lo.name = input;
  if (log_format) {
    lo.kind = AW_LOGFMT_PATTERN;
    lo.log_format = log_format;
  } else if (json_field) {
    lo.kind = AW_LOGFMT_JSON;
    lo.content_field = json_field;
    lo.inner_format = inner;
  }
  dop.extra_delimiters = delims;
  dop.n_extra_delimiters = ndelims;

  aw_error err;
  aw_error_clear(&err);
  parse_ctx c;
  memset(&c, 0, sizeof c);
  c.err = &err;
  aw_logfmt *lf = NULL;
  if (state_in) {
    char *snap;
    size_t sl;
    if (cli_read_small_file(state_in, (size_t)1 << 30, &snap, &sl, &err)) {
      rc = cli_fail(&err);
      goto out;
    }
    aw_status s = aw_drain_load(snap, sl, state_in, &c.d, &err);
    free(snap);
    if (s) {
      rc = cli_fail(&err);
      goto out;
    }
    if (st_given && aw_drain_set_st(c.d, st_val, &err)) {
      rc = cli_fail(&err);
      goto out;
    }
    if (nmasks && !quiet) fprintf(stderr, "aw parse: --state-in: the snapshot's masks are used; --mask ignored\n");
  } else {
    c.d = aw_drain_new(&dop, &err);
    if (!c.d) {
      rc = cli_fail(&err);
      goto out;
    }
    for (size_t m = 0; m < nmasks; m++) {
      /* REGEX=NAME: a trailing "=identifier" names the mask (a regex ending in such text can be
       * written with a group, "(?:=x)") */
      const char *p = masks[m];
      const char *eq = strrchr(p, '=');
      char *pat = NULL;
      const char *name = NULL;
      if (eq && m >= nowned) {
        const char *q = eq + 1;
        int ident = 1;
        for (const char *r2 = q; *r2 && ident; r2++)
          ident = *r2 == '_' || ((*r2 | 32) >= 'a' && (*r2 | 32) <= 'z') || (r2 > q && *r2 >= '0' && *r2 <= '9');
        if (ident && eq > p) {
          pat = strndup(p, (size_t)(eq - p));
          name = *q ? q : NULL;
        }
      }
      aw_status s = aw_drain_add_mask(c.d, pat ? pat : p, name, &err);
      free(pat);
      if (s) {
        rc = cli_fail(&err);
        goto out;
      }
    }
  }
  lf = aw_logfmt_new(&lo, pass1_line, &c, &err);
  if (!lf) {
    rc = cli_fail(&err);
    goto out;
  }
  aw_status s = cli_stream_file(input, chunk, feed_logfmt, lf, &err);
  if (!s) s = aw_logfmt_finish(lf, &err);
  if (s) {
    rc = cli_fail(&err);
    goto out;
  }
  const aw_logfmt_stats *ls = aw_logfmt_get_stats(lf);
  aw_logfmt_stats st1 = *ls;
  size_t nissues = aw_logfmt_issue_count(lf);
  for (size_t i = 0; i < nissues && !quiet && i < 20; i++) {
    const aw_logfmt_issue *is = aw_logfmt_issue_at(lf, i);
    fprintf(stderr, "aw parse: %s:%llu: %s: %s\n", input, (unsigned long long)is->line, is->kind, is->message);
  }
  if (!quiet && st1.issues > 20) fprintf(stderr, "aw parse: ... %llu issues in all\n", (unsigned long long)st1.issues);
  if (state_out) {
    aw_buf sb = {0};
    const char *slash = strrchr(state_out, '/');
    if (slash && slash > state_out) {
      char *dir = strndup(state_out, (size_t)(slash - state_out));
      aw_status ms = dir ? cli_mkdirs(dir, &err) : AW_ERR_NOMEM;
      free(dir);
      if (ms) {
        rc = cli_fail(&err);
        goto out;
      }
    }
    if (aw_drain_save(c.d, &sb, &err) || cli_write_file(state_out, sb.data, sb.len, &err)) {
      aw_buf_free(&sb);
      rc = cli_fail(&err);
      goto out;
    }
    aw_buf_free(&sb);
  }
  /* pass 2 */
  if (cli_mkdirs(outdir, &err)) {
    rc = cli_fail(&err);
    goto out;
  }
  const char *base = basename_of(input);
  size_t pl = strlen(outdir) + strlen(base) + 32;
  char *spath = (char *)malloc(pl), *tpath = (char *)malloc(pl);
  snprintf(spath, pl, "%s/%s_structured.csv", outdir, base);
  snprintf(tpath, pl, "%s/%s_templates.csv", outdir, base);
  c.out = fopen(spath, "wb");
  uint32_t maxid = aw_drain_max_cluster_id(c.d);
  c.tmpl = (char **)calloc((size_t)maxid + 1, sizeof(char *));
  c.tmpl_len = (size_t *)calloc((size_t)maxid + 1, sizeof(size_t));
  if (!c.out || !c.tmpl || !c.tmpl_len) {
    aw_error_set(&err, AW_ERR_IO, "cannot create %s", spath);
    rc = cli_fail(&err);
    free(spath);
    free(tpath);
    goto out;
  }
  static char obuf[1 << 16];
  setvbuf(c.out, obuf, _IOFBF, sizeof obuf);
  aw_logfmt_free(lf);
  lf = aw_logfmt_new(&lo, pass2_line, &c, &err);
  c.lf = lf;
  /* header */
  {
    aw_buf h = {0};
    aw_buf_append(&h, "LineId", 6);
    for (size_t i = 0; i < aw_logfmt_field_count(lf); i++) {
      aw_buf_putc(&h, ',');
      const char *nm = aw_logfmt_field_name(lf, i);
      csv_field(&h, nm, strlen(nm));
    }
    if (aw_logfmt_content_index(lf) == (size_t)-1) aw_buf_append(&h, ",Content", 8);
    aw_buf_append(&h, ",EventId,EventTemplate,ParameterList\n", 37);
    fwrite(h.data, 1, h.len, c.out);
    aw_buf_free(&h);
  }
  s = cli_stream_file(input, chunk, feed_logfmt, lf, &err);
  if (!s) s = aw_logfmt_finish(lf, &err);
  if (!s && c.k != c.n) s = aw_error_set(&err, AW_ERR_STATE, "the input changed between the two passes");
  if (fclose(c.out) != 0 && !s) s = aw_error_set(&err, AW_ERR_IO, "cannot write %s", spath);
  c.out = NULL;
  if (!s) {
    FILE *tf = fopen(tpath, "wb");
    if (!tf) {
      s = aw_error_set(&err, AW_ERR_IO, "cannot create %s", tpath);
    } else {
      aw_buf b = {0};
      aw_buf_append(&b, "EventId,EventTemplate,Occurrences\n", 34);
      for (size_t i = 0; i < c.nte; i++) {
        char eid[9];
        aw_drain_event_id(c.te[i].t, c.te[i].len, eid);
        aw_buf_printf(&b, "%s,", eid);
        csv_field(&b, c.te[i].t, c.te[i].len);
        aw_buf_printf(&b, ",%llu\n", (unsigned long long)c.te[i].count);
      }
      if (fwrite(b.data, 1, b.len, tf) != b.len) s = aw_error_set(&err, AW_ERR_IO, "cannot write %s", tpath);
      if (fclose(tf) != 0 && !s) s = aw_error_set(&err, AW_ERR_IO, "cannot write %s", tpath);
      aw_buf_free(&b);
    }
  }
  if (s) {
    rc = cli_fail(&err);
  } else if (!quiet) {
    fprintf(stderr,
            "aw parse: %llu lines (%llu blank, %llu not matching the format, %llu issues), %zu clusters, %zu templates\n"
            "aw parse: wrote %s and %s\n",
            (unsigned long long)st1.lines, (unsigned long long)st1.blank_lines, (unsigned long long)st1.unmatched,
            (unsigned long long)st1.issues, aw_drain_cluster_count(c.d), c.nte, spath, tpath);
  }
  free(spath);
  free(tpath);
out:
  if (c.out) fclose(c.out);
  aw_logfmt_free(lf);
  if (c.tmpl)
    for (uint32_t g = 0; g <= aw_drain_max_cluster_id(c.d); g++) free(c.tmpl[g]);
  free(c.tmpl);
  free(c.tmpl_len);
  for (size_t i = 0; i < c.nte; i++) free(c.te[i].t);
  free(c.te);
  free(c.tht);
  aw_buf_free(&c.row);
  aw_buf_free(&c.plist);
  free(c.ids);
  aw_drain_free(c.d);
  for (size_t i = 0; i < nowned; i++) free(owned_masks[i]);
  free(owned_format);
  return rc;
}
