/* cli.c - helpers shared by the aw commands: errors, file streaming, option parsing. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

int cli_fail(const aw_error *err) {
  char buf[AW_ERROR_MSG_MAX + AW_ERROR_FILE_MAX + 64];
  fprintf(stderr, "aw: %s\n", aw_error_format(err, buf, sizeof buf));
  return 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "aw %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(see aw %s --help)\n", cmd);
  return 2;
}

aw_status cli_stream_file(const char *path, size_t chunk, cli_chunk_fn fn, void *ud, aw_error *err) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) return aw_error_at(err, AW_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
  if (chunk == 0) chunk = 1 << 20;
  char *buf = (char *)AW_MALLOC(chunk);
  if (!buf) {
    if (f != stdin) fclose(f);
    return aw_error_set(err, AW_ERR_NOMEM, "out of memory");
  }
  aw_status st = AW_OK;
  for (;;) {
    size_t n = fread(buf, 1, chunk, f);
    if (n > 0) {
      st = fn(ud, buf, n, err);
      if (st) break;
    }
    if (n < chunk) {
      if (ferror(f)) st = aw_error_at(err, AW_ERR_IO, path, 0, 0, "read error: %s", strerror(errno));
      break;
    }
  }
  AW_FREE(buf);
  if (f != stdin) fclose(f);
  return st;
}

aw_status cli_read_small_file(const char *path, size_t max_bytes, char **out, size_t *len, aw_error *err) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return aw_error_at(err, AW_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
  aw_buf b = {0};
  char tmp[65536];
  size_t n;
  aw_status st = AW_OK;
  while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
    if (b.len + n > max_bytes) {
      st = aw_error_at(err, AW_ERR_LIMIT, path, 0, 0, "file is larger than %zu bytes", max_bytes);
      break;
    }
    if (aw_buf_append(&b, tmp, n)) {
      st = aw_error_set(err, AW_ERR_NOMEM, "out of memory reading %s", path);
      break;
    }
  }
  if (!st && ferror(f)) st = aw_error_at(err, AW_ERR_IO, path, 0, 0, "read error: %s", strerror(errno));
  fclose(f);
  if (!st) st = aw_buf_terminate(&b);
  if (st) {
    aw_buf_free(&b);
    return st;
  }
  *out = b.data;
  if (len) *len = b.len;
  return AW_OK;
}

static int opt_value(int argc, char **argv, int *i, const char *name, const char **val) {
  const char *a = argv[*i];
  size_t nl = strlen(name);
  if (strncmp(a, name, nl) != 0) return 0;
  if (a[nl] == '=') {
    *val = a + nl + 1;
    return 1;
  }
  if (a[nl] != '\0') return 0;
  if (*i + 1 >= argc) {
    fprintf(stderr, "aw: option %s needs a value\n", name);
    return -1;
  }
  *val = argv[++*i];
  return 1;
}

int cli_opt_str(int argc, char **argv, int *i, const char *name, const char **out) {
  return opt_value(argc, argv, i, name, out);
}

int cli_opt_double(int argc, char **argv, int *i, const char *name, double *out) {
  const char *v;
  int r = opt_value(argc, argv, i, name, &v);
  if (r != 1) return r;
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (end == v || *end || errno == ERANGE || x != x) {
    fprintf(stderr, "aw: option %s: '%s' is not a number\n", name, v);
    return -1;
  }
  *out = x;
  return 1;
}

int cli_opt_u64(int argc, char **argv, int *i, const char *name, unsigned long long *out) {
  const char *v;
  int r = opt_value(argc, argv, i, name, &v);
  if (r != 1) return r;
  char *end;
  errno = 0;
  if (*v == '-' || *v == '\0') {
    fprintf(stderr, "aw: option %s: '%s' is not a non-negative integer\n", name, v);
    return -1;
  }
  unsigned long long x = strtoull(v, &end, 10);
  if (*end || errno == ERANGE) {
    fprintf(stderr, "aw: option %s: '%s' is not a non-negative integer\n", name, v);
    return -1;
  }
  *out = x;
  return 1;
}

int cli_opt_size(int argc, char **argv, int *i, const char *name, size_t *out) {
  unsigned long long x;
  int r = cli_opt_u64(argc, argv, i, name, &x);
  if (r != 1) return r;
  if (x > (unsigned long long)SIZE_MAX) {
    fprintf(stderr, "aw: option %s: value too large\n", name);
    return -1;
  }
  *out = (size_t)x;
  return 1;
}

aw_status cli_mkdirs(const char *path, aw_error *err) {
  char tmp[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof tmp) return aw_error_set(err, AW_ERR_ARG, "bad directory path '%s'", path);
  memcpy(tmp, path, n + 1);
  for (size_t k = 1; k <= n; k++) {
    if (tmp[k] == '/' || tmp[k] == '\0') {
      char c = tmp[k];
      tmp[k] = '\0';
      if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
        return aw_error_at(err, AW_ERR_IO, path, 0, 0, "cannot create directory: %s", strerror(errno));
      tmp[k] = c;
    }
  }
  return AW_OK;
}

aw_status cli_write_file(const char *path, const void *data, size_t len, aw_error *err) {
  FILE *f = fopen(path, "wb");
  if (!f) return aw_error_at(err, AW_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
  size_t w = len ? fwrite(data, 1, len, f) : 0;
  int bad = (w != len) | (fclose(f) != 0);
  if (bad) return aw_error_at(err, AW_ERR_IO, path, 0, 0, "write failed: %s", strerror(errno));
  return AW_OK;
}
