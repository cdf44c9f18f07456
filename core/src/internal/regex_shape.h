/* internal/regex_shape.h - what a caller needs to remember regex results by text shape (Drain's
 * mask memo, drain.c): the pattern's ASCII byte classes, and re.sub with the spans it replaced.
 * Implemented in regex.c. */
#ifndef AW_INTERNAL_REGEX_SHAPE_H
#define AW_INTERNAL_REGEX_SHAPE_H

#include <stddef.h>
#include <stdint.h>

#include "aw/regex.h"

#define AW_REGEX_SUB_SPANS 4 /* spans aw_regex_sub_spans reports */

/* Fills cls[b] (< 16) for each ASCII byte b so that bytes of one class are alike to the pattern:
 * every consuming instruction accepts or rejects them alike and \b sees them alike (the classes
 * of its DFA's pair table), so replacing bytes of an ASCII text by bytes of their classes changes
 * no match - the same spans, and re.sub replaces the same spans. Returns 1, or 0 when the
 * pattern has no such classes (the DFA cannot run it, or more than 15 ASCII classes) or memory
 * ran out. */
int aw_regex_ascii_classes(aw_regex *re, uint8_t cls[128]);

/* aw_regex_sub, and the spans it replaced: sp[2k], sp[2k + 1] = start and end of match k, for
 * the first min(*count, AW_REGEX_SUB_SPANS) matches. */
aw_status aw_regex_sub_spans(aw_regex *re, const char *text, size_t n, const char *repl, size_t repl_len, aw_buf *out,
                             size_t *count, size_t sp[2 * AW_REGEX_SUB_SPANS], aw_error *err);

#endif
