/* drain.c - Drain (He et al., ICWS 2017) as logpai's Drain.py implements it, with Drain3's
 * features (named masks, extra delimiters, max_clusters LRU, read-only match, snapshots) and
 * three optional improvements. See aw/drain.h and docs/drain.md.
 *
 * Speed: tokens are interned once in a hash table (a template holds token ids, so similarity is
 * an integer comparison per position); message tokens are only looked up, never inserted, so
 * the dictionary grows with templates, not with messages. Tree edges live in one hash table
 * keyed by (parent node, token id). No allocation happens per message once the scratch buffers
 * have grown.
 */
#include "aw/drain.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aw/logformat.h"
#include "aw/regex.h"
#include "cJSON.h"
#include "internal/buf_fast.h"
#include "internal/compiler.h"
#include "internal/regex_shape.h"
#include "internal/simd16.h"
#include "internal/utf8.h"

#define NOTOK 0u /* a message token that is not in the dictionary (equals no template token) */
#define WILD 1u  /* the wildcard token "<*>" (prefix "*" suffix) */
#define NONE UINT32_MAX
#define TOMB UINT32_MAX
#define THR_CACHE 64 /* message lengths whose fastMatch threshold is kept */

/* ------------------------------------------------------------------ hashing */

static inline uint64_t rd64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v; /* little-endian on every target we build (x86-64, wasm32) */
}

/* The last r (1..7) bytes before p + r as a little-endian number (what memcpy into a zeroed
 * uint64 gives); `whole` is the length of the string they end, so when it is >= 8 one load of
 * the 8 bytes ending there can be used. */
static inline uint64_t rd_tail(const unsigned char *p, size_t r, size_t whole) {
  if (whole >= 8) return rd64(p + r - 8) >> (8 * (8 - r));
  uint64_t v = 0;
  size_t o = 0;
  if (r & 4) {
    uint32_t x;
    memcpy(&x, p, 4);
    v = x;
    o = 4;
  }
  if (r & 2) {
    uint16_t x;
    memcpy(&x, p + o, 2);
    v |= (uint64_t)x << (8 * o);
    o += 2;
  }
  if (r & 1) v |= (uint64_t)p[o] << (8 * o);
  return v;
}

static AW_ALWAYS_INLINE uint64_t hash_bytes(const unsigned char *p, size_t n) {
  uint64_t h = 0x243F6A8885A308D3ull ^ ((uint64_t)n * 0x9E3779B97F4A7C15ull);
  size_t whole = n;
  while (n >= 8) {
    h = (h ^ rd64(p)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t v = rd_tail(p, n, whole);
    h = (h ^ v ^ ((uint64_t)n << 56)) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  h *= 0x94D049BB133111EBull;
  h ^= h >> 29;
  return h;
}

/* hash_bytes(p, n) for 0 < n < 8 of the bytes v = rd_tail(p, n, n) (read with one load when 8
 * bytes can be read at p): no branches on n. */
static inline uint64_t hash_short8(uint64_t v, size_t n) {
  uint64_t h = 0x243F6A8885A308D3ull ^ ((uint64_t)n * 0x9E3779B97F4A7C15ull);
  h = (h ^ v ^ ((uint64_t)n << 56)) * 0xBF58476D1CE4E5B9ull;
  h ^= h >> 31;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 29;
  return h;
}

static inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ull;
  x ^= x >> 33;
  return x;
}

/* ------------------------------------------------------------------ MD5 (RFC 1321), for logpai's
 * EventId = md5(template).hexdigest()[0:8] */

typedef struct {
  uint32_t a, b, c, d;
  uint64_t len;
  unsigned char buf[64];
  size_t nbuf;
} md5_ctx;

static uint32_t rol(uint32_t x, int c) { return (x << c) | (x >> (32 - c)); }

static void md5_block(md5_ctx *m, const unsigned char *p) {
  static const uint32_t K[64] = {
      0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
      0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
      0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
      0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
      0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
      0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
      0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
      0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
  static const int R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9,  14, 20, 5, 9,
                            14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                            4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  uint32_t w[16];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] | ((uint32_t)p[4 * i + 1] << 8) | ((uint32_t)p[4 * i + 2] << 16) |
           ((uint32_t)p[4 * i + 3] << 24);
  uint32_t a = m->a, b = m->b, c = m->c, d = m->d;
  for (int i = 0; i < 64; i++) {
    uint32_t f;
    int g;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) % 16;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) % 16;
    }
    uint32_t t = d;
    d = c;
    c = b;
    b = b + rol(a + f + K[i] + w[g], R[i]);
    a = t;
  }
  m->a += a;
  m->b += b;
  m->c += c;
  m->d += d;
}

static void md5_update(md5_ctx *m, const unsigned char *p, size_t n) {
  m->len += n;
  while (n > 0) {
    size_t k = 64 - m->nbuf;
    if (k > n) k = n;
    memcpy(m->buf + m->nbuf, p, k);
    m->nbuf += k;
    p += k;
    n -= k;
    if (m->nbuf == 64) {
      md5_block(m, m->buf);
      m->nbuf = 0;
    }
  }
}

void aw_drain_event_id(const char *tmpl, size_t len, char out[9]) {
  md5_ctx m = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0, {0}, 0};
  md5_update(&m, (const unsigned char *)tmpl, len);
  uint64_t bits = m.len * 8;
  unsigned char pad = 0x80;
  md5_update(&m, &pad, 1);
  unsigned char zero = 0;
  while (m.nbuf != 56) md5_update(&m, &zero, 1);
  unsigned char lb[8];
  for (int i = 0; i < 8; i++) lb[i] = (unsigned char)(bits >> (8 * i));
  md5_update(&m, lb, 8);
  static const char hx[] = "0123456789abcdef";
  uint32_t a = m.a;
  for (int i = 0; i < 4; i++) {
    unsigned v = (a >> (8 * i)) & 0xFF;
    out[2 * i] = hx[v >> 4];
    out[2 * i + 1] = hx[v & 15];
  }
  out[8] = '\0';
}

/* ------------------------------------------------------------------ structures */

typedef struct {
  char *s;
  uint32_t len;
  uint32_t refs;
  uint64_t hash;
  uint64_t shape; /* hash of the token with every run of digits or "<*>" replaced by one mark */
  uint64_t w8;    /* its first min(len, 8) bytes as a little-endian number (lookup_short) */
  uint8_t digit; /* contains a digit (Python str.isdigit on any character) */
  uint8_t masked; /* contains the wildcard or a named mask ("<*>:", "/<IP>") */
  uint8_t letters; /* has a letter outside its masks */
} token;

typedef struct {
  uint32_t parent;
  uint32_t key;        /* token id, or the token count for first-layer nodes */
  uint32_t nchild;     /* children including the wildcard child (len(childD)) */
  uint32_t wild;       /* wildcard child or NONE */
  uint32_t depth;      /* 0 root, 1 length layer, ... */
  uint32_t *cl;        /* clusters (leaf), in insertion order */
  uint32_t ncl, clcap;
} node;

typedef struct {
  uint32_t *t;         /* template token ids */
  uint32_t len;
  uint32_t leaf;       /* leaf node, or NONE for clusters outside the tree */
  uint32_t prev, next; /* LRU list (least recent at head) */
  uint64_t size;
  uint32_t grp;        /* variable-length improvement: root of the cluster's group (itself if none) */
  uint32_t gnext;      /* next member of the group (circular) */
  uint64_t gsize;      /* at a root: messages in the group */
  uint32_t den;        /* see cluster_den */
  uint64_t mk;         /* bit i (i < 64): template token i is a constant carrying a mask ("<*>:") */
  uint8_t live;
} cluster;

typedef struct {
  aw_regex *re;
  char *pattern;
  char *name;      /* NULL = wildcard */
  char *repl;
  size_t repl_len;
  /* per-token prefilter (see tokenize): byte classes (tok_class) a token must all contain, and
   * of which it must contain at least one, to possibly hold a match; classes of the replacement */
  uint64_t need_all, need_any, repl_cls;
  int need_digit; /* every match has a digit (aw_regex_needs_digit): tokens without one are skipped */
  int repl_digit; /* the replacement has a digit (has_digit) */
} dmask;

typedef struct {
  char *tmpl;
  size_t len;
  aw_regex *re;    /* NULL when the template has no placeholder */
} pcache_entry;

/* The mask memo (mask_memo): what the masks, one after the other, made of a printable-ASCII
 * token of up to DMEMO_TEXT bytes, by the token's class string (dm_cls). */
#define DMEMO_SLOTS 512
#define DMEMO_TEXT 32
enum { DM_SAME = 1, DM_WHOLE, DM_SPANS };
typedef struct {
  uint64_t k0, k1; /* the class string (aw_class_key) */
  uint8_t n;       /* token length (0: empty slot) */
  uint8_t kind;    /* DM_SAME: no mask changed it; DM_WHOLE: mask `mask` replaced all of it;
                      DM_SPANS: mask `mask` replaced sp[0..2 nsp) and no other mask changed it */
  uint8_t mask, dig, nsp; /* dig: the result has a digit (DM_SPANS) */
  uint8_t sp[2 * AW_REGEX_SUB_SPANS];
} dmemo;

#define PCACHE_SIZE 512

struct aw_drain {
  aw_drain_opts o;
  char **delims;
  size_t *delim_len;
  char *prefix, *suffix;
  char wildstr[64];
  size_t wildlen;
  dmask *masks;
  size_t nmasks, maskcap;
  uint64_t mask_any; /* OR of the masks' need_any */
  int mask_nodigit;  /* some mask may match a token without a digit */
  int masks_local; /* every mask is token-local (aw_regex_token_local) and its replacement has no
                      white space: masks run on each token alone (see tokenize) */
  /* the mask memo (mask_memo): dm_ok when every mask has ASCII byte classes
   * (aw_regex_ascii_classes) and their common refinement, digits apart, has at most 16 classes:
   * dm_cls */
  int dm_ok;
  uint8_t dm_cls[256]; /* (bytes >= 0x80: 15, unused - memo tokens are ASCII) */
  dmemo *dm;
  uint64_t bcls[256]; /* tokenizer byte table: byte class bit | TB_* flags */
  /* tokens */
  token *tok;
  size_t ntok, tokcap;
  uint32_t *tfree; /* free token ids */
  size_t ntfree, tfreecap;
  uint32_t *tht;   /* hash table of token ids, TOMB = deleted */
  size_t thtcap, thtused;
  uint64_t live_tokens;
  /* tree */
  node *nodes;
  size_t nnodes, nodecap;
  uint64_t *eht_key; /* edges: (parent << 32 | key) -> child */
  uint32_t *eht_val;
  size_t ehtcap, ehtn;
  /* clusters */
  cluster *cl;     /* index = id; 0 unused */
  size_t clcap;
  uint32_t max_id;
  size_t live;
  uint32_t lru_head, lru_tail;
  uint32_t *oht;   /* clusters outside the tree (short messages), by template */
  size_t ohtcap, ohtn;
  /* variable-length index: clusters by first token */
  /* scratch */
  aw_buf mb[2];
  aw_buf san;
  uint32_t *lid;   /* message token ids */
  const unsigned char **lptr; /* message tokens: bytes (in the message or in tokarena) */
  uint32_t *loff, *llen;      /* loff: scratch for tokens in tokarena while it may move */
  uint64_t *lshape;
  uint8_t *ldig;
  uint64_t *lhash;
  size_t lcap;
  int32_t thr[THR_CACHE]; /* sim_threshold(o.st, n) for n < THR_CACHE (fill_thr) */
  uint32_t *tmpt;
  size_t tmptcap;
  aw_buf tbuf, mtok;
  aw_buf tokarena; /* masked tokens of the current message (per-token masking) */
  /* variable-length improvement: skeleton (constant tokens) -> cluster */
  uint64_t *skh;
  uint32_t *skv;
  size_t skcap, skn;
  pcache_entry pcache[PCACHE_SIZE];
  aw_regex *ph_re; /* logpai's "<.{1,5}>" */
  aw_regex *esc_re;
  aw_drain_stats st;
};

/* Tokenizer byte table (d->bcls): each byte's class bit (tok_class) plus flags. */
#define TB_DIGIT ((uint64_t)1)       /* class 0: ASCII digits */
#define TB_UDIGIT ((uint64_t)1 << 61) /* (in a token's classes) a non-ASCII digit */
#define TB_HIGH ((uint64_t)1 << 62)   /* a byte >= 0x80 (decode: Unicode white space, digits) or NUL */
#define TB_SPACE ((uint64_t)1 << 63)  /* ASCII white space (Python's str.isspace()) */

/* Byte classes for the per-token mask prefilter: 0 digits, 1-26 letters (either case), 27 bytes
 * >= 0x80, 28-59 one per ASCII punctuation character, 60 the rest (controls, DEL). A token's
 * classes are the OR of its bytes' bits; a mask is only run on tokens that have every class of
 * the mask's required bytes and one class of its first bytes (aw_regex_byte_filter). */
static uint64_t tok_class(unsigned c) {
  static const char punct[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  if (c >= '0' && c <= '9') return TB_DIGIT;
  if ((c | 32) >= 'a' && (c | 32) <= 'z') return (uint64_t)1 << (1 + (c | 32) - 'a');
  if (c >= 0x80) return (uint64_t)1 << 27;
  for (unsigned k = 0; k < sizeof punct - 1; k++)
    if ((unsigned char)punct[k] == c) return (uint64_t)1 << (28 + k);
  return (uint64_t)1 << 60;
}

static void init_byte_table(aw_drain *d) {
  for (unsigned c = 0; c < 256; c++)
    d->bcls[c] = tok_class(c) | (c >= 0x80 || c == 0 ? TB_HIGH : 0) | (c < 0x80 && aw_ascii_is_space(c) ? TB_SPACE : 0);
}

/* Classes of all bytes in a 256-bit byte set. */
static uint64_t set_classes(const uint64_t set[4]) {
  uint64_t r = 0;
  for (unsigned c = 0; c < 256; c++)
    if ((set[c >> 6] >> (c & 63)) & 1) r |= tok_class(c);
  return r;
}

void aw_drain_opts_default(aw_drain_opts *o) {
  memset(o, 0, sizeof *o);
  o->st = 0.4;
  o->depth = 4;
  o->max_children = 100;
  o->max_clusters = 0;
  o->parametrize_numeric_tokens = 1;
  o->mask_prefix = "<";
  o->mask_suffix = ">";
}

void aw_drain_opts_improved(aw_drain_opts *o) {
  o->similarity = AW_DRAIN_SIM_FIT;
  o->short_messages = AW_DRAIN_SHORT_SHAPE;
  o->variable_length = 1;
  o->refine_tokens = 1;
}

static char *dupn(const char *s, size_t n) {
  char *r = (char *)AW_MALLOC(n + 1);
  if (!r) return NULL;
  if (n) memcpy(r, s, n);
  r[n] = '\0';
  return r;
}

static aw_status check_opts(const aw_drain_opts *o, aw_error *err) {
  if (!(o->st >= 0.0 && o->st <= 1.0)) return aw_error_set(err, AW_ERR_RANGE, "drain: st must be in [0, 1], got %g", o->st);
  if (o->depth < 3 || o->depth > 64) return aw_error_set(err, AW_ERR_RANGE, "drain: depth must be in [3, 64], got %zu", o->depth);
  if (o->max_children < 2 || o->max_children > 100000000)
    return aw_error_set(err, AW_ERR_RANGE, "drain: max_children must be >= 2, got %zu", o->max_children);
  if (o->max_clusters > 100000000) return aw_error_set(err, AW_ERR_RANGE, "drain: max_clusters too large (%zu)", o->max_clusters);
  if (o->similarity < 0 || o->similarity > 2)
    return aw_error_set(err, AW_ERR_RANGE, "drain: similarity must be 0, 1 or 2, got %d", o->similarity);
  if (o->variable_length < 0 || o->variable_length > 1 || o->refine_tokens < 0 || o->refine_tokens > 1)
    return aw_error_set(err, AW_ERR_RANGE, "drain: variable_length and refine_tokens are 0 or 1");
  if (o->short_messages < 0 || o->short_messages > 2)
    return aw_error_set(err, AW_ERR_RANGE, "drain: short_messages must be 0, 1 or 2, got %d", o->short_messages);
  size_t pl = o->mask_prefix ? strlen(o->mask_prefix) : 0, sl = o->mask_suffix ? strlen(o->mask_suffix) : 0;
  if (pl + sl + 2 > 64) return aw_error_set(err, AW_ERR_RANGE, "drain: mask prefix/suffix too long");
  for (size_t i = 0; i < o->n_extra_delimiters; i++)
    if (!o->extra_delimiters || !o->extra_delimiters[i] || !o->extra_delimiters[i][0])
      return aw_error_set(err, AW_ERR_ARG, "drain: extra delimiter %zu is empty", i);
  return AW_OK;
}

static uint32_t intern(aw_drain *d, const unsigned char *s, size_t n, uint64_t h);
static int has_digit(const unsigned char *s, size_t n);

/* The least k with k / n >= st (n > 0): fastMatch's threshold on the count of equal tokens,
 * exact in doubles - the product's rounding is mended by the two loops. */
static long sim_threshold(double st, size_t n) {
  long thr = (long)(st * (double)n);
  if (thr < 0) thr = 0;
  while (thr > 0 && (double)(thr - 1) / (double)n >= st) thr--;
  while (thr <= (long)n && (double)thr / (double)n < st) thr++;
  return thr;
}

static void fill_thr(aw_drain *d) {
  for (size_t n = 1; n < THR_CACHE; n++) d->thr[n] = (int32_t)sim_threshold(d->o.st, n);
}

aw_drain *aw_drain_new(const aw_drain_opts *opts, aw_error *err) {
  aw_drain_opts def;
  if (!opts) {
    aw_drain_opts_default(&def);
    opts = &def;
  }
  if (check_opts(opts, err)) return NULL;
  aw_drain *d = (aw_drain *)AW_CALLOC(1, sizeof(aw_drain));
  if (!d) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  d->o = *opts;
  fill_thr(d);
  const char *pf = opts->mask_prefix ? opts->mask_prefix : "";
  const char *sf = opts->mask_suffix ? opts->mask_suffix : "";
  d->prefix = dupn(pf, strlen(pf));
  d->suffix = dupn(sf, strlen(sf));
  d->o.mask_prefix = d->prefix;
  d->o.mask_suffix = d->suffix;
  int bad = !d->prefix || !d->suffix;
  if (opts->n_extra_delimiters) {
    d->delims = (char **)aw_calloc_array(opts->n_extra_delimiters, sizeof(char *));
    d->delim_len = (size_t *)aw_calloc_array(opts->n_extra_delimiters, sizeof(size_t));
    bad |= !d->delims || !d->delim_len;
    for (size_t i = 0; !bad && i < opts->n_extra_delimiters; i++) {
      d->delim_len[i] = strlen(opts->extra_delimiters[i]);
      d->delims[i] = dupn(opts->extra_delimiters[i], d->delim_len[i]);
      bad |= !d->delims[i];
    }
  }
  d->o.extra_delimiters = (const char *const *)d->delims;
  d->wildlen = (size_t)snprintf(d->wildstr, sizeof d->wildstr, "%s*%s", pf, sf);
  /* token ids 0 (not a token) and 1 (the wildcard) are reserved */
  d->tokcap = 64;
  d->tok = (token *)aw_calloc_array(d->tokcap, sizeof(token));
  d->thtcap = 256;
  d->tht = (uint32_t *)aw_calloc_array(d->thtcap, sizeof(uint32_t));
  d->nodecap = 64;
  d->nodes = (node *)aw_calloc_array(d->nodecap, sizeof(node));
  d->ehtcap = 256;
  d->eht_key = (uint64_t *)aw_calloc_array(d->ehtcap, sizeof(uint64_t));
  d->eht_val = (uint32_t *)aw_alloc_array(d->ehtcap, sizeof(uint32_t));
  d->clcap = 64;
  d->cl = (cluster *)aw_calloc_array(d->clcap, sizeof(cluster));
  d->ohtcap = 64;
  d->oht = (uint32_t *)aw_calloc_array(d->ohtcap, sizeof(uint32_t));
  bad |= !d->tok || !d->tht || !d->nodes || !d->eht_key || !d->eht_val || !d->cl || !d->oht;
  if (bad) {
    aw_drain_free(d);
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < d->ehtcap; i++) d->eht_val[i] = NONE;
  d->ntok = 1; /* id 0 unused */
  d->masks_local = 1;
  init_byte_table(d);
  d->lru_head = d->lru_tail = NONE;
  /* root node */
  d->nnodes = 1;
  d->nodes[0].parent = NONE;
  d->nodes[0].wild = NONE;
  if (intern(d, (const unsigned char *)d->wildstr, d->wildlen, hash_bytes((const unsigned char *)d->wildstr, d->wildlen)) !=
      WILD) {
    aw_drain_free(d);
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  d->tok[WILD].refs = 1; /* never freed */
  return d;
}

void aw_drain_free(aw_drain *d) {
  if (!d) return;
  AW_FREE(d->prefix);
  AW_FREE(d->suffix);
  if (d->delims)
    for (size_t i = 0; i < d->o.n_extra_delimiters; i++) AW_FREE(d->delims[i]);
  AW_FREE(d->delims);
  AW_FREE(d->delim_len);
  for (size_t i = 0; i < d->nmasks; i++) {
    aw_regex_free(d->masks[i].re);
    AW_FREE(d->masks[i].pattern);
    AW_FREE(d->masks[i].name);
    AW_FREE(d->masks[i].repl);
  }
  AW_FREE(d->masks);
  AW_FREE(d->dm);
  if (d->tok)
    for (size_t i = 0; i < d->ntok; i++) AW_FREE(d->tok[i].s);
  AW_FREE(d->tok);
  AW_FREE(d->tfree);
  AW_FREE(d->tht);
  if (d->nodes)
    for (size_t i = 0; i < d->nnodes; i++) AW_FREE(d->nodes[i].cl);
  AW_FREE(d->nodes);
  AW_FREE(d->eht_key);
  AW_FREE(d->eht_val);
  if (d->cl)
    for (size_t i = 0; i <= d->max_id && i < d->clcap; i++) AW_FREE(d->cl[i].t);
  AW_FREE(d->cl);
  AW_FREE(d->oht);
  aw_buf_free(&d->mb[0]);
  aw_buf_free(&d->mb[1]);
  aw_buf_free(&d->san);
  aw_buf_free(&d->tbuf);
  aw_buf_free(&d->mtok);
  AW_FREE(d->lid);
  AW_FREE(d->loff);
  AW_FREE(d->lptr);
  aw_buf_free(&d->tokarena);
  AW_FREE(d->llen);
  AW_FREE(d->ldig);
  AW_FREE(d->lhash);
  AW_FREE(d->lshape);
  AW_FREE(d->tmpt);
  AW_FREE(d->skh);
  AW_FREE(d->skv);
  for (size_t i = 0; i < PCACHE_SIZE; i++) {
    AW_FREE(d->pcache[i].tmpl);
    aw_regex_free(d->pcache[i].re);
  }
  aw_regex_free(d->ph_re);
  aw_regex_free(d->esc_re);
  AW_FREE(d);
}

const aw_drain_opts *aw_drain_get_opts(const aw_drain *d) { return d ? &d->o : NULL; }

aw_status aw_drain_set_st(aw_drain *d, double st, aw_error *err) {
  if (!d) return aw_error_set(err, AW_ERR_ARG, "drain: NULL parser");
  if (!(st >= 0.0 && st <= 1.0)) return aw_error_set(err, AW_ERR_RANGE, "drain: st must be in [0, 1], got %g", st);
  d->o.st = st;
  fill_thr(d);
  return AW_OK;
}

/* ------------------------------------------------------------------ masks */

/* The mask memo's classes (see struct aw_drain), after a mask was added; forgets what the
 * memo held. Two tokens with one class string are alike to every mask (each mask's classes are
 * a coarsening of dm_cls), so the masks do the same to both - the same spans replaced - and
 * their results have digits alike (digits are classes of their own). */
static void dm_setup(aw_drain *d) {
  d->dm_ok = 0;
  if (d->dm) memset(d->dm, 0, DMEMO_SLOTS * sizeof(dmemo));
  if (d->nmasks > 255) return;
  uint8_t id[128], map[16 * 16], mc[128];
  for (unsigned b = 0; b < 128; b++) id[b] = (uint8_t)(b >= '0' && b <= '9');
  for (size_t m = 0; m < d->nmasks; m++) {
    if (!aw_regex_ascii_classes(d->masks[m].re, mc)) return;
    memset(map, 0xFF, sizeof map);
    unsigned nn = 0;
    for (unsigned b = 0; b < 128; b++) {
      unsigned key = (unsigned)id[b] * 16 + mc[b];
      if (map[key] == 0xFF) {
        if (nn == 16) return;
        map[key] = (uint8_t)nn++;
      }
      id[b] = map[key];
    }
  }
  memcpy(d->dm_cls, id, sizeof id);
  memset(d->dm_cls + 128, 15, 128);
  d->dm_ok = 1;
}

aw_status aw_drain_add_mask(aw_drain *d, const char *pattern, const char *name, aw_error *err) {
  if (!d || !pattern) return aw_error_set(err, AW_ERR_ARG, "drain: NULL mask pattern");
  aw_regex *re = NULL;
  aw_status s = aw_regex_compile(pattern, SIZE_MAX, &re, err);
  if (s != AW_OK) {
    aw_error_prefix(err, "mask %zu", d->nmasks + 1);
    return s;
  }
  if (d->nmasks == d->maskcap && aw_grow((void **)&d->masks, &d->maskcap, d->nmasks + 1, sizeof(dmask))) {
    aw_regex_free(re);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  dmask *m = &d->masks[d->nmasks];
  memset(m, 0, sizeof *m);
  m->re = re;
  m->pattern = dupn(pattern, strlen(pattern));
  int wild = !name || strcmp(name, "*") == 0;
  m->name = wild ? NULL : dupn(name, strlen(name));
  size_t nl = wild ? 1 : strlen(name);
  m->repl_len = strlen(d->prefix) + nl + strlen(d->suffix);
  m->repl = (char *)AW_MALLOC(m->repl_len + 1);
  if (!m->pattern || (!wild && !m->name) || !m->repl) {
    aw_regex_free(re);
    AW_FREE(m->pattern);
    AW_FREE(m->name);
    AW_FREE(m->repl);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  snprintf(m->repl, m->repl_len + 1, "%s%s%s", d->prefix, wild ? "*" : name, d->suffix);
  uint64_t first[4], req[4];
  aw_regex_byte_filter(re, first, req);
  m->need_all = set_classes(req);
  m->need_any = set_classes(first);
  int repl_space = 0;
  m->repl_cls = 0;
  for (size_t i = 0; i < m->repl_len; i++) {
    size_t l = aw_u8_space_len((const unsigned char *)m->repl, m->repl_len, i);
    repl_space |= l != 0;
    m->repl_cls |= tok_class((unsigned char)m->repl[i]);
  }
  m->repl_digit = has_digit((const unsigned char *)m->repl, m->repl_len);
  if (!aw_regex_token_local(re) || repl_space) d->masks_local = 0;
  d->mask_any |= m->need_any;
  m->need_digit = aw_regex_needs_digit(re);
  if (!m->need_digit) d->mask_nodigit = 1;
  d->nmasks++;
  dm_setup(d);
  return AW_OK;
}

size_t aw_drain_mask_count(const aw_drain *d) { return d ? d->nmasks : 0; }

/* ------------------------------------------------------------------ tokens */


static int tht_grow(aw_drain *d) {
  size_t cap = d->thtcap * 2;
  uint32_t *t = (uint32_t *)aw_calloc_array(cap, sizeof(uint32_t));
  if (!t) return -1;
  for (size_t i = 0; i < d->thtcap; i++) {
    uint32_t id = d->tht[i];
    if (id == 0 || id == TOMB) continue;
    size_t k = (size_t)d->tok[id].hash & (cap - 1);
    while (t[k]) k = (k + 1) & (cap - 1);
    t[k] = id;
  }
  AW_FREE(d->tht);
  d->tht = t;
  d->thtcap = cap;
  d->thtused = (size_t)d->live_tokens + 1;
  return 0;
}

/* a[0..n) == b[0..n) for n <= 16, with a few overlapping word loads (both are n bytes long). */
static AW_ALWAYS_INLINE int short_eq(const char *a, const unsigned char *b, size_t n) {
  if (n >= 8) return rd64((const unsigned char *)a) == rd64(b) && rd64((const unsigned char *)a + n - 8) == rd64(b + n - 8);
  if (n >= 4) {
    uint32_t x, y, z, w;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    memcpy(&z, a + n - 4, 4);
    memcpy(&w, b + n - 4, 4);
    return x == y && z == w;
  }
  if (n >= 2) {
    uint16_t x, y, z, w;
    memcpy(&x, a, 2);
    memcpy(&y, b, 2);
    memcpy(&z, a + n - 2, 2);
    memcpy(&w, b + n - 2, 2);
    return x == y && z == w;
  }
  return n == 0 || (unsigned char)a[0] == b[0];
}

static AW_ALWAYS_INLINE uint32_t lookup(const aw_drain *d, const unsigned char *s, size_t n, uint64_t h) {
  size_t mask = d->thtcap - 1, k = (size_t)h & mask;
  for (;;) {
    uint32_t id = d->tht[k];
    if (id == 0) return NOTOK;
    if (id != TOMB) {
      const token *t = &d->tok[id];
      if (t->hash == h && t->len == n && (n <= 16 ? short_eq(t->s, s, n) : memcmp(t->s, s, n) == 0)) return id;
    }
    k = (k + 1) & mask;
  }
}

/* lookup of a token of 1..7 bytes whose bytes are v (rd_tail) and hash h: compared with the
 * tokens' w8, without reading their strings. */
static AW_ALWAYS_INLINE uint32_t lookup_short(const aw_drain *d, uint64_t v, size_t n, uint64_t h) {
  size_t mask = d->thtcap - 1, k = (size_t)h & mask;
  for (;;) {
    uint32_t id = d->tht[k];
    if (id == 0) return NOTOK;
    if (id != TOMB) {
      const token *t = &d->tok[id];
      if (t->hash == h && t->len == n && t->w8 == v) return id;
    }
    k = (k + 1) & mask;
  }
}

static int has_digit(const unsigned char *s, size_t n) {
  size_t i = 0;
  /* ASCII words first: b + 0x50 reaches 0x80 from '0', b + 0x46 from ':' (no carries below 0x80) */
  for (; i + 8 <= n; i += 8) {
    uint64_t v = rd64(s + i);
    if (v & 0x8080808080808080ull) break;
    if ((v + 0x5050505050505050ull) & ~(v + 0x4646464646464646ull) & 0x8080808080808080ull) return 1;
  }
  for (; i < n; i++) {
    if (s[i] >= '0' && s[i] <= '9') return 1;
    if (s[i] >= 0x80) {
      uint32_t cp;
      size_t l = aw_u8_decode(s, n, i, &cp);
      if (aw_uni_is_digit(cp)) return 1;
      i += l - 1;
    }
  }
  return 0;
}

static int contains(const unsigned char *s, size_t n, const char *w, size_t wl) {
  if (wl == 0 || wl > n) return 0;
  for (size_t i = 0; i + wl <= n; i++)
    if (s[i] == (unsigned char)w[0] && memcmp(s + i, w, wl) == 0) return 1;
  return 0;
}

static int contains_mask(const aw_drain *d, const unsigned char *s, size_t n) {
  if (contains(s, n, d->wildstr, d->wildlen)) return 1;
  for (size_t m = 0; m < d->nmasks; m++)
    if (d->masks[m].name && contains(s, n, d->masks[m].repl, d->masks[m].repl_len)) return 1;
  return 0;
}

static int has_letters(const aw_drain *d, const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (d->wildlen && n - i >= d->wildlen && memcmp(s + i, d->wildstr, d->wildlen) == 0) {
      i += d->wildlen;
      continue;
    }
    int skipped = 0;
    for (size_t m = 0; m < d->nmasks && !skipped; m++) {
      const dmask *mk = &d->masks[m];
      if (mk->name && n - i >= mk->repl_len && memcmp(s + i, mk->repl, mk->repl_len) == 0) {
        i += mk->repl_len;
        skipped = 1;
      }
    }
    if (skipped) continue;
    unsigned c = s[i++];
    if (c >= 0x80 || ((c | 32) >= 'a' && (c | 32) <= 'z')) return 1;
  }
  return 0;
}

/* Short-message improvement: a token's "digit shape" - the token with each maximal run of digits
 * (or of wildcards "<*>", which stand for numbers merged earlier) replaced by one mark, so
 * "setTodayTotalDetailSteps=1514038440000##7007" and "...=1514038440000##7008" look alike. */
static uint64_t shape_hash(const aw_drain *d, const unsigned char *s, size_t n) {
  uint64_t h = 0x84222325CBF29CE4ull;
  size_t i = 0;
  while (i < n) {
    size_t r = i;
    for (;;) {
      if (r < n && s[r] >= '0' && s[r] <= '9') r++;
      else if (d->wildlen && n - r >= d->wildlen && memcmp(s + r, d->wildstr, d->wildlen) == 0) r += d->wildlen;
      else break;
    }
    unsigned v;
    if (r > i) {
      v = 0x100;
      i = r;
    } else {
      v = s[i++];
    }
    h = (h ^ v) * 0x100000001B3ull;
  }
  return mix64(h);
}

/* Returns the id of token s (adding it with refs = 0 if new), or NONE when out of memory. */
static uint32_t intern(aw_drain *d, const unsigned char *s, size_t n, uint64_t h) {
  uint32_t id = lookup(d, s, n, h);
  if (id != NOTOK) return id;
  if ((d->thtused + 1) * 2 > d->thtcap && tht_grow(d)) return NONE;
  if (n > UINT32_MAX) return NONE;
  if (d->ntfree) {
    id = d->tfree[--d->ntfree];
  } else {
    if (d->ntok == d->tokcap && aw_grow((void **)&d->tok, &d->tokcap, d->ntok + 1, sizeof(token))) return NONE;
    if (d->ntok >= (size_t)UINT32_MAX - 1) return NONE;
    id = (uint32_t)d->ntok++;
  }
  token *t = &d->tok[id];
  t->s = dupn((const char *)s, n);
  if (!t->s) {
    if (d->tfree && d->ntfree < d->tfreecap) d->tfree[d->ntfree++] = id;
    return NONE;
  }
  t->len = (uint32_t)n;
  t->hash = h;
  t->refs = 0;
  t->w8 = n ? rd_tail(s, n < 8 ? n : 8, n < 8 ? n : 8) : 0;
  t->digit = (uint8_t)has_digit(s, n);
  t->masked = (uint8_t)(id == WILD || contains_mask(d, s, n));
  t->shape = shape_hash(d, s, n);
  t->letters = (uint8_t)has_letters(d, s, n);
  size_t mask = d->thtcap - 1, k = (size_t)h & mask;
  while (d->tht[k] != 0 && d->tht[k] != TOMB) k = (k + 1) & mask;
  if (d->tht[k] == 0) d->thtused++;
  d->tht[k] = id;
  d->live_tokens++;
  return id;
}

static void tok_ref(aw_drain *d, uint32_t id) {
  if (id > WILD) d->tok[id].refs++;
}

static void tok_unref(aw_drain *d, uint32_t id) {
  if (id <= WILD) return;
  token *t = &d->tok[id];
  if (--t->refs > 0) return;
  size_t mask = d->thtcap - 1, k = (size_t)t->hash & mask;
  while (d->tht[k] != id) k = (k + 1) & mask;
  d->tht[k] = TOMB;
  AW_FREE(t->s);
  t->s = NULL;
  d->live_tokens--;
  if (d->ntfree == d->tfreecap) {
    if (aw_grow((void **)&d->tfree, &d->tfreecap, d->ntfree + 1, sizeof(uint32_t))) return; /* id is leaked */
  }
  d->tfree[d->ntfree++] = id;
}

/* ------------------------------------------------------------------ tree */

static int eht_grow(aw_drain *d) {
  size_t cap = d->ehtcap * 2;
  uint64_t *k2 = (uint64_t *)aw_calloc_array(cap, sizeof(uint64_t));
  uint32_t *v2 = (uint32_t *)aw_alloc_array(cap, sizeof(uint32_t));
  if (!k2 || !v2) {
    AW_FREE(k2);
    AW_FREE(v2);
    return -1;
  }
  for (size_t i = 0; i < cap; i++) v2[i] = NONE;
  for (size_t i = 0; i < d->ehtcap; i++) {
    if (d->eht_val[i] == NONE) continue;
    size_t k = (size_t)mix64(d->eht_key[i]) & (cap - 1);
    while (v2[k] != NONE) k = (k + 1) & (cap - 1);
    k2[k] = d->eht_key[i];
    v2[k] = d->eht_val[i];
  }
  AW_FREE(d->eht_key);
  AW_FREE(d->eht_val);
  d->eht_key = k2;
  d->eht_val = v2;
  d->ehtcap = cap;
  return 0;
}

static inline uint32_t edge_get(const aw_drain *d, uint32_t parent, uint32_t key) {
  uint64_t kk = ((uint64_t)parent << 32) | key;
  size_t mask = d->ehtcap - 1, k = (size_t)mix64(kk) & mask;
  for (;;) {
    uint32_t v = d->eht_val[k];
    if (v == NONE) return NONE;
    if (d->eht_key[k] == kk) return v;
    k = (k + 1) & mask;
  }
}

static uint32_t new_node(aw_drain *d, uint32_t parent, uint32_t key, int wild) {
  if ((d->ehtn + 1) * 2 > d->ehtcap && eht_grow(d)) return NONE;
  if (d->nnodes == d->nodecap && aw_grow((void **)&d->nodes, &d->nodecap, d->nnodes + 1, sizeof(node))) return NONE;
  if (d->nnodes >= (size_t)UINT32_MAX - 1) return NONE;
  uint32_t id = (uint32_t)d->nnodes++;
  node *nd = &d->nodes[id];
  memset(nd, 0, sizeof *nd);
  nd->parent = parent;
  nd->key = key;
  nd->wild = NONE;
  nd->depth = d->nodes[parent].depth + 1;
  node *p = &d->nodes[parent];
  p->nchild++;
  if (wild) {
    p->wild = id;
  } else {
    uint64_t kk = ((uint64_t)parent << 32) | key;
    size_t mask = d->ehtcap - 1, k = (size_t)mix64(kk) & mask;
    while (d->eht_val[k] != NONE) k = (k + 1) & mask;
    d->eht_key[k] = kk;
    d->eht_val[k] = id;
    d->ehtn++;
    if (parent != 0) tok_ref(d, key); /* first-layer keys are lengths */
  }
  d->st.tree_nodes = d->nnodes;
  return id;
}

/* Tokens routed below the length layer for a message of n tokens (policy-dependent), or -1 when
 * the message does not enter the tree (logpai: fewer than depth-2 tokens). */
static long routed_tokens(const aw_drain *d, size_t n) {
  size_t D = d->o.depth - 2; /* logpai's self.depth */
  switch (d->o.short_messages) {
    case AW_DRAIN_SHORT_DRAIN3: return n == 0 ? 0 : (long)((D - 1 < n - 1) ? D - 1 : n - 1);
    case AW_DRAIN_SHORT_SHAPE: return (long)(D - 1 < n ? D - 1 : n);
    default: return n < D ? -1 : (long)(D - 1);
  }
}

/* Drain step 2-3 (treeSearch): the leaf for the message's tokens, or NONE. */
static uint32_t tree_search(const aw_drain *d, size_t n, const uint32_t *ids, const uint8_t *dig) {
  long r = routed_tokens(d, n);
  if (r < 0) return NONE;
  uint32_t nd = edge_get(d, 0, (uint32_t)n);
  if (nd == NONE) return NONE;
  int pnum = d->o.parametrize_numeric_tokens;
  for (long i = 0; i < r; i++) {
    uint32_t id = ids[i], c = NONE;
    if (id == WILD) c = d->nodes[nd].wild;
    else if (id != NOTOK && !(pnum && dig[i])) c = edge_get(d, nd, id);
    if (c == NONE) c = d->nodes[nd].wild;
    if (c == NONE) return NONE;
    nd = c;
  }
  return nd;
}

/* Drain step 5 / logpai addSeqToPrefixTree: routes a new cluster's template to its leaf,
 * creating nodes (respecting max_children), and appends the cluster there. */
static int tree_add(aw_drain *d, uint32_t cid) {
  cluster *c = &d->cl[cid];
  long r = routed_tokens(d, c->len);
  if (r < 0) {
    c->leaf = NONE;
    return 0;
  }
  uint32_t nd = edge_get(d, 0, c->len);
  if (nd == NONE && (nd = new_node(d, 0, c->len, 0)) == NONE) return -1;
  size_t maxc = d->o.max_children;
  int pnum = d->o.parametrize_numeric_tokens;
  for (long i = 0; i < r; i++) {
    uint32_t id = d->cl[cid].t[i];
    uint32_t next = NONE;
    node *p = &d->nodes[nd];
    if (id == WILD) {
      next = p->wild;
      if (next == NONE) next = new_node(d, nd, WILD, 1);
    } else if ((next = edge_get(d, nd, id)) != NONE) {
      /* token matched */
    } else if (!(pnum && d->tok[id].digit)) {
      if (p->wild != NONE) {
        next = p->nchild < maxc ? new_node(d, nd, id, 0) : p->wild;
      } else if (p->nchild + 1 < maxc) {
        next = new_node(d, nd, id, 0);
      } else if (p->nchild + 1 == maxc) {
        next = new_node(d, nd, WILD, 1);
      } else {
        next = new_node(d, nd, WILD, 1); /* unreachable in logpai (KeyError); keep the tree valid */
      }
    } else {
      next = p->wild != NONE ? p->wild : new_node(d, nd, WILD, 1);
    }
    if (next == NONE) return -1;
    nd = next;
  }
  node *leaf = &d->nodes[nd];
  if (leaf->ncl == leaf->clcap) {
    size_t cap = leaf->clcap;
    if (aw_grow((void **)&leaf->cl, &cap, leaf->ncl + 1, sizeof(uint32_t))) return -1;
    leaf->clcap = (uint32_t)cap;
  }
  leaf->cl[leaf->ncl++] = cid;
  d->cl[cid].leaf = nd;
  return 0;
}

static void leaf_remove(aw_drain *d, uint32_t cid) {
  uint32_t nd = d->cl[cid].leaf;
  if (nd == NONE) return;
  node *leaf = &d->nodes[nd];
  for (uint32_t i = 0; i < leaf->ncl; i++) {
    if (leaf->cl[i] == cid) {
      memmove(leaf->cl + i, leaf->cl + i + 1, (leaf->ncl - i - 1) * sizeof(uint32_t));
      leaf->ncl--;
      break;
    }
  }
}

/* ------------------------------------------------------------------ clusters outside the tree */

static uint64_t seq_hash(const uint32_t *t, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  for (size_t i = 0; i < n; i++) h = mix64(h ^ (t[i] + 0x632BE59BD9B4E019ull * (i + 1)));
  return h;
}

static int oht_grow(aw_drain *d) {
  size_t cap = d->ohtcap * 2;
  uint32_t *t = (uint32_t *)aw_calloc_array(cap, sizeof(uint32_t));
  if (!t) return -1;
  size_t n = 0;
  for (size_t i = 0; i < d->ohtcap; i++) {
    uint32_t id = d->oht[i];
    if (id == 0 || id == TOMB) continue;
    size_t k = (size_t)seq_hash(d->cl[id].t, d->cl[id].len) & (cap - 1);
    while (t[k]) k = (k + 1) & (cap - 1);
    t[k] = id;
    n++;
  }
  AW_FREE(d->oht);
  d->oht = t;
  d->ohtcap = cap;
  d->ohtn = n;
  return 0;
}

static uint32_t orphan_find(const aw_drain *d, const uint32_t *ids, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (ids[i] == NOTOK) return NONE;
  size_t mask = d->ohtcap - 1, k = (size_t)seq_hash(ids, n) & mask;
  for (;;) {
    uint32_t id = d->oht[k];
    if (id == 0) return NONE;
    if (id != TOMB && d->cl[id].len == n && memcmp(d->cl[id].t, ids, n * sizeof(uint32_t)) == 0) return id;
    k = (k + 1) & mask;
  }
}

static int orphan_add(aw_drain *d, uint32_t cid) {
  if ((d->ohtn + 1) * 2 > d->ohtcap && oht_grow(d)) return -1;
  size_t mask = d->ohtcap - 1, k = (size_t)seq_hash(d->cl[cid].t, d->cl[cid].len) & mask;
  while (d->oht[k] != 0 && d->oht[k] != TOMB) k = (k + 1) & mask;
  if (d->oht[k] == 0) d->ohtn++;
  d->oht[k] = cid;
  return 0;
}

static void orphan_remove(aw_drain *d, uint32_t cid) {
  size_t mask = d->ohtcap - 1, k = (size_t)seq_hash(d->cl[cid].t, d->cl[cid].len) & mask;
  for (size_t probes = 0; probes < d->ohtcap; probes++) {
    if (d->oht[k] == 0) return;
    if (d->oht[k] == cid) {
      d->oht[k] = TOMB;
      return;
    }
    k = (k + 1) & mask;
  }
}

/* ------------------------------------------------------------------ LRU */

static void lru_unlink(aw_drain *d, uint32_t id) {
  cluster *c = &d->cl[id];
  if (c->prev != NONE) d->cl[c->prev].next = c->next;
  else d->lru_head = c->next;
  if (c->next != NONE) d->cl[c->next].prev = c->prev;
  else d->lru_tail = c->prev;
  c->prev = c->next = NONE;
}

static void lru_append(aw_drain *d, uint32_t id) {
  cluster *c = &d->cl[id];
  c->prev = d->lru_tail;
  c->next = NONE;
  if (d->lru_tail != NONE) d->cl[d->lru_tail].next = id;
  else d->lru_head = id;
  d->lru_tail = id;
}

static void lru_touch(aw_drain *d, uint32_t id) {
  if (d->lru_tail == id) return;
  lru_unlink(d, id);
  lru_append(d, id);
}

static void group_leave(aw_drain *d, uint32_t c);

static void cluster_drop(aw_drain *d, uint32_t id) {
  group_leave(d, id);
  cluster *c = &d->cl[id];
  if (c->leaf != NONE) leaf_remove(d, id);
  else orphan_remove(d, id);
  lru_unlink(d, id);
  for (uint32_t i = 0; i < c->len; i++) tok_unref(d, c->t[i]);
  AW_FREE(c->t);
  c->t = NULL;
  c->live = 0;
  d->live--;
}

/* ------------------------------------------------------------------ messages */

static int ensure_line(aw_drain *d, size_t n) {
  if (n <= d->lcap) return 0;
  size_t cap = d->lcap ? d->lcap : 64;
  while (cap < n) cap *= 2;
  uint32_t *a = (uint32_t *)AW_REALLOC(d->lid, cap * sizeof(uint32_t));
  if (!a) return -1;
  d->lid = a;
  a = (uint32_t *)AW_REALLOC(d->loff, cap * sizeof(uint32_t));
  if (!a) return -1;
  d->loff = a;
  const unsigned char **pp = (const unsigned char **)AW_REALLOC(d->lptr, cap * sizeof(*pp));
  if (!pp) return -1;
  d->lptr = pp;
  a = (uint32_t *)AW_REALLOC(d->llen, cap * sizeof(uint32_t));
  if (!a) return -1;
  d->llen = a;
  uint8_t *b = (uint8_t *)AW_REALLOC(d->ldig, cap);
  if (!b) return -1;
  d->ldig = b;
  uint64_t *h = (uint64_t *)AW_REALLOC(d->lhash, cap * sizeof(uint64_t));
  if (!h) return -1;
  d->lhash = h;
  h = (uint64_t *)AW_REALLOC(d->lshape, cap * sizeof(uint64_t));
  if (!h) return -1;
  d->lshape = h;
  d->lcap = cap;
  return 0;
}

/* Replaces bytes that are not valid UTF-8, and NUL, by U+FFFD (so templates and snapshots are
 * always valid UTF-8 / JSON). Returns s itself when nothing needs replacing. */
static const unsigned char *sanitize(aw_drain *d, const unsigned char *s, size_t *n) {
  size_t len = *n, i = 0;
  while (i < len) {
    /* fast ASCII path, 8 bytes at a time */
    while (i + 8 <= len) {
      uint64_t v = rd64(s + i);
      if ((v & 0x8080808080808080ull) || ((v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull)) break;
      i += 8;
    }
    if (i >= len) break;
    if (s[i] == 0) break;
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t l = aw_u8_decode(s, len, i, &cp);
    if (l == 1) break;
    i += l;
  }
  if (i >= len) return s;
  d->san.len = 0;
  size_t j = 0;
  while (j < len) {
    if (s[j] == 0) {
      if (aw_buf_append(&d->san, "\xEF\xBF\xBD", 3)) return NULL;
      j++;
      continue;
    }
    if (s[j] < 0x80) {
      if (aw_buf_putc(&d->san, (char)s[j])) return NULL;
      j++;
      continue;
    }
    uint32_t cp;
    size_t l = aw_u8_decode(s, len, j, &cp);
    if (l == 1) {
      if (aw_buf_append(&d->san, "\xEF\xBF\xBD", 3)) return NULL;
    } else if (aw_buf_append(&d->san, s + j, l)) {
      return NULL;
    }
    j += l;
  }
  *n = d->san.len;
  return (const unsigned char *)d->san.data;
}

/* Applies the masks to the whole message in order (Python's re.sub each), then Drain3's extra
 * delimiters; returns the text to split (s itself, or one of d->mb), or NULL on error. */
static const unsigned char *mask_whole(aw_drain *d, const unsigned char *s, size_t *np, aw_error *err) {
  size_t n = *np;
  int cur = 0;
  for (size_t m = 0; m < d->nmasks; m++) {
    aw_buf *out = &d->mb[cur];
    out->len = 0;
    size_t k;
    if (aw_regex_sub(d->masks[m].re, (const char *)s, n, d->masks[m].repl, d->masks[m].repl_len, out, &k, err)) return NULL;
    if (k == 0) continue; /* unchanged: keep reading from s */
    s = (const unsigned char *)out->data;
    n = out->len;
    cur ^= 1;
  }
  if (d->o.n_extra_delimiters) {
    /* Drain3: content.strip(), then each delimiter replaced by a space, in order */
    size_t a = 0, b = n;
    while (a < b) {
      size_t l = aw_u8_space_len(s, b, a);
      if (!l) break;
      a += l;
    }
    while (b > a) {
      size_t p = aw_u8_prev(s, b, b);
      if (!aw_u8_space_len(s, b, p)) break;
      b = p;
    }
    for (size_t k = 0; k < d->o.n_extra_delimiters; k++) {
      aw_buf *out = &d->mb[cur];
      out->len = 0;
      const char *dl = d->delims[k];
      size_t dn = d->delim_len[k];
      size_t i = a;
      while (i < b) {
        if (b - i >= dn && memcmp(s + i, dl, dn) == 0) {
          if (aw_buf_putc(out, ' ')) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), NULL;
          i += dn;
        } else {
          if (aw_buf_putc(out, (char)s[i])) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), NULL;
          i++;
        }
      }
      /* an empty or all-space message leaves the buffer empty, and possibly never allocated */
      s = out->data ? (const unsigned char *)out->data : (const unsigned char *)"";
      a = 0;
      b = n = out->len;
      cur ^= 1;
    }
  }
  *np = n;
  return s;
}

/* Mask mk may match a token of byte classes cls (its required bytes, one of its first bytes, a
 * digit when every match has one). */
static inline int mask_fits(const dmask *mk, uint64_t cls) {
  return (cls & mk->need_all) == mk->need_all && (cls & mk->need_any) && (!mk->need_digit || (cls & (TB_DIGIT | TB_UDIGIT)));
}

/* What mask_token did to a token, for the mask memo: how many masks changed it, the last of
 * them, its replacement count and first spans. */
typedef struct {
  size_t changed, mask, count;
  size_t sp[2 * AW_REGEX_SUB_SPANS];
} dm_rec;

/* Per-token masking: runs the masks in order over one token (t, *tl) whose byte classes are
 * cls. Returns the masked token (in d->mb, or a mask's replacement string when a match covered
 * the whole token) or t itself when no mask changed it; NULL on error. *dig is the masked
 * token's digit flag when it is a replacement string, else -1. */
static const unsigned char *mask_token(aw_drain *d, const unsigned char *t, size_t *tl, uint64_t cls, int *dig,
                                       dm_rec *rec, aw_error *err) {
  int cur = 0;
  *dig = -1;
  for (size_t m = 0; m < d->nmasks; m++) {
    const dmask *mk = &d->masks[m];
    if (!mask_fits(mk, cls)) continue;
    aw_buf *out = &d->mb[cur];
    out->len = 0;
    size_t k;
    if (rec ? aw_regex_sub_spans(mk->re, (const char *)t, *tl, mk->repl, mk->repl_len, out, &k, rec->sp, err)
            : aw_regex_sub(mk->re, (const char *)t, *tl, mk->repl, mk->repl_len, out, &k, err))
      return NULL;
    if (k == 0) continue;
    if (rec) {
      rec->changed++;
      rec->mask = m;
      rec->count = k;
    }
    cls |= mk->repl_cls; /* a superset of the new token's classes: still a valid filter */
    if (out->len == mk->repl_len) {
      /* the output is the unmatched bytes plus k >= 1 replacements: as long as one replacement,
       * it is exactly the replacement (the match covered the token) - which lives in the mask */
      t = (const unsigned char *)mk->repl;
      *tl = mk->repl_len;
      *dig = mk->repl_digit;
      continue;
    }
    t = (const unsigned char *)out->data;
    *tl = out->len;
    *dig = -1;
    cur ^= 1;
  }
  return t;
}

/* End of the token that starts at s[i] (not white space): the first white-space character
 * (Python's str.isspace(), Unicode included) or n. Stores in *acc the OR of the byte classes of
 * its bytes (d->bcls; only the digit flags TB_DIGIT / TB_UDIGIT unless `classes`). Eight bytes at a
 * time while they are printable ASCII; bytes < 0x21 or >= 0x80 are looked at one by one. With
 * `strict`, returns SIZE_MAX at a NUL byte or a byte that is not UTF-8 (the message must be
 * sanitized first); otherwise such a byte is one character of the token. */
static inline size_t token_end(const uint64_t *tab, const unsigned char *s, size_t n, size_t i, int classes, int strict,
                               uint64_t *acc) {
  const uint64_t hi = 0x8080808080808080ull;
  uint64_t a = 0;
  for (;;) {
    while (i + 8 <= n) {
      uint64_t v = rd64(s + i);
      /* high bit of the first byte that is < 0x21 or >= 0x80 (borrows only run upwards) */
      uint64_t stop = ((v - 0x2121212121212121ull) | v) & hi;
      size_t k = stop ? (size_t)__builtin_ctzll(stop) >> 3 : 8; /* printable bytes before it */
      if (classes) {
        const unsigned char *q = s + i;
        switch (k) { /* fall through: the k bytes before the stop */
          case 8: a |= tab[q[7]]; /* fall through */
          case 7: a |= tab[q[6]]; /* fall through */
          case 6: a |= tab[q[5]]; /* fall through */
          case 5: a |= tab[q[4]]; /* fall through */
          case 4: a |= tab[q[3]]; /* fall through */
          case 3: a |= tab[q[2]]; /* fall through */
          case 2: a |= tab[q[1]]; /* fall through */
          case 1: a |= tab[q[0]]; /* fall through */
          default: break;
        }
      } else if (k) {
        /* ASCII digits among the k bytes: b + 0x50 reaches 0x80 from '0', b + 0x46 from ':' */
        uint64_t keep = k == 8 ? ~(uint64_t)0 : (((uint64_t)1) << (8 * k)) - 1;
        uint64_t w = v & keep;
        if ((w + 0x5050505050505050ull) & ~(w + 0x4646464646464646ull) & keep & hi) a |= TB_DIGIT;
      }
      i += k;
      if (k < 8) break;
    }
    /* the last few bytes, or the byte that stopped the fast loop */
    while (i < n) {
      uint64_t c = tab[s[i]];
      if (c & (TB_SPACE | TB_HIGH)) break;
      a |= classes ? c : (c & TB_DIGIT);
      i++;
      if (i + 8 <= n && s[i] > 0x20 && s[i] < 0x80) break; /* back to eight at a time */
    }
    if (i >= n) break;
    uint64_t c = tab[s[i]];
    if (c & TB_SPACE) break;
    if (!(c & TB_HIGH)) continue; /* a printable byte: the fast loop again */
    if (s[i] == 0) {
      if (strict) return SIZE_MAX;
      a |= classes ? c & ~TB_HIGH : 0;
      i++;
      continue;
    }
    uint32_t cp;
    size_t l = aw_u8_decode(s, n, i, &cp);
    if (l == 1 && strict) return SIZE_MAX;
    if (aw_uni_is_space(cp)) break;
    a |= (classes ? c & ~TB_HIGH : 0) | (aw_uni_is_digit(cp) ? TB_UDIGIT : 0);
    i += l;
  }
  *acc = a;
  return i;
}

/* Classes (d->bcls) of the n bytes at p. */
static inline uint64_t byte_classes(const uint64_t *tab, const unsigned char *p, size_t n) {
  uint64_t a = 0;
  while (n >= 4) {
    a |= tab[p[0]] | tab[p[1]] | tab[p[2]] | tab[p[3]];
    p += 4;
    n -= 4;
  }
  while (n--) a |= tab[*p++];
  return a;
}

/* Some mask may match a token of byte classes cls. */
static inline int mask_may(const aw_drain *d, uint64_t cls) {
  if (!(cls & d->mask_any)) return 0;
  for (size_t m = 0; m < d->nmasks; m++)
    if (mask_fits(&d->masks[m], cls)) return 1;
  return 0;
}

/* Token nt's masked bytes were appended to the arena from `start`: records them there with
 * digit flag dig (the arena may still move: the offset is kept and d->lptr[nt] is NULL until the
 * end of the message). Returns the bytes, NULL when the arena outgrew 32-bit offsets. */
static const unsigned char *arena_token(aw_drain *d, size_t nt, size_t start, int dig, int *in_arena, aw_error *err) {
  if (d->tokarena.len > UINT32_MAX) return aw_error_set(err, AW_ERR_LIMIT, "drain: message longer than 4 GiB"), NULL;
  d->loff[nt] = (uint32_t)start;
  d->lptr[nt] = NULL; /* in the arena: set at the end */
  d->ldig[nt] = (uint8_t)dig;
  *in_arena = 1;
  return (const unsigned char *)d->tokarena.data + start;
}

/* Masks token nt (t[0..tl), byte classes cls) when a mask may match it; a masked token goes to
 * the arena (which may still move: its offset is kept and d->lptr[nt] is set to NULL until the
 * end of the message) and gets its digit flag again - unless it is a mask's replacement string,
 * which stays where it is (d->lptr[nt] points at it). Returns the token bytes, NULL on error. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static const unsigned char *mask_one(aw_drain *d, size_t nt, const unsigned char *t, size_t *tl, uint64_t cls,
                                     int *in_arena, dm_rec *rec, aw_error *err) {
  int dig;
  const unsigned char *mt = mask_token(d, t, tl, cls, &dig, rec, err);
  if (!mt || mt == t) return mt;
  if (dig >= 0) {
    d->lptr[nt] = mt;
    d->ldig[nt] = (uint8_t)dig;
    return mt;
  }
  size_t start = d->tokarena.len;
  if (aw_buf_add(&d->tokarena, mt, *tl)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), NULL;
  return arena_token(d, nt, start, has_digit((const unsigned char *)d->tokarena.data + start, *tl), in_arena, err);
}

/* Masks printable-ASCII token nt (t[0..tl), 1 <= tl <= DMEMO_TEXT) as mask_one would, by the
 * mask memo when a token of the same class string (dm_cls) was masked before: the memo holds
 * what the masks did to it when at most one mask changed it, with at most AW_REGEX_SUB_SPANS
 * replacements (see dm_setup for why the class string decides). Returns the token bytes, NULL
 * on error. */
static const unsigned char *mask_memo(aw_drain *d, size_t nt, const unsigned char *t, size_t *tl, int *in_arena,
                                      aw_error *err) {
  size_t n = *tl;
  uint64_t a, b;
  aw_class_key(d->dm_cls, t, n, &a, &b);
  if (!d->dm && !(d->dm = (dmemo *)aw_calloc_array(DMEMO_SLOTS, sizeof(dmemo))))
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), NULL;
  dmemo *e = &d->dm[aw_class_key_slot(a, b, n, DMEMO_SLOTS)];
  if (e->n == n && e->k0 == a && e->k1 == b) {
    if (e->kind == DM_SAME) return t;
    const dmask *mk = &d->masks[e->mask];
    if (e->kind == DM_WHOLE) {
      d->lptr[nt] = (const unsigned char *)mk->repl;
      d->ldig[nt] = (uint8_t)mk->repl_digit;
      *tl = mk->repl_len;
      return (const unsigned char *)mk->repl;
    }
    /* DM_SPANS: rebuilt into the arena, where mask_one puts a rewritten token */
    size_t start = d->tokarena.len;
    if (aw_splice_spans(&d->tokarena, t, n, e->sp, e->nsp, mk->repl, mk->repl_len))
      return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), NULL;
    *tl = d->tokarena.len - start;
    return arena_token(d, nt, start, e->dig, in_arena, err);
  }
  /* not seen: mask_one's work, recorded */
  uint64_t cls = byte_classes(d->bcls, t, n);
  dm_rec rec;
  rec.changed = rec.count = 0;
  const unsigned char *mt = mask_may(d, cls) ? mask_one(d, nt, t, tl, cls, in_arena, &rec, err) : t;
  if (!mt) return NULL;
  if (rec.changed > 1 || rec.count > AW_REGEX_SUB_SPANS) return mt; /* not kept */
  e->k0 = a;
  e->k1 = b;
  e->n = (uint8_t)n;
  if (!rec.changed) {
    e->kind = DM_SAME;
    return mt;
  }
  const dmask *mk = &d->masks[rec.mask];
  e->mask = (uint8_t)rec.mask;
  e->kind = mt == (const unsigned char *)mk->repl ? DM_WHOLE : DM_SPANS;
  e->nsp = (uint8_t)rec.count;
  e->dig = d->ldig[nt];
  for (size_t j = 0; j < 2 * rec.count; j++) e->sp[j] = (uint8_t)rec.sp[j];
  return mt;
}

/* Records token nt (bytes t[0..tl), digit flag dig, byte classes cls when masking per token):
 * masks it if its classes allow, hashes it and looks it up. Returns 0, or -1 on error. */
static inline int add_token(aw_drain *d, size_t nt, const unsigned char *t, size_t tl, unsigned dig, uint64_t cls,
                            int *in_arena, aw_error *err) {
  d->lptr[nt] = t;
  d->ldig[nt] = (uint8_t)dig;
  if ((dig || d->mask_nodigit) && mask_may(d, cls)) {
    const unsigned char *mt = mask_one(d, nt, t, &tl, cls, in_arena, NULL, err);
    if (!mt) return -1;
    t = mt;
  }
  d->llen[nt] = (uint32_t)tl;
  uint64_t h = hash_bytes(t, tl);
  d->lhash[nt] = h;
  d->lid[nt] = lookup(d, t, tl, h);
  return 0;
}

/* The usual message: printable ASCII (0x21..0x7F) and spaces only - then it needs no
 * sanitizing, its white space is ' ' alone, and the tokens are the runs between spaces. Token
 * bounds and digit flags come from 16-byte blocks (simd16.h): bit masks of the spaces give every
 * start and end, a mask of the digits the flags; then each token is masked (when its digits and
 * byte classes allow), hashed and looked up. Returns the token count, -1 on error, or -2 when
 * the message has another byte (the general loop of tokenize takes it). */
static long tokenize_ascii(aw_drain *d, const unsigned char *s, size_t n, int per_token, aw_error *err) {
  /* bounds: a token starts at a non-space after a space (or at 0), ends at a space after a
   * non-space (or at n) */
  if ((n + 1) / 2 + 1 > d->lcap && ensure_line(d, (n + 1) / 2 + 1)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), -1;
  uint32_t *off = d->loff, *len = d->llen;
  uint8_t *dg8 = d->ldig;
  size_t nt = 0, nblk = (n + 15) / 16;
  uint32_t carry = 0; /* the byte before the block is a token byte */
  int in_tok = 0;
  unsigned from = 0, dig = 0; /* the token's first bit in this block; a digit seen so far */
  unsigned char pad[16];
  for (size_t b = 0; b < nblk; b++) {
    uint32_t sp, dg, bad;
    if (16 * b + 16 <= n) {
      const unsigned char *p = s + 16 * b;
      sp = aw_s16_eq(p, ' ');
      dg = aw_s16_range(p, '0', '9');
      bad = aw_s16_lt_signed(p, 0x21);
    } else if (n >= 16) { /* the last bytes: the block ending at n, shifted down; spaces after n */
      const unsigned char *p = s + n - 16;
      unsigned sh = (unsigned)(16 * b + 16 - n);
      uint32_t past = (0xFFFFu << (16 - sh)) & 0xFFFFu;
      sp = aw_s16_eq(p, ' ') >> sh | past;
      dg = aw_s16_range(p, '0', '9') >> sh;
      bad = aw_s16_lt_signed(p, 0x21) >> sh | past;
    } else {
      memset(pad, ' ', 16);
      memcpy(pad, s, n);
      sp = aw_s16_eq(pad, ' ');
      dg = aw_s16_range(pad, '0', '9');
      bad = aw_s16_lt_signed(pad, 0x21);
    }
    if (bad & ~sp) return -2; /* another byte < 0x21 or >= 0x80: the general loop */
    uint32_t tk = ~sp & 0xFFFFu;
    uint32_t prev = (tk << 1 | carry) & 0xFFFFu;
    uint32_t st = tk & ~prev, en = ~tk & prev & 0xFFFFu;
    carry = tk >> 15;
    uint32_t base = (uint32_t)(16 * b);
    for (;;) {
      if (!in_tok) {
        if (!st) break;
        from = (unsigned)__builtin_ctz(st);
        off[nt] = base + from;
        st &= st - 1;
        in_tok = 1;
        dig = 0;
      } else {
        if (!en) { /* the token goes on in the next block */
          dig |= (dg >> from) != 0;
          from = 0;
          break;
        }
        unsigned e = (unsigned)__builtin_ctz(en);
        dig |= (dg & ((1u << e) - 1)) >> from != 0;
        len[nt] = base + e - off[nt];
        dg8[nt] = (uint8_t)dig;
        en &= en - 1;
        nt++;
        in_tok = 0;
      }
    }
  }
  if (in_tok) {
    len[nt] = (uint32_t)n - off[nt];
    dg8[nt] = (uint8_t)dig;
    nt++;
  }
  /* each token: masks, hash, dictionary (the arrays and flags in locals: the stores through
   * them could otherwise alias d's fields, which the compiler would then read again) */
  const uint64_t *tab = d->bcls;
  const unsigned char **lptr = d->lptr;
  uint64_t *lhash = d->lhash;
  uint32_t *lid = d->lid;
  int in_arena = 0, try_mask = per_token, mask_all = d->mask_nodigit, dm_ok = d->dm_ok;
  d->tokarena.len = 0;
  for (size_t k = 0; k < nt; k++) {
    const unsigned char *t = s + off[k];
    size_t tl = len[k];
    lptr[k] = t;
    if (try_mask && (dg8[k] || mask_all)) {
      const unsigned char *mt;
      if (dm_ok && tl <= DMEMO_TEXT) {
        mt = mask_memo(d, k, t, &tl, &in_arena, err);
      } else {
        uint64_t cls = byte_classes(tab, t, tl);
        mt = mask_may(d, cls) ? mask_one(d, k, t, &tl, cls, &in_arena, NULL, err) : t;
      }
      if (!mt) return -1;
      t = mt;
    }
    len[k] = (uint32_t)tl; /* (len is d->llen) */
    if (tl - 1 < 7 && t == s + off[k] && off[k] + 8 <= n) {
      /* a short token inside the message with 8 bytes readable from its start: one load */
      uint64_t v = rd64(t) & (~(uint64_t)0 >> (8 * (8 - tl)));
      uint64_t h = hash_short8(v, tl);
      lhash[k] = h;
      lid[k] = lookup_short(d, v, tl, h);
      continue;
    }
    uint64_t h = hash_bytes(t, tl);
    lhash[k] = h;
    lid[k] = lookup(d, t, tl, h);
  }
  if (in_arena)
    for (size_t j = 0; j < nt; j++)
      if (!lptr[j]) lptr[j] = (const unsigned char *)d->tokarena.data + off[j];
  return (long)nt;
}

/* Masks, then splits into tokens (Python's str.split()); fills d->lid/lptr/llen/ldig/lhash.
 * Returns the token count (or -1 on error).
 *
 * Masks are Python re.sub calls over the whole message, one after the other. When every mask is
 * token-local (aw_regex_token_local: its matches are non-empty and hold no white space, no ^ $)
 * and its replacement has no white space, masking cannot move a token boundary, so each token
 * is masked on its own with the same result - and a token is only handed to a mask when its byte
 * classes contain what every match needs (the mask's required bytes and one of its first bytes;
 * tok_class). Most tokens ("PacketResponder", "for") need no regex at all. Otherwise (or with
 * extra delimiters) the whole message is masked first, as Drain3 does.
 *
 * Messages are first read as they are; NUL bytes and invalid UTF-8 (rare) are found on the way,
 * and then the message is sanitized (sanitize) and read again. */
static long tokenize(aw_drain *d, const char *msg, size_t len, aw_error *err) {
  size_t n = len;
  const unsigned char *s = (const unsigned char *)msg;
  int clean = 0; /* s went through sanitize */
  int per_token = d->nmasks && d->masks_local && !d->o.n_extra_delimiters;
  if (!per_token && (d->nmasks || d->o.n_extra_delimiters)) {
    s = sanitize(d, s, &n);
    if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), -1;
    s = mask_whole(d, s, &n, err);
    if (!s) return -1;
    clean = 1;
  }
  if (n > UINT32_MAX) return aw_error_set(err, AW_ERR_LIMIT, "drain: message longer than 4 GiB"), -1;
  long fast = tokenize_ascii(d, s, n, per_token, err);
  if (fast != -2) return fast;
  const uint64_t *tab = d->bcls;
restart:;
  int in_arena = 0;
  d->tokarena.len = 0;
  size_t nt = 0, i = 0;
  while (i < n) {
    uint64_t k = tab[s[i]];
    if (k & TB_SPACE) {
      i++;
      continue;
    }
    if ((k & TB_HIGH) && s[i]) {
      size_t l = aw_u8_space_len(s, n, i);
      if (l) {
        i += l;
        continue;
      }
    }
    /* one token: up to white space (Python's str.isspace(), Unicode included) */
    size_t st = i;
    uint64_t acc;
    i = per_token ? token_end(tab, s, n, i, 1, !clean, &acc) : token_end(tab, s, n, i, 0, !clean, &acc);
    if (i == SIZE_MAX) {
      s = sanitize(d, (const unsigned char *)msg, &n);
      if (!s) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), -1;
      clean = 1;
      goto restart;
    }
    if (nt == d->lcap && ensure_line(d, nt + 1)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), -1;
    if (add_token(d, nt, s + st, i - st, (acc & (TB_DIGIT | TB_UDIGIT)) != 0, per_token ? acc : 0, &in_arena, err)) return -1;
    nt++;
  }
  if (in_arena)
    for (size_t j = 0; j < nt; j++)
      if (!d->lptr[j]) d->lptr[j] = (const unsigned char *)d->tokarena.data + d->loff[j];
  return (long)nt;
}

/* Token refinement (improvement): does message token m fit template token t, whose "<*>" parts
 * stand for one or more characters? */
static int glob_fit(const aw_drain *d, const token *t, const unsigned char *m, size_t ml) {
  const unsigned char *p = (const unsigned char *)t->s;
  size_t pl = t->len, w = d->wildlen;
  /* classic wildcard matching with backtracking to the last star */
  size_t i = 0, j = 0, star_i = SIZE_MAX, star_j = 0;
  while (j < ml) {
    if (i < pl && w && pl - i >= w && memcmp(p + i, d->wildstr, w) == 0) {
      star_i = i + w;
      star_j = ++j; /* the star takes at least one character */
      i = star_i;
      continue;
    }
    if (i < pl && p[i] == m[j]) {
      i++;
      j++;
      continue;
    }
    if (star_i == SIZE_MAX) return 0;
    i = star_i;
    j = ++star_j;
  }
  while (i < pl && w && pl - i >= w && memcmp(p + i, d->wildstr, w) == 0) return 0; /* star needs a char */
  return i == pl;
}

static int is_punct(unsigned c) { return c < 0x80 && !((c | 32) >= 'a' && (c | 32) <= 'z') && !(c >= '0' && c <= '9'); }

/* The template token for template token t (no wildcard inside) and a different message token m:
 * their common prefix up to its last punctuation character, "<*>", and their common suffix from
 * its first punctuation character ("user=root"/"user=guest" -> "user=<*>", "5)"/"12)" -> "<*>)",
 * "node-12"/"node-13" -> "node-<*>"); plain "<*>" when nothing is shared that way. */
static uint32_t refine(aw_drain *d, uint32_t tid, const unsigned char *m, size_t ml) {
  const token *t = &d->tok[tid];
  const unsigned char *a = (const unsigned char *)t->s;
  size_t al = t->len;
  if (t->masked) return WILD; /* already holds a wildcard or mask: keep it simple */
  /* only delimiters that introduce or close a value count as boundaries ('_', '/', '-' and '.'
   * join parts of one identifier or path) */
  static const char open_b[] = "=:([{<#@,'\"";
  static const char close_b[] = ")]}>,:;'\"";
  size_t pre = 0;
  while (pre < al && pre < ml && a[pre] == m[pre]) pre++;
  while (pre > 0 && !(is_punct(a[pre - 1]) && strchr(open_b, a[pre - 1]))) pre--;
  size_t suf = 0;
  while (suf < al - pre && suf < ml - pre && a[al - 1 - suf] == m[ml - 1 - suf]) suf++;
  while (suf > 0 && !(is_punct(a[al - suf]) && strchr(close_b, a[al - suf]))) suf--;
  /* an affix with a digit is part of an identifier ("msra-sa-41:", "attempt_1445_m_"): drop it */
  for (size_t k = 0; k < pre; k++)
    if (a[k] >= '0' && a[k] <= '9') pre = 0;
  for (size_t k = 0; k < suf; k++)
    if (a[al - 1 - k] >= '0' && a[al - 1 - k] <= '9') suf = 0;
  /* keep UTF-8 whole: punctuation is ASCII, so the cuts above are at character boundaries */
  if (pre == 0 && suf == 0) return WILD;
  if (pre + suf >= al || pre + suf >= ml) return WILD; /* nothing left for the wildcard */
  aw_buf *o = &d->mtok;
  o->len = 0;
  if (aw_buf_append(o, a, pre) || aw_buf_append(o, d->wildstr, d->wildlen) || aw_buf_append(o, a + al - suf, suf))
    return NONE;
  return intern(d, (const unsigned char *)o->data, o->len, hash_bytes((const unsigned char *)o->data, o->len));
}

/* Drain step 4 (fastMatch, Eq. 1): the most similar cluster among cands if its similarity
 * reaches st; ties go to the template with more parameters (logpai). Modes (count_wild):
 *  0  logpai: simSeq = equal tokens / n, template "<*>" never counts;
 *  1  Drain3's include_params: template "<*>" positions count as equal;
 *  2  improvement: a message that fits the template (every constant token equal) matches it
 *     (similarity 1), and template tokens that carry a mask ("<*>:", "/<IP>") are left out of the
 *     ratio - they say nothing about whether two messages are the same event.
 * shape: short-message improvement, tokens are compared by digit shape (see shape_hash). */
static uint32_t fast_match(const aw_drain *d, const uint32_t *cands, size_t ncand, const uint32_t *ids, size_t n,
                           double st, int count_wild, int shape) {
  if (count_wild != 2 && !shape && n > 0 && n < (size_t)LONG_MAX) {
    /* Modes 0 and 1 in integers: every candidate has n tokens, so similarities are k / n and
     * compare like their numerators (k / n is exact-monotonic in k); st becomes thr, the least k
     * with k / n >= st. The loop below takes exactly the decisions of the general one: the early
     * exit "ub < need && !(ub == max_sim && ub >= st)" is ub < max(best, thr) in numerators. */
    long thr = st == d->o.st && n < THR_CACHE ? d->thr[n] : sim_threshold(st, n);
    long best = -1, best_par = -1;
    uint32_t win = NONE;
    long wild_counts = count_wild == 1;
    uint32_t wmask = wild_counts ? 15u : 0u; /* template "<*>" positions that count as equal */
    for (size_t k = 0; k < ncand; k++) {
      const cluster *c = &d->cl[cands[k]];
      if (!c->live || c->len != n) continue;
      const uint32_t *t = c->t;
      long lim = best > thr ? best : thr;
      /* sim + (n - 1 - i) < lim  <=>  misses after position i > n - lim */
      long allow = (long)n - lim, miss = 0, par = 0;
      /* four positions at a time (simd16.h); misses only grow, so checking the budget after
       * each four skips exactly the candidates the per-position check skips */
      static const uint8_t pc4[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
      size_t i = 0;
      for (; i + 4 <= n; i += 4) {
        uint32_t m = aw_s16_eq32x4(t + i, ids + i, WILD);
        uint32_t eq = m & 15, wd = m >> 4;
        par += pc4[wd];
        miss += 4 - pc4[(eq & ~wd) | (wd & wmask)];
        if (miss > allow) break;
      }
      if (i + 4 <= n) continue;
      for (; i < n; i++) {
        uint32_t tt = t[i];
        if (tt == WILD) {
          par++;
          miss += 1 - wild_counts;
        } else {
          miss += tt != ids[i];
        }
      }
      if (miss > allow) continue;
      long sim = (long)n - miss;
      if (sim > best || (sim == best && par > best_par)) {
        best = sim;
        best_par = par;
        win = cands[k];
      }
    }
    return best >= thr ? win : NONE;
  }
  if (count_wild == 2 && !shape) {
    /* Mode 2 with the general loop's decisions, cheaper: the early exit "ub < need && !(ub ==
     * max_sim && ub >= st)" is sim + (positions left) < kneed, kneed the least k with
     * k / den_all >= need (both cases of need reduce to that); and a masked constant's glob_fit
     * only matters while the message still fits (it counts in no ratio), so it is skipped once
     * a constant differs. */
    double max_sim = -1.0;
    long max_par = -1;
    uint32_t best = NONE;
    for (size_t k = 0; k < ncand; k++) {
      const cluster *c = &d->cl[cands[k]];
      if (!c->live || c->len != n) continue;
      const uint32_t *t = c->t;
      long den_all = (long)c->den;
      double need = max_sim > st ? max_sim : st;
      long kneed = den_all > 0 ? sim_threshold(need, (size_t)den_all) : 0; /* (need <= 1) */
      long sim = 0, par = 0, den = 0, consts = 0;
      int fits = 1;
      size_t i = 0;
      /* while the message fits: no early exit; masked constants need glob_fit */
      for (; i < n && fits; i++) {
        uint32_t tt = t[i];
        if (tt == WILD) {
          par++;
          den++;
        } else if (d->tok[tt].masked) {
          consts++;
          if (tt != ids[i] && !glob_fit(d, &d->tok[tt], d->lptr[i], d->llen[i])) fits = 0;
        } else {
          consts++;
          den++;
          if (tt == ids[i]) sim++;
          else fits = 0;
        }
      }
      /* then: sim + (positions left) < kneed <=> misses (i - sim) > n - kneed; misses only grow,
       * so checking after each four positions skips the same candidates */
      long allow = (long)n - kneed;
      int out = den_all > 0 && !fits && (long)i - sim > allow;
      static const uint8_t pc4[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
      for (; !out && i + 4 <= n && i + 4 <= 64; i += 4) {
        uint32_t m = aw_s16_eq32x4(t + i, ids + i, WILD);
        uint32_t eq = m & 15, wd = m >> 4, mq = (uint32_t)(c->mk >> i) & 15;
        par += pc4[wd];
        consts += 4 - pc4[wd];
        den += 4 - pc4[mq];
        sim += pc4[eq & ~wd & ~mq & 15];
        out = den_all > 0 && (long)(i + 4) - sim > allow;
      }
      for (; !out && i < n; i++) {
        uint32_t tt = t[i];
        if (tt == WILD) {
          par++;
          den++;
        } else {
          consts++;
          if (!d->tok[tt].masked) {
            den++;
            sim += tt == ids[i];
          }
        }
        out = den_all > 0 && (long)(i + 1) - sim > allow;
      }
      if (out) continue;
      double s = fits && consts ? 1.0 : den ? (double)sim / (double)den : 0.0;
      if (s > max_sim || (s == max_sim && par > max_par)) {
        max_sim = s;
        max_par = par;
        best = cands[k];
      }
    }
    return max_sim >= st ? best : NONE;
  }
  double max_sim = -1.0;
  long max_par = -1;
  uint32_t best = NONE;
  for (size_t k = 0; k < ncand; k++) {
    const cluster *c = &d->cl[cands[k]];
    if (!c->live || c->len != n) continue;
    const uint32_t *t = c->t;
    /* the final denominator: n, or (mode 2) the positions that are not masked constants */
    long den_all = count_wild == 2 ? (long)c->den : (long)n;
    double need = max_sim > st ? max_sim : st;
    long sim = 0, par = 0, den = 0, consts = 0, fits = 1;
    size_t i;
    for (i = 0; i < n; i++) {
      uint32_t tt = t[i];
      if (tt == WILD) {
        par++;
        den++;
        if (count_wild == 1) sim++;
      } else {
        int eq = tt == ids[i] || (shape && d->tok[tt].shape == d->lshape[i]) ||
                 (count_wild == 2 && d->tok[tt].masked && glob_fit(d, &d->tok[tt], d->lptr[i], d->llen[i]));
        consts++;
        fits &= eq;
        if (!(count_wild == 2 && d->tok[tt].masked)) {
          den++;
          sim += eq;
        }
      }
      /* early exit: even if every remaining position matched, this cluster could not reach st
       * nor beat the best so far (an equal score can still win on parameters, so it goes on) */
      if (!(count_wild == 2 && fits) && den_all > 0) {
        double ub = (double)(sim + (long)(n - 1 - i)) / (double)den_all;
        if (ub < need && !(ub == max_sim && ub >= st)) break;
      }
    }
    if (i < n) continue;
    double s;
    if (count_wild == 2) s = fits && consts ? 1.0 : den ? (double)sim / (double)den : 0.0;
    else s = n ? (double)sim / (double)n : 1.0;
    if (s > max_sim || (s == max_sim && par > max_par)) {
      max_sim = s;
      max_par = par;
      best = cands[k];
    }
  }
  return max_sim >= st ? best : NONE;
}

/* Positions that count in the similarity ratio of mode 2 (all but constants carrying a mask). */
static void cluster_den(aw_drain *d, uint32_t cid) {
  cluster *c = &d->cl[cid];
  uint32_t den = 0;
  uint64_t mk = 0;
  for (uint32_t i = 0; i < c->len; i++) {
    int masked = c->t[i] != WILD && d->tok[c->t[i]].masked;
    den += !masked;
    if (masked && i < 64) mk |= (uint64_t)1 << i;
  }
  c->den = den;
  c->mk = mk;
}

static int ensure_clusters(aw_drain *d, size_t id) {
  if (id < d->clcap) return 0;
  size_t old = d->clcap;
  if (aw_grow((void **)&d->cl, &d->clcap, id + 1, sizeof(cluster))) return -1;
  memset(d->cl + old, 0, (d->clcap - old) * sizeof(cluster));
  return 0;
}

static void cluster_den(aw_drain *d, uint32_t cid);

/* Creates a cluster whose template is the message's tokens. */
static uint32_t create_cluster(aw_drain *d, size_t n, aw_error *err) {
  if (d->max_id == UINT32_MAX - 1) return aw_error_set(err, AW_ERR_LIMIT, "drain: too many clusters"), NONE;
  uint32_t id = d->max_id + 1;
  if (ensure_clusters(d, id)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), NONE;
  cluster *c = &d->cl[id];
  memset(c, 0, sizeof *c);
  c->t = (uint32_t *)aw_alloc_array(n ? n : 1, sizeof(uint32_t));
  if (!c->t) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), NONE;
  for (size_t i = 0; i < n; i++) {
    uint32_t t = d->lid[i];
    if (t == NOTOK) {
      t = intern(d, d->lptr[i], d->llen[i], d->lhash[i]);
      if (t == NONE) {
        for (size_t k = 0; k < i; k++) tok_unref(d, c->t[k]);
        AW_FREE(c->t);
        c->t = NULL;
        return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), NONE;
      }
      d->lid[i] = t;
    }
    c->t[i] = t;
    tok_ref(d, t);
  }
  c->len = (uint32_t)n;
  c->live = 1;
  c->leaf = NONE;
  c->prev = c->next = NONE;
  c->grp = c->gnext = id;
  d->max_id = id;
  cluster_den(d, id);
  d->live++;
  d->st.clusters_created++;
  lru_append(d, id);
  if (tree_add(d, id)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), NONE;
  if (c->leaf == NONE && orphan_add(d, id)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), NONE;
  /* Drain3's max_clusters: evict the least recently used cluster. Done after the new template
   * holds its tokens, so an eviction cannot free a token the message still uses. */
  if (d->o.max_clusters && d->live > d->o.max_clusters && d->lru_head != NONE && d->lru_head != id) {
    cluster_drop(d, d->lru_head);
    d->st.clusters_evicted++;
  }
  return id;
}

/* ---- variable-length improvement: clusters whose templates have the same constant tokens in
 * the same order (the "skeleton": tokens that are not "<*>", carry no mask and contain no digit)
 * but a different token count are one event whose variable part spans a variable number of
 * tokens ("123 bytes sent" / "123 bytes (1.2 KB) sent", Drain3 issue #66). They are joined in a
 * group (union-find with the oldest cluster as root); messages are reported under the group. */

#define SKEL_MIN 2 /* constant tokens a skeleton needs before it can join templates */

/* Tokens that may be absent from a variant of the event: parameter fragments without letters
 * ("12", "(<*>", "<*>)", "[<*>]"). "<*>" itself stays in the skeleton (it stands for a value
 * that is always there), and so does anything with a letter ("user=<*>", "act=<*>"). */
static int skel_drop(const aw_drain *d, uint32_t t) {
  return t == WILD || ((d->tok[t].digit || d->tok[t].masked) && !d->tok[t].letters);
}

static uint64_t skel_hash(const aw_drain *d, const cluster *c, size_t *nconst) {
  uint64_t h = 0x51ED270B27A3B5C1ull;
  size_t k = 0, nc = 0;
  for (uint32_t i = 0; i < c->len; i++) {
    uint32_t t = c->t[i];
    if (skel_drop(d, t)) continue;
    /* token string hashes (not ids) keep the table valid across snapshots */
    h = mix64(h ^ (d->tok[t].hash + 0x9E3779B97F4A7C15ull * ++k));
    nc++;
  }
  *nconst = nc;
  return mix64(h ^ k);
}

static int skel_equal(const aw_drain *d, const cluster *a, const cluster *b) {
  uint32_t i = 0, j = 0;
  for (;;) {
    while (i < a->len && skel_drop(d, a->t[i])) i++;
    while (j < b->len && skel_drop(d, b->t[j])) j++;
    if (i == a->len || j == b->len) return i == a->len && j == b->len;
    if (a->t[i] != b->t[j]) return 0;
    i++;
    j++;
  }
}

static void group_union(aw_drain *d, uint32_t x, uint32_t y) {
  uint32_t rx = d->cl[x].grp, ry = d->cl[y].grp;
  if (rx == ry) return;
  uint32_t keep = rx < ry ? rx : ry, gone = rx < ry ? ry : rx;
  /* relabel the members of the younger group, then splice the two circular lists */
  uint32_t m = gone;
  do {
    d->cl[m].grp = keep;
    m = d->cl[m].gnext;
  } while (m != gone);
  uint32_t kn = d->cl[keep].gnext;
  d->cl[keep].gnext = d->cl[gone].gnext;
  d->cl[gone].gnext = kn;
  d->cl[keep].gsize += d->cl[gone].gsize;
  d->cl[gone].gsize = 0;
}

/* Removes c from its group (eviction), promoting the oldest remaining member to root. */
static void group_leave(aw_drain *d, uint32_t c) {
  cluster *cc = &d->cl[c];
  if (cc->gnext == c) return;
  uint32_t prev = c;
  while (d->cl[prev].gnext != c) prev = d->cl[prev].gnext;
  d->cl[prev].gnext = cc->gnext;
  uint32_t root = cc->grp;
  uint64_t gs = d->cl[root].gsize - cc->size;
  if (root == c) {
    uint32_t nr = cc->gnext, m = cc->gnext;
    do {
      if (m < nr) nr = m;
      m = d->cl[m].gnext;
    } while (m != cc->gnext);
    m = nr;
    do {
      d->cl[m].grp = nr;
      m = d->cl[m].gnext;
    } while (m != nr);
    root = nr;
  }
  d->cl[root].gsize = gs;
  cc->gnext = c;
  cc->grp = c;
  cc->gsize = cc->size;
}

static int skel_grow(aw_drain *d) {
  size_t cap = d->skcap ? d->skcap * 2 : 256;
  uint64_t *k2 = (uint64_t *)aw_calloc_array(cap, sizeof(uint64_t));
  uint32_t *v2 = (uint32_t *)aw_calloc_array(cap, sizeof(uint32_t));
  if (!k2 || !v2) {
    AW_FREE(k2);
    AW_FREE(v2);
    return -1;
  }
  for (size_t i = 0; i < d->skcap; i++) {
    if (!d->skv[i]) continue;
    size_t k = (size_t)d->skh[i] & (cap - 1);
    while (v2[k]) k = (k + 1) & (cap - 1);
    k2[k] = d->skh[i];
    v2[k] = d->skv[i];
  }
  AW_FREE(d->skh);
  AW_FREE(d->skv);
  d->skh = k2;
  d->skv = v2;
  d->skcap = cap;
  return 0;
}

/* Registers cluster c's current skeleton; joins c's group with a cluster of another length that
 * has the same skeleton. Entries are never removed: a stale one (its cluster changed or left) is
 * replaced when met. */
static int skel_register(aw_drain *d, uint32_t c) {
  size_t nconst;
  uint64_t h = skel_hash(d, &d->cl[c], &nconst);
  if (nconst < SKEL_MIN) return 0;
  if ((d->skn + 1) * 2 > d->skcap && skel_grow(d)) return -1;
  size_t msk = d->skcap - 1, k = (size_t)h & msk;
  for (;;) {
    uint32_t v = d->skv[k];
    if (v == 0) {
      d->skh[k] = h;
      d->skv[k] = c;
      d->skn++;
      return 0;
    }
    if (d->skh[k] == h) {
      const cluster *x = &d->cl[v];
      if (v != c && x->live && skel_equal(d, x, &d->cl[c])) {
        if (x->len != d->cl[c].len) group_union(d, v, c);
        return 0;
      }
      if (v == c || !x->live) {
        d->skv[k] = c; /* stale entry */
        return 0;
      }
    }
    k = (k + 1) & msk;
  }
}

/* Merged token for two tokens of the same digit shape: runs that differ become "<*>". */
static uint32_t shape_merge(aw_drain *d, uint32_t tid, const unsigned char *m, size_t ml) {
  const token *t = &d->tok[tid];
  const unsigned char *a = (const unsigned char *)t->s;
  size_t al = t->len, i = 0, j = 0;
  aw_buf *o = &d->mtok;
  o->len = 0;
  while (i < al || j < ml) {
    size_t ri = i, rj = j;
    for (;;) {
      if (ri < al && a[ri] >= '0' && a[ri] <= '9') ri++;
      else if (al - ri >= d->wildlen && memcmp(a + ri, d->wildstr, d->wildlen) == 0) ri += d->wildlen;
      else break;
    }
    for (;;) {
      if (rj < ml && m[rj] >= '0' && m[rj] <= '9') rj++;
      else if (ml - rj >= d->wildlen && memcmp(m + rj, d->wildstr, d->wildlen) == 0) rj += d->wildlen;
      else break;
    }
    if (ri > i || rj > j) {
      if (ri - i == rj - j && memcmp(a + i, m + j, ri - i) == 0) {
        if (aw_buf_append(o, a + i, ri - i)) return NONE;
      } else if (aw_buf_append(o, d->wildstr, d->wildlen)) {
        return NONE;
      }
      i = ri;
      j = rj;
      continue;
    }
    if (i >= al || j >= ml || a[i] != m[j]) return WILD; /* not the same shape after all */
    if (aw_buf_putc(o, (char)a[i])) return NONE;
    i++;
    j++;
  }
  return intern(d, (const unsigned char *)o->data, o->len, hash_bytes((const unsigned char *)o->data, o->len));
}

static int is_short(const aw_drain *d, size_t n) { return d->o.short_messages == AW_DRAIN_SHORT_SHAPE && n < d->o.depth - 2; }

static void compute_shapes(aw_drain *d, size_t n) {
  for (size_t i = 0; i < n; i++) d->lshape[i] = shape_hash(d, d->lptr[i], d->llen[i]);
}

aw_status aw_drain_add(aw_drain *d, const char *msg, size_t len, aw_drain_result *res, aw_error *err) {
  if (!d || (!msg && len)) return aw_error_set(err, AW_ERR_ARG, "drain: bad arguments");
  long nt = tokenize(d, msg ? msg : "", len, err);
  if (nt < 0) return err ? err->code : AW_ERR_NOMEM;
  size_t n = (size_t)nt;
  d->st.messages++;
  int shape = is_short(d, n);
  if (shape) compute_shapes(d, n);
  uint32_t cid = NONE;
  uint32_t leaf = tree_search(d, n, d->lid, d->ldig);
  if (leaf != NONE) {
    const node *lf = &d->nodes[leaf];
    cid = fast_match(d, lf->cl, lf->ncl, d->lid, n, d->o.st, d->o.similarity, shape);
  } else if (routed_tokens(d, n) < 0) {
    cid = orphan_find(d, d->lid, n);
  }
  aw_drain_change ch = AW_DRAIN_NONE;
  if (cid == NONE) {
    cid = create_cluster(d, n, err);
    if (cid == NONE) return err ? err->code : AW_ERR_NOMEM;
    ch = AW_DRAIN_CREATED;
    d->cl[cid].size = 1;
    d->cl[cid].gsize = 1;
  } else {
    /* step 5: positions where the message differs become "<*>" (for short messages with the
     * shape improvement: a token whose differing digit runs become "<*>") */
    /* old tokens are released after the loop, so no id is freed (and reused) while the
     * message's token ids are still being compared */
    if (d->tmptcap < n && aw_grow((void **)&d->tmpt, &d->tmptcap, n, sizeof(uint32_t)))
      return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    size_t nold = 0, i0 = 0;
    /* skip the leading positions already equal or "<*>" four at a time (usually all of them) */
    while (i0 + 4 <= n) {
      uint32_t m = aw_s16_eq32x4(d->cl[cid].t + i0, d->lid + i0, WILD);
      if (((m | m >> 4) & 15) != 15) break;
      i0 += 4;
    }
    for (size_t i = i0; i < n; i++) {
      uint32_t t = d->cl[cid].t[i];
      if (t == WILD || t == d->lid[i]) continue;
      uint32_t nt2 = WILD;
      if (shape && d->tok[t].shape == d->lshape[i]) {
        nt2 = shape_merge(d, t, d->lptr[i], d->llen[i]);
      } else if (d->o.refine_tokens) {
        if (d->tok[t].masked && glob_fit(d, &d->tok[t], d->lptr[i], d->llen[i])) continue;
        nt2 = refine(d, t, d->lptr[i], d->llen[i]);
      }
      if (nt2 == NONE) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
      if (nt2 == t) continue;
      tok_ref(d, nt2);
      d->cl[cid].t[i] = nt2;
      d->tmpt[nold++] = t;
      ch = AW_DRAIN_UPDATED;
    }
    for (size_t k = 0; k < nold; k++) tok_unref(d, d->tmpt[k]);
    if (nold) cluster_den(d, cid);
    cluster *c = &d->cl[cid];
    c->size++;
    d->cl[c->grp].gsize++;
    lru_touch(d, cid);
  }
  if (d->o.variable_length && ch != AW_DRAIN_NONE) {
    if (skel_register(d, cid)) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    if (ch == AW_DRAIN_CREATED && d->cl[cid].gnext != cid) d->st.variable_length_joins++;
  }
  if (res) {
    res->cluster_id = cid;
    res->group_id = d->cl[cid].grp;
    res->change = ch;
    res->cluster_size = d->cl[cid].size;
  }
  return AW_OK;
}

aw_status aw_drain_match(aw_drain *d, const char *msg, size_t len, int strategy, uint32_t *cluster_id, aw_error *err) {
  if (cluster_id) *cluster_id = 0;
  if (!d || !cluster_id || (!msg && len) || strategy < 0 || strategy > 2)
    return aw_error_set(err, AW_ERR_ARG, "drain: bad arguments to match");
  long nt = tokenize(d, msg ? msg : "", len, err);
  if (nt < 0) return err ? err->code : AW_ERR_NOMEM;
  size_t n = (size_t)nt;
  int shape = is_short(d, n);
  if (shape) compute_shapes(d, n);
  uint32_t cid = NONE;
  if (strategy != 2) {
    uint32_t leaf = tree_search(d, n, d->lid, d->ldig);
    if (leaf != NONE) cid = fast_match(d, d->nodes[leaf].cl, d->nodes[leaf].ncl, d->lid, n, 1.0, 1, shape);
    else if (routed_tokens(d, n) < 0) cid = orphan_find(d, d->lid, n);
  }
  if (cid == NONE && strategy != 0) {
    /* all clusters with the same token count, most recently used first */
    double best = -1;
    for (uint32_t id = d->lru_tail; id != NONE; id = d->cl[id].prev) {
      uint32_t one = id;
      uint32_t r = fast_match(d, &one, 1, d->lid, n, 1.0, 1, shape);
      if (r != NONE && best < 0) {
        cid = r;
        best = 1;
      }
    }
  }
  *cluster_id = cid == NONE ? 0 : cid;
  return AW_OK;
}

/* ------------------------------------------------------------------ model access */

size_t aw_drain_cluster_count(const aw_drain *d) { return d ? d->live : 0; }
uint32_t aw_drain_max_cluster_id(const aw_drain *d) { return d ? d->max_id : 0; }
int aw_drain_cluster_exists(const aw_drain *d, uint32_t id) { return d && id >= 1 && id <= d->max_id && d->cl[id].live; }
uint32_t aw_drain_group(const aw_drain *d, uint32_t id) { return aw_drain_cluster_exists(d, id) ? d->cl[id].grp : 0; }
uint64_t aw_drain_group_size(const aw_drain *d, uint32_t id) {
  return aw_drain_cluster_exists(d, id) ? d->cl[d->cl[id].grp].gsize : 0;
}
uint64_t aw_drain_cluster_size(const aw_drain *d, uint32_t id) {
  return aw_drain_cluster_exists(d, id) ? d->cl[id].size : 0;
}
size_t aw_drain_cluster_tokens(const aw_drain *d, uint32_t id) {
  return aw_drain_cluster_exists(d, id) ? d->cl[id].len : 0;
}

/* A plain number: optional sign, digits, optionally more digit groups after '.', ',' or ':'. */
static int plain_number(const token *t) {
  const char *s = t->s;
  size_t n = t->len, i = 0;
  if (i < n && (s[i] == '-' || s[i] == '+')) i++;
  size_t st = i;
  while (i < n) {
    size_t g = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == g) return 0;
    if (i == n) return 1;
    if (s[i] != '.' && s[i] != ',' && s[i] != ':') return 0;
    i++;
  }
  (void)st;
  return 0;
}

static const char *build_template(aw_drain *d, const uint32_t *t, size_t n, size_t *len) {
  d->tbuf.len = 0;
  for (size_t i = 0; i < n; i++) {
    if (i && aw_buf_putc(&d->tbuf, ' ')) return NULL;
    const token *tk = &d->tok[t[i]];
    if (d->o.refine_tokens && tk->digit && plain_number(tk)) {
      /* refine_tokens: numbers are parameters even when only one value was seen */
      if (aw_buf_append(&d->tbuf, d->wildstr, d->wildlen)) return NULL;
    } else if (aw_buf_append(&d->tbuf, tk->s, tk->len)) {
      return NULL;
    }
  }
  if (aw_buf_terminate(&d->tbuf)) return NULL;
  if (len) *len = d->tbuf.len;
  return d->tbuf.data;
}

const char *aw_drain_template(aw_drain *d, uint32_t id, size_t *len) {
  if (!aw_drain_cluster_exists(d, id)) return NULL;
  return build_template(d, d->cl[id].t, d->cl[id].len, len);
}

void aw_drain_foreach(aw_drain *d, aw_drain_cluster_fn fn, void *ud) {
  if (!d || !fn) return;
  for (uint32_t id = 1; id <= d->max_id; id++) {
    if (!d->cl[id].live) continue;
    size_t l;
    const char *t = build_template(d, d->cl[id].t, d->cl[id].len, &l);
    if (!t) return;
    if (fn(ud, id, d->cl[id].size, t, l)) return;
  }
}

void aw_drain_get_stats(const aw_drain *d, aw_drain_stats *st) {
  if (!d || !st) return;
  *st = d->st;
  st->tokens_interned = d->live_tokens;
  size_t mem = sizeof *d + d->tokcap * sizeof(token) + d->thtcap * 4 + d->nodecap * sizeof(node) +
               d->ehtcap * 12 + d->clcap * sizeof(cluster) + d->ohtcap * 4 + d->lcap * 21 + d->mb[0].cap +
               d->mb[1].cap + d->san.cap + d->tbuf.cap + d->tokarena.cap + (d->dm ? DMEMO_SLOTS * sizeof(dmemo) : 0);
  for (size_t i = 1; i < d->ntok; i++)
    if (d->tok[i].s) mem += d->tok[i].len + 1;
  for (size_t i = 0; i < d->nnodes; i++) mem += d->nodes[i].clcap * 4;
  for (uint32_t i = 1; i <= d->max_id; i++)
    if (d->cl[i].live) mem += d->cl[i].len * 4;
  st->memory_bytes = mem;
}

/* ------------------------------------------------------------------ parameters (logpai) */

static aw_status ensure_param_regexes(aw_drain *d, aw_error *err) {
  if (!d->ph_re) {
    aw_status s = aw_regex_compile("<.{1,5}>", SIZE_MAX, &d->ph_re, err);
    if (s) return s;
  }
  return AW_OK;
}

long aw_drain_params(aw_drain *d, const char *tmpl, size_t tmpl_len, const char *msg, size_t len, aw_drain_param_fn fn,
                     void *ud, aw_error *err) {
  if (!d || (!tmpl && tmpl_len) || (!msg && len)) return aw_error_set(err, AW_ERR_ARG, "drain: bad arguments"), -1;
  if (ensure_param_regexes(d, err)) return -1;
  uint64_t h = hash_bytes((const unsigned char *)tmpl, tmpl_len);
  pcache_entry *e = &d->pcache[h % PCACHE_SIZE];
  if (!e->tmpl || e->len != tmpl_len || memcmp(e->tmpl, tmpl, tmpl_len) != 0) {
    AW_FREE(e->tmpl);
    aw_regex_free(e->re);
    e->tmpl = NULL;
    e->re = NULL;
    /* logpai: re.sub(r"<.{1,5}>", "<*>", template); escape every non-alphanumeric character;
     * "\ +" -> "\s+"; "\<\*\>" -> "(.*?)"; anchored. We keep the placeholder text as a named
     * group-free capture and remember placeholder names separately via a second pass. */
    aw_buf a = {0}, rx = {0};
    size_t k;
    if (aw_regex_sub(d->ph_re, tmpl, tmpl_len, "<*>", 3, &a, &k, err)) {
      aw_buf_free(&a);
      return -1;
    }
    int has = 0;
    for (size_t i = 0; i + 2 < a.len; i++)
      if (a.data[i] == '<' && a.data[i + 1] == '*' && a.data[i + 2] == '>') has = 1;
    if (has) {
      aw_buf_putc(&rx, '^');
      size_t i = 0;
      while (i < a.len) {
        unsigned char c = (unsigned char)a.data[i];
        if (c == '<' && i + 2 < a.len && a.data[i + 1] == '*' && a.data[i + 2] == '>') {
          aw_buf_append(&rx, "(.*?)", 5);
          i += 3;
        } else if (c == ' ') {
          /* escaped spaces: each "\ " followed by more spaces -> \s+ ; Python's r"\\ +" consumes
           * a backslash and then spaces, but escaping put a backslash before every space, so
           * each space becomes its own \s+ */
          aw_buf_append(&rx, "\\s+", 3);
          i++;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
          aw_buf_putc(&rx, (char)c);
          i++;
        } else if (c < 0x80) {
          aw_buf_putc(&rx, '\\');
          aw_buf_putc(&rx, (char)c);
          i++;
        } else {
          uint32_t cp;
          size_t l = aw_u8_decode((const unsigned char *)a.data, a.len, i, &cp);
          aw_buf_putc(&rx, '\\');
          aw_buf_append(&rx, a.data + i, l);
          i += l;
        }
      }
      aw_buf_putc(&rx, '$');
      aw_status s = rx.data ? aw_regex_compile(rx.data, rx.len, &e->re, err) : AW_ERR_NOMEM;
      if (s != AW_OK) {
        aw_buf_free(&a);
        aw_buf_free(&rx);
        if (err && s == AW_ERR_NOMEM) aw_error_set(err, s, "out of memory");
        return -1;
      }
    }
    aw_buf_free(&a);
    aw_buf_free(&rx);
    e->tmpl = dupn(tmpl ? tmpl : "", tmpl_len);
    e->len = tmpl_len;
    if (!e->tmpl) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), -1;
  }
  if (!e->re) return 0;
  size_t ng = aw_regex_group_count(e->re);
  aw_regex_span stack_sp[33];
  aw_regex_span *sp = ng + 1 <= 33 ? stack_sp : (aw_regex_span *)aw_alloc_array(ng + 1, sizeof(aw_regex_span));
  if (!sp) return aw_error_set(err, AW_ERR_NOMEM, "out of memory"), -1;
  if (!msg) msg = "";
  int r = aw_regex_search(e->re, msg, len, 0, sp, ng + 1);
  long count = 0;
  if (r < 0) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    count = -1;
  } else if (r == 1) {
    /* placeholder names, in template order */
    size_t pi = 0;
    const char *t = tmpl;
    size_t tp = 0;
    for (size_t g = 1; g <= ng; g++) {
      const char *nm = "*";
      size_t nml = 1;
      aw_regex_span ps[1];
      if (aw_regex_search(d->ph_re, t, tmpl_len, tp, ps, 1) == 1) {
        nm = t + ps[0].start + 1;
        nml = ps[0].end - ps[0].start - 2;
        tp = ps[0].end;
      }
      if (fn) fn(ud, pi, msg + sp[g].start, sp[g].end - sp[g].start, nm, nml);
      pi++;
      count++;
    }
  }
  if (sp != stack_sp) AW_FREE(sp);
  return count;
}

/* ------------------------------------------------------------------ snapshots */

static aw_status json_str(aw_buf *b, const char *s, size_t n) {
  static const char hx[] = "0123456789abcdef";
  if (aw_buf_putc(b, '"')) return AW_ERR_NOMEM;
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *e = NULL;
    char u[7];
    if (c == '"') e = "\\\"";
    else if (c == '\\') e = "\\\\";
    else if (c == '\n') e = "\\n";
    else if (c == '\r') e = "\\r";
    else if (c == '\t') e = "\\t";
    else if (c < 0x20) {
      u[0] = '\\';
      u[1] = 'u';
      u[2] = '0';
      u[3] = '0';
      u[4] = hx[c >> 4];
      u[5] = hx[c & 15];
      u[6] = '\0';
      e = u;
    }
    if (e) {
      if (aw_buf_append(b, s + i - run, run) || aw_buf_append(b, e, strlen(e))) return AW_ERR_NOMEM;
      run = 0;
    } else {
      run++;
    }
  }
  if (aw_buf_append(b, s + n - run, run) || aw_buf_putc(b, '"')) return AW_ERR_NOMEM;
  return AW_OK;
}

aw_status aw_drain_save(const aw_drain *d, aw_buf *b, aw_error *err) {
  if (!d || !b) return aw_error_set(err, AW_ERR_ARG, "drain: bad arguments to save");
  char num[AW_FMT_DOUBLE_MAX];
  aw_fmt_double(num, d->o.st);
  int bad = 0;
  bad |= aw_buf_printf(b,
                       "{\"format\":\"aw-drain\",\"version\":%d,\"engine\":\"%s\",\n\"options\":{\"st\":%s,\"depth\":%zu,"
                       "\"max_children\":%zu,\"max_clusters\":%zu,\"parametrize_numeric_tokens\":%d,"
                       "\"similarity\":%d,\"short_messages\":%d,\"variable_length\":%d,\"refine_tokens\":%d,"
                       "\"mask_prefix\":",
                       AW_DRAIN_SNAPSHOT_VERSION, AW_VERSION, num, d->o.depth, d->o.max_children, d->o.max_clusters,
                       d->o.parametrize_numeric_tokens, d->o.similarity, d->o.short_messages,
                       d->o.variable_length, d->o.refine_tokens) != AW_OK;
  bad |= json_str(b, d->prefix, strlen(d->prefix)) != AW_OK;
  bad |= aw_buf_printf(b, ",\"mask_suffix\":") != AW_OK;
  bad |= json_str(b, d->suffix, strlen(d->suffix)) != AW_OK;
  bad |= aw_buf_printf(b, ",\"extra_delimiters\":[") != AW_OK;
  for (size_t i = 0; i < d->o.n_extra_delimiters; i++) {
    if (i) bad |= aw_buf_putc(b, ',') != AW_OK;
    bad |= json_str(b, d->delims[i], d->delim_len[i]) != AW_OK;
  }
  bad |= aw_buf_printf(b, "]},\n\"masks\":[") != AW_OK;
  for (size_t i = 0; i < d->nmasks; i++) {
    bad |= aw_buf_printf(b, "%s{\"pattern\":", i ? "," : "") != AW_OK;
    bad |= json_str(b, d->masks[i].pattern, strlen(d->masks[i].pattern)) != AW_OK;
    bad |= aw_buf_printf(b, ",\"name\":") != AW_OK;
    const char *nm = d->masks[i].name ? d->masks[i].name : "*";
    bad |= json_str(b, nm, strlen(nm)) != AW_OK;
    bad |= aw_buf_putc(b, '}') != AW_OK;
  }
  bad |= aw_buf_printf(b, "],\n\"stats\":{\"messages\":%llu,\"clusters_created\":%llu,\"clusters_evicted\":%llu},\n",
                       (unsigned long long)d->st.messages, (unsigned long long)d->st.clusters_created,
                       (unsigned long long)d->st.clusters_evicted) != AW_OK;
  bad |= aw_buf_printf(b, "\"max_id\":%u,\n\"clusters\":[", d->max_id) != AW_OK;
  /* clusters in LRU order (least recent first), so loading restores the order */
  int first = 1;
  for (uint32_t id = d->lru_head; id != NONE && !bad; id = d->cl[id].next) {
    const cluster *c = &d->cl[id];
    bad |= aw_buf_printf(b, "%s\n{\"id\":%u,\"size\":%llu,\"group\":%u,\"template\":[", first ? "" : ",", id,
                         (unsigned long long)c->size, c->grp) != AW_OK;
    first = 0;
    for (uint32_t i = 0; i < c->len; i++) {
      if (i) bad |= aw_buf_putc(b, ',') != AW_OK;
      const token *t = &d->tok[c->t[i]];
      bad |= json_str(b, t->s, t->len) != AW_OK;
    }
    bad |= aw_buf_printf(b, "]}") != AW_OK;
  }
  /* the tree in creation order: [parent, key, wild, [clusters...]]; first-layer keys are counts */
  bad |= aw_buf_printf(b, "],\n\"tree\":[") != AW_OK;
  for (size_t i = 1; i < d->nnodes && !bad; i++) {
    const node *nd = &d->nodes[i];
    bad |= aw_buf_printf(b, "%s\n[%u,", i > 1 ? "," : "", nd->parent) != AW_OK;
    if (nd->parent == 0) {
      bad |= aw_buf_printf(b, "%u,0,[", nd->key) != AW_OK;
    } else if (d->nodes[nd->parent].wild == i) {
      bad |= aw_buf_printf(b, "null,1,[") != AW_OK;
    } else {
      bad |= json_str(b, d->tok[nd->key].s, d->tok[nd->key].len) != AW_OK;
      bad |= aw_buf_printf(b, ",0,[") != AW_OK;
    }
    for (uint32_t k = 0; k < nd->ncl; k++) bad |= aw_buf_printf(b, "%s%u", k ? "," : "", nd->cl[k]) != AW_OK;
    bad |= aw_buf_printf(b, "]]") != AW_OK;
  }
  /* the skeleton table of the variable-length improvement, slot by slot */
  bad |= aw_buf_printf(b, "],\n\"skeletons\":{\"cap\":%zu,\"slots\":[", d->skcap) != AW_OK;
  int sf = 1;
  for (size_t i = 0; i < d->skcap && !bad; i++) {
    if (!d->skv[i]) continue;
    bad |= aw_buf_printf(b, "%s[%zu,\"%016llx\",%u]", sf ? "" : ",", i, (unsigned long long)d->skh[i], d->skv[i]) != AW_OK;
    sf = 0;
  }
  bad |= aw_buf_printf(b, "]}}\n") != AW_OK;
  if (bad) return aw_error_set(err, AW_ERR_NOMEM, "out of memory writing a drain snapshot");
  return AW_OK;
}

static void json_pos(const char *json, size_t len, const char *at, uint64_t *line, uint64_t *col) {
  *line = 1;
  *col = 1;
  if (!at || at < json) return;
  size_t upto = (size_t)(at - json);
  if (upto > len) upto = len;
  for (size_t i = 0; i < upto; i++) {
    if (json[i] == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

static aw_status bad_snap(aw_error *err, const char *name, const char *what) {
  return aw_error_at(err, AW_ERR_PARSE, name, 0, 0, "drain snapshot: %s", what);
}

static const cJSON *jget(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

static int jnum(const cJSON *o, const char *k, double lo, double hi, double *out) {
  const cJSON *v = jget(o, k);
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi)) return 0;
  *out = v->valuedouble;
  return 1;
}

aw_status aw_drain_load(const char *json, size_t len, const char *name, aw_drain **out, aw_error *err) {
  if (!out) return aw_error_set(err, AW_ERR_ARG, "drain: out is NULL");
  *out = NULL;
  if (!json) return aw_error_set(err, AW_ERR_ARG, "drain: NULL snapshot");
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
  if (!root) {
    uint64_t line, col;
    json_pos(json, len, end ? end : json + len, &line, &col);
    /* truncated: the text ends inside a string or with brackets still open */
    int depth = 0, instr = 0, truncated = 0;
    for (size_t i = 0; i < len; i++) {
      char ch = json[i];
      if (instr) {
        if (ch == '\\') i++;
        else if (ch == '"') instr = 0;
      } else if (ch == '"') instr = 1;
      else if (ch == '{' || ch == '[') depth++;
      else if (ch == '}' || ch == ']') depth--;
    }
    truncated = instr || depth > 0;
    return aw_error_at(err, AW_ERR_PARSE, name, line, col, "drain snapshot: %s",
                       truncated || len == 0 ? "truncated JSON (the file ends early)" : "malformed JSON");
  }
  aw_status st = AW_OK;
  aw_drain *d = NULL;
  const cJSON *fmt = jget(root, "format"), *ver = jget(root, "version");
  if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "aw-drain") != 0) {
    st = aw_error_at(err, AW_ERR_VERSION, name, 0, 0, "drain snapshot: not an aw-drain snapshot (format %s%s%s)",
                     cJSON_IsString(fmt) ? "\"" : "", cJSON_IsString(fmt) ? fmt->valuestring : "missing",
                     cJSON_IsString(fmt) ? "\"" : "");
    goto done;
  }
  if (!cJSON_IsNumber(ver) || ver->valuedouble != AW_DRAIN_SNAPSHOT_VERSION) {
    st = aw_error_at(err, AW_ERR_VERSION, name, 0, 0,
                     "drain snapshot: version %g is not supported (this build reads version %d)",
                     cJSON_IsNumber(ver) ? ver->valuedouble : -1.0, AW_DRAIN_SNAPSHOT_VERSION);
    goto done;
  }
  const cJSON *op = jget(root, "options");
  aw_drain_opts o;
  aw_drain_opts_default(&o);
  double v;
  if (!cJSON_IsObject(op)) {
    st = bad_snap(err, name, "missing \"options\"");
    goto done;
  }
  if (!jnum(op, "st", 0, 1, &o.st)) { st = bad_snap(err, name, "options.st missing or out of range"); goto done; }
  if (!jnum(op, "depth", 3, 64, &v)) { st = bad_snap(err, name, "options.depth missing or out of range"); goto done; }
  o.depth = (size_t)v;
  if (!jnum(op, "max_children", 2, 1e8, &v)) { st = bad_snap(err, name, "options.max_children missing or out of range"); goto done; }
  o.max_children = (size_t)v;
  if (!jnum(op, "max_clusters", 0, 1e8, &v)) { st = bad_snap(err, name, "options.max_clusters missing or out of range"); goto done; }
  o.max_clusters = (size_t)v;
  if (!jnum(op, "parametrize_numeric_tokens", 0, 1, &v)) { st = bad_snap(err, name, "options.parametrize_numeric_tokens missing"); goto done; }
  o.parametrize_numeric_tokens = (int)v;
  if (!jnum(op, "similarity", 0, 2, &v)) { st = bad_snap(err, name, "options.similarity missing"); goto done; }
  o.similarity = (int)v;
  if (!jnum(op, "short_messages", 0, 2, &v)) { st = bad_snap(err, name, "options.short_messages missing"); goto done; }
  o.short_messages = (int)v;
  if (!jnum(op, "variable_length", 0, 1, &v)) { st = bad_snap(err, name, "options.variable_length missing"); goto done; }
  o.variable_length = (int)v;
  if (!jnum(op, "refine_tokens", 0, 1, &v)) { st = bad_snap(err, name, "options.refine_tokens missing"); goto done; }
  o.refine_tokens = (int)v;
  const cJSON *pf = jget(op, "mask_prefix"), *sf = jget(op, "mask_suffix"), *dl = jget(op, "extra_delimiters");
  if (!cJSON_IsString(pf) || !cJSON_IsString(sf) || !cJSON_IsArray(dl)) {
    st = bad_snap(err, name, "options.mask_prefix/mask_suffix/extra_delimiters missing");
    goto done;
  }
  o.mask_prefix = pf->valuestring;
  o.mask_suffix = sf->valuestring;
  size_t ndl = (size_t)cJSON_GetArraySize(dl);
  const char *dls[64];
  if (ndl > 64) { st = bad_snap(err, name, "too many extra delimiters"); goto done; }
  for (size_t i = 0; i < ndl; i++) {
    const cJSON *x = cJSON_GetArrayItem(dl, (int)i);
    if (!cJSON_IsString(x) || !x->valuestring[0]) { st = bad_snap(err, name, "bad extra delimiter"); goto done; }
    dls[i] = x->valuestring;
  }
  o.extra_delimiters = dls;
  o.n_extra_delimiters = ndl;
  d = aw_drain_new(&o, err);
  if (!d) {
    st = err ? err->code : AW_ERR_NOMEM;
    if (err) aw_error_prefix(err, "drain snapshot");
    goto done;
  }
  const cJSON *masks = jget(root, "masks");
  if (!cJSON_IsArray(masks)) { st = bad_snap(err, name, "missing \"masks\""); goto done; }
  const cJSON *m;
  cJSON_ArrayForEach(m, masks) {
    const cJSON *p = jget(m, "pattern"), *nm = jget(m, "name");
    if (!cJSON_IsString(p) || !cJSON_IsString(nm)) { st = bad_snap(err, name, "bad mask entry"); goto done; }
    if ((st = aw_drain_add_mask(d, p->valuestring, nm->valuestring, err)) != AW_OK) {
      aw_error_prefix(err, "drain snapshot");
      goto done;
    }
  }
  const cJSON *stats = jget(root, "stats");
  if (cJSON_IsObject(stats)) {
    if (jnum(stats, "messages", 0, 1.8e19, &v)) d->st.messages = (uint64_t)v;
    if (jnum(stats, "clusters_created", 0, 1.8e19, &v)) d->st.clusters_created = (uint64_t)v;
    if (jnum(stats, "clusters_evicted", 0, 1.8e19, &v)) d->st.clusters_evicted = (uint64_t)v;
  }
  if (!jnum(root, "max_id", 0, 4e9, &v)) { st = bad_snap(err, name, "missing \"max_id\""); goto done; }
  uint32_t max_id = (uint32_t)v;
  if (ensure_clusters(d, (size_t)max_id + 1)) { st = aw_error_set(err, AW_ERR_NOMEM, "out of memory"); goto done; }
  d->max_id = max_id;
  const cJSON *cls = jget(root, "clusters");
  if (!cJSON_IsArray(cls)) { st = bad_snap(err, name, "missing \"clusters\""); goto done; }
  const cJSON *c;
  cJSON_ArrayForEach(c, cls) {
    double idd, sz;
    const cJSON *tp = jget(c, "template");
    if (!jnum(c, "id", 1, max_id, &idd) || !jnum(c, "size", 0, 1.8e19, &sz) || !cJSON_IsArray(tp)) {
      st = bad_snap(err, name, "bad cluster entry (id, size, template)");
      goto done;
    }
    uint32_t id = (uint32_t)idd;
    if ((double)id != idd || d->cl[id].live) { st = bad_snap(err, name, "duplicate or fractional cluster id"); goto done; }
    size_t n = (size_t)cJSON_GetArraySize(tp);
    cluster *cc = &d->cl[id];
    memset(cc, 0, sizeof *cc);
    cc->t = (uint32_t *)aw_alloc_array(n ? n : 1, sizeof(uint32_t));
    if (!cc->t) { st = aw_error_set(err, AW_ERR_NOMEM, "out of memory"); goto done; }
    cc->len = 0;
    cc->leaf = NONE;
    cc->prev = cc->next = NONE;
    cc->live = 1;
    cc->size = (uint64_t)sz;
    d->live++;
    lru_append(d, id);
    const cJSON *tk;
    cJSON_ArrayForEach(tk, tp) {
      if (!cJSON_IsString(tk)) { st = bad_snap(err, name, "template token is not a string"); goto done; }
      size_t tl = strlen(tk->valuestring);
      uint32_t t = intern(d, (const unsigned char *)tk->valuestring, tl, hash_bytes((const unsigned char *)tk->valuestring, tl));
      if (t == NONE) { st = aw_error_set(err, AW_ERR_NOMEM, "out of memory"); goto done; }
      tok_ref(d, t);
      cc->t[cc->len++] = t;
    }
  }
  const cJSON *tree = jget(root, "tree");
  if (!cJSON_IsArray(tree)) { st = bad_snap(err, name, "missing \"tree\""); goto done; }
  const cJSON *tn;
  size_t idx = 1;
  cJSON_ArrayForEach(tn, tree) {
    const cJSON *par = cJSON_GetArrayItem(tn, 0), *key = cJSON_GetArrayItem(tn, 1), *wl = cJSON_GetArrayItem(tn, 2),
                *lst = cJSON_GetArrayItem(tn, 3);
    if (!cJSON_IsArray(tn) || !cJSON_IsNumber(par) || par->valuedouble < 0 || par->valuedouble >= (double)idx ||
        !cJSON_IsNumber(wl) || !cJSON_IsArray(lst)) {
      st = bad_snap(err, name, "bad tree node (its parent must come first)");
      goto done;
    }
    uint32_t p = (uint32_t)par->valuedouble;
    int wild = wl->valuedouble != 0;
    uint32_t k;
    if (p == 0) {
      if (wild || !cJSON_IsNumber(key) || key->valuedouble < 0 || key->valuedouble > 4e9) {
        st = bad_snap(err, name, "bad first-layer node");
        goto done;
      }
      k = (uint32_t)key->valuedouble;
      if (edge_get(d, 0, k) != NONE) { st = bad_snap(err, name, "duplicate tree node"); goto done; }
    } else if (wild) {
      if (d->nodes[p].wild != NONE) { st = bad_snap(err, name, "duplicate wildcard node"); goto done; }
      k = WILD;
    } else {
      if (!cJSON_IsString(key)) { st = bad_snap(err, name, "tree key is not a string"); goto done; }
      size_t tl = strlen(key->valuestring);
      k = intern(d, (const unsigned char *)key->valuestring, tl, hash_bytes((const unsigned char *)key->valuestring, tl));
      if (k == NONE) { st = aw_error_set(err, AW_ERR_NOMEM, "out of memory"); goto done; }
      if (edge_get(d, p, k) != NONE) { st = bad_snap(err, name, "duplicate tree node"); goto done; }
    }
    uint32_t nid = new_node(d, p, k, wild);
    if (nid == NONE) { st = aw_error_set(err, AW_ERR_NOMEM, "out of memory"); goto done; }
    const cJSON *ce;
    cJSON_ArrayForEach(ce, lst) {
      if (!cJSON_IsNumber(ce) || ce->valuedouble < 1 || ce->valuedouble > max_id) {
        st = bad_snap(err, name, "leaf refers to an unknown cluster");
        goto done;
      }
      uint32_t cid = (uint32_t)ce->valuedouble;
      if (!d->cl[cid].live || d->cl[cid].leaf != NONE) {
        st = bad_snap(err, name, "leaf refers to an unknown or already placed cluster");
        goto done;
      }
      node *lf = &d->nodes[nid];
      if (lf->ncl == lf->clcap) {
        size_t cap = lf->clcap;
        if (aw_grow((void **)&lf->cl, &cap, lf->ncl + 1, sizeof(uint32_t))) {
          st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
          goto done;
        }
        lf->clcap = (uint32_t)cap;
      }
      lf->cl[lf->ncl++] = cid;
      d->cl[cid].leaf = nid;
    }
    idx++;
  }
  for (uint32_t id = 1; id <= max_id; id++)
    if (d->cl[id].live) cluster_den(d, id);
  /* every cluster is either in a leaf of the right length or outside the tree by policy */
  for (uint32_t id = 1; id <= max_id; id++) {
    cluster *cc = &d->cl[id];
    if (!cc->live) continue;
    long r = routed_tokens(d, cc->len);
    if (cc->leaf == NONE) {
      if (r >= 0) { st = bad_snap(err, name, "a cluster is missing from the tree"); goto done; }
      if (orphan_add(d, id)) { st = aw_error_set(err, AW_ERR_NOMEM, "out of memory"); goto done; }
    } else {
      uint32_t nd = cc->leaf;
      while (d->nodes[nd].depth > 1) nd = d->nodes[nd].parent;
      if (r < 0 || d->nodes[nd].key != cc->len || d->nodes[cc->leaf].depth != (uint32_t)r + 1) {
        st = bad_snap(err, name, "a cluster sits in a leaf of another length or depth");
        goto done;
      }
    }
  }
  /* groups (variable-length improvement): "group" names the root; rebuild the member lists */
  {
    const cJSON *cc2;
    cJSON_ArrayForEach(cc2, cls) {
      double idd, g;
      jnum(cc2, "id", 1, max_id, &idd);
      uint32_t id = (uint32_t)idd;
      d->cl[id].grp = id;
      d->cl[id].gnext = id;
      d->cl[id].gsize = d->cl[id].size;
      if (jnum(cc2, "group", 1, max_id, &g) && (uint32_t)g != id) {
        uint32_t r = (uint32_t)g;
        if (r > id || !d->cl[r].live) {
          st = bad_snap(err, name, "a cluster's group is not an older live cluster");
          goto done;
        }
        d->cl[id].grp = r; /* joined below once every root is known */
      }
    }
    for (uint32_t id = 1; id <= max_id; id++) {
      cluster *cc = &d->cl[id];
      if (!cc->live || cc->grp == id) continue;
      uint32_t r = cc->grp;
      if (d->cl[r].grp != r) {
        st = bad_snap(err, name, "a cluster's group root belongs to another group");
        goto done;
      }
      cc->gnext = d->cl[r].gnext;
      d->cl[r].gnext = id;
      d->cl[r].gsize += cc->size;
      cc->gsize = 0;
    }
  }
  {
    const cJSON *sk = jget(root, "skeletons");
    if (cJSON_IsObject(sk)) {
      double cap;
      const cJSON *slots = jget(sk, "slots");
      if (!jnum(sk, "cap", 0, 1e9, &cap) || !cJSON_IsArray(slots) || ((size_t)cap & ((size_t)cap - 1)) != 0) {
        st = bad_snap(err, name, "bad skeleton table");
        goto done;
      }
      if ((size_t)cap) {
        d->skh = (uint64_t *)aw_calloc_array((size_t)cap, sizeof(uint64_t));
        d->skv = (uint32_t *)aw_calloc_array((size_t)cap, sizeof(uint32_t));
        if (!d->skh || !d->skv) {
          st = aw_error_set(err, AW_ERR_NOMEM, "out of memory");
          goto done;
        }
        d->skcap = (size_t)cap;
      }
      const cJSON *e;
      cJSON_ArrayForEach(e, slots) {
        const cJSON *sl = cJSON_GetArrayItem(e, 0), *hx = cJSON_GetArrayItem(e, 1), *cid = cJSON_GetArrayItem(e, 2);
        unsigned long long hv = 0;
        if (!cJSON_IsNumber(sl) || sl->valuedouble < 0 || sl->valuedouble >= cap || !cJSON_IsString(hx) ||
            strlen(hx->valuestring) != 16 || sscanf(hx->valuestring, "%16llx", &hv) != 1 || !cJSON_IsNumber(cid) ||
            cid->valuedouble < 1 || cid->valuedouble > max_id) {
          st = bad_snap(err, name, "bad skeleton table entry");
          goto done;
        }
        size_t slot = (size_t)sl->valuedouble;
        if (d->skv[slot]) {
          st = bad_snap(err, name, "duplicate skeleton table slot");
          goto done;
        }
        d->skh[slot] = (uint64_t)hv;
        d->skv[slot] = (uint32_t)cid->valuedouble;
        d->skn++;
      }
    }
  }
done:
  cJSON_Delete(root);
  if (st != AW_OK) {
    aw_drain_free(d);
    return st;
  }
  *out = d;
  return AW_OK;
}

/* ------------------------------------------------------------------ worker helpers */

char *aw_drain_save_alloc(const aw_drain *d, size_t *len, aw_error *err) {
  aw_buf b = {0};
  if (aw_drain_save(d, &b, err) || aw_buf_terminate(&b)) {
    aw_buf_free(&b);
    return NULL;
  }
  if (len) *len = b.len;
  return b.data;
}

typedef struct {
  const char *base;
  uint32_t *s, *e;
  size_t max;
} span_ud;

static void span_cb(void *ud, size_t index, const char *v, size_t len, const char *name, size_t name_len) {
  (void)name;
  (void)name_len;
  span_ud *u = (span_ud *)ud;
  if (index < u->max) {
    u->s[index] = (uint32_t)(v - u->base);
    u->e[index] = (uint32_t)(v - u->base + len);
  }
}

long aw_drain_param_spans(aw_drain *d, const char *tmpl, size_t tmpl_len, const char *msg, size_t len, uint32_t *starts,
                          uint32_t *ends, size_t max, aw_error *err) {
  if (len > UINT32_MAX) return aw_error_set(err, AW_ERR_LIMIT, "drain: message too long for 32-bit spans"), -1;
  const char *m = msg ? msg : "";
  span_ud u = {m, starts, ends, starts && ends ? max : 0};
  return aw_drain_params(d, tmpl, tmpl_len, m, len, span_cb, &u, err);
}

/* ---- stream ---- */

struct aw_drain_stream {
  aw_drain *d;
  aw_logfmt *lf;
  aw_progress prog;
  uint64_t total, fed;
  int match_strategy; /* -1: add (learn) */
  uint32_t *cl;
  double *tm;
  uint64_t *ln, *off;
  size_t n, cap;
};

static aw_status stream_line(void *ud, const aw_logfmt_line *ln, aw_error *err) {
  aw_drain_stream *s = (aw_drain_stream *)ud;
  uint32_t id = 0;
  if (s->match_strategy < 0) {
    aw_drain_result r;
    aw_status st = aw_drain_add(s->d, ln->content, ln->content_len, &r, err);
    if (st) return st;
    id = r.cluster_id;
  } else {
    aw_status st = aw_drain_match(s->d, ln->content, ln->content_len, s->match_strategy, &id, err);
    if (st) return st;
  }
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 4096;
    uint32_t *c = (uint32_t *)AW_REALLOC(s->cl, cap * sizeof(uint32_t));
    if (c) s->cl = c;
    double *t = (double *)AW_REALLOC(s->tm, cap * sizeof(double));
    if (t) s->tm = t;
    uint64_t *l = (uint64_t *)AW_REALLOC(s->ln, cap * sizeof(uint64_t));
    if (l) s->ln = l;
    uint64_t *o = (uint64_t *)AW_REALLOC(s->off, cap * sizeof(uint64_t));
    if (o) s->off = o;
    if (!c || !t || !l || !o) return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    s->cap = cap;
  }
  s->cl[s->n] = id;
  s->tm[s->n] = ln->time;
  s->ln[s->n] = ln->line;
  s->off[s->n] = ln->offset;
  s->n++;
  return AW_OK;
}

aw_drain_stream *aw_drain_stream_new(aw_drain *d, const struct aw_logfmt_opts *format, aw_error *err) {
  if (!d) {
    aw_error_set(err, AW_ERR_ARG, "drain stream: NULL parser");
    return NULL;
  }
  aw_drain_stream *s = (aw_drain_stream *)AW_CALLOC(1, sizeof(aw_drain_stream));
  if (!s) {
    aw_error_set(err, AW_ERR_NOMEM, "out of memory");
    return NULL;
  }
  s->d = d;
  s->match_strategy = -1;
  s->lf = aw_logfmt_new(format, stream_line, s, err);
  if (!s->lf) {
    AW_FREE(s);
    return NULL;
  }
  return s;
}

void aw_drain_stream_free(aw_drain_stream *s) {
  if (!s) return;
  aw_logfmt_free(s->lf);
  AW_FREE(s->cl);
  AW_FREE(s->tm);
  AW_FREE(s->ln);
  AW_FREE(s->off);
  AW_FREE(s);
}

void aw_drain_stream_set_progress(aw_drain_stream *s, const aw_progress *p, uint64_t total_bytes) {
  if (!s) return;
  if (p) s->prog = *p;
  else memset(&s->prog, 0, sizeof s->prog);
  s->total = total_bytes;
}

void aw_drain_stream_set_match_only(aw_drain_stream *s, int strategy_or_minus1) {
  if (s) s->match_strategy = strategy_or_minus1 < 0 ? -1 : strategy_or_minus1 > 2 ? 2 : strategy_or_minus1;
}

aw_status aw_drain_stream_feed(aw_drain_stream *s, const void *data, size_t n, aw_error *err) {
  if (!s) return aw_error_set(err, AW_ERR_ARG, "drain stream: NULL");
  aw_status st = aw_logfmt_feed(s->lf, data, n, err);
  s->fed += n;
  if (st) return st;
  double frac = s->total ? (double)s->fed / (double)s->total : -1.0;
  if (frac > 1) frac = 1;
  if (aw_progress_report(&s->prog, frac, "parse"))
    return aw_error_set(err, AW_ERR_CANCELLED, "parsing cancelled after %llu bytes", (unsigned long long)s->fed);
  return AW_OK;
}

aw_status aw_drain_stream_line(aw_drain_stream *s, const char *text, size_t n, uint64_t line_no, aw_error *err) {
  if (!s) return aw_error_set(err, AW_ERR_ARG, "drain stream: NULL");
  return aw_logfmt_line_in(s->lf, text, n, line_no, err);
}

aw_status aw_drain_stream_finish(aw_drain_stream *s, aw_error *err) {
  if (!s) return aw_error_set(err, AW_ERR_ARG, "drain stream: NULL");
  aw_status st = aw_logfmt_finish(s->lf, err);
  if (!st) aw_progress_report(&s->prog, 1.0, "parse");
  return st;
}

size_t aw_drain_stream_count(const aw_drain_stream *s) { return s ? s->n : 0; }
const uint32_t *aw_drain_stream_clusters(const aw_drain_stream *s) { return s ? s->cl : NULL; }
const double *aw_drain_stream_times(const aw_drain_stream *s) { return s ? s->tm : NULL; }
const uint64_t *aw_drain_stream_lines(const aw_drain_stream *s) { return s ? s->ln : NULL; }
const uint64_t *aw_drain_stream_offsets(const aw_drain_stream *s) { return s ? s->off : NULL; }
void aw_drain_stream_clear(aw_drain_stream *s) {
  if (s) s->n = 0;
}
const struct aw_logfmt *aw_drain_stream_format(const aw_drain_stream *s) { return s ? s->lf : NULL; }
