/* From a WINDOW clause to the numbers the operators use. */
#include <inttypes.h>
#include <stdio.h>

#include "engine/window_spec.h"

sq_window_spec_t sq_window_spec(const sq_ast_select_t *s) {
  sq_window_spec_t w = {.kind = SQ_WINDOW_NONE, .emit = s->emit};
  const sq_ast_t *win = s->window;
  if (win) {
    w.grace = win->c ? win->c->ival : 0;
    w.kind = (sq_window_kind_t)win->sub;
    switch (w.kind) {
    case SQ_WINDOW_TUMBLING: w.size = w.advance = win->a->ival; break;
    case SQ_WINDOW_HOPPING: w.size = win->a->ival; w.advance = win->b->ival; break;
    case SQ_WINDOW_SESSION: w.gap = win->a->ival; break;
    case SQ_WINDOW_NONE: break;
    }
  }
  if (w.emit == SQ_EMIT_DEFAULT) w.emit = win ? SQ_EMIT_FINAL : SQ_EMIT_CHANGES;
  return w;
}

void sq_window_describe(const sq_window_spec_t *w, uint32_t n_keys, uint32_t n_aggs, char *buf, size_t size) {
  static const char *const kinds[] = {"no window", "tumbling", "hopping", "session"};
  int n = snprintf(buf, size, "%s", kinds[w->kind]);
  if (w->kind == SQ_WINDOW_TUMBLING) n += snprintf(buf + n, size - (size_t)n, " size %" PRId64 "ms", w->size);
  if (w->kind == SQ_WINDOW_HOPPING)
    n += snprintf(buf + n, size - (size_t)n, " size %" PRId64 "ms advance %" PRId64 "ms", w->size, w->advance);
  if (w->kind == SQ_WINDOW_SESSION) n += snprintf(buf + n, size - (size_t)n, " gap %" PRId64 "ms", w->gap);
  if (w->kind != SQ_WINDOW_NONE) n += snprintf(buf + n, size - (size_t)n, " grace %" PRId64 "ms", w->grace);
  snprintf(buf + n, size - (size_t)n, ", emit %s, %u key%s, %u aggregate%s", w->emit == SQ_EMIT_FINAL ? "final" : "changes",
           n_keys, n_keys == 1 ? "" : "s", n_aggs, n_aggs == 1 ? "" : "s");
}
