/* Registry storage and the text exposition format. Families are few (the
 * table of docs/ARCHITECTURE.md §7) and kept in a list; a family's series are a
 * list in creation order (the exposition order) with a hash index by
 * labels, since a pipeline of thousands of queries has that many series
 * per operator family. */
#include "runtime/kit/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <xxhash.h>

typedef struct family {
  char *name, *help;
  bool gauge, fractional;
  sq_metric_t *series, *last_series;
  sq_metric_t **index; /* open addressing by the labels' hash; at most half full */
  size_t index_cap, n_series;
  sq_histogram_t *histograms; /* a histogram family has these instead of series */
  struct family *next;
} family_t;

struct sq_metrics {
  pthread_mutex_t lock;
  family_t *families, *last;
};

sq_metrics_t *sq_metrics_new(void) {
  sq_metrics_t *m = calloc(1, sizeof *m);
  if (m) pthread_mutex_init(&m->lock, NULL);
  return m;
}

void sq_metrics_destroy(sq_metrics_t *m) {
  if (!m) return;
  for (family_t *f = m->families, *next; f; f = next) {
    next = f->next;
    for (sq_metric_t *s = f->series, *sn; s; s = sn) {
      sn = s->next;
      free(s->labels);
      free(s);
    }
    free(f->index);
    for (sq_histogram_t *h = f->histograms, *hn; h; h = hn) {
      hn = h->next;
      free(h->labels);
      free(h);
    }
    free(f->name);
    free(f->help);
    free(f);
  }
  pthread_mutex_destroy(&m->lock);
  free(m);
}

/* name="value",... with \\, " and newlines escaped. */
static char *render_labels(const char *const *labels) {
  sq_buf_t b = {0};
  for (size_t i = 0; labels && labels[i]; i += 2) {
    if (i) sq_buf_putc(&b, ',');
    sq_buf_puts(&b, labels[i]);
    sq_buf_puts(&b, "=\"");
    for (const char *v = labels[i + 1]; *v; v++) {
      if (*v == '\\' || *v == '"') sq_buf_putc(&b, '\\');
      if (*v == '\n') sq_buf_puts(&b, "\\n");
      else sq_buf_putc(&b, *v);
    }
    sq_buf_putc(&b, '"');
  }
  sq_buf_putc(&b, '\0');
  if (b.failed) sq_buf_free(&b);
  char *text = b.data ? realloc(b.data, b.len) : NULL; /* kept for the run: no spare room */
  return text ? text : b.data;
}

/* The family `name`, created on first use; call with the lock held. */
static family_t *family(sq_metrics_t *m, const char *name, const char *help, bool gauge, bool fractional) {
  family_t *f = m->families;
  while (f && strcmp(f->name, name) != 0) f = f->next;
  if (!f && (f = calloc(1, sizeof *f))) {
    f->name = strdup(name);
    f->help = strdup(help);
    f->gauge = gauge;
    f->fractional = fractional;
    if (m->last) m->last->next = f;
    else m->families = f;
    m->last = f;
  }
  return f;
}

/* The index slot holding the series with `labels`, or the empty slot
 * where it belongs. */
static sq_metric_t **index_slot(sq_metric_t **index, size_t cap, const char *labels) {
  size_t i = (size_t)XXH3_64bits(labels, strlen(labels)) & (cap - 1);
  while (index[i] && strcmp(index[i]->labels, labels) != 0) i = (i + 1) & (cap - 1);
  return &index[i];
}

/* Makes room for one more series in f's index; false when memory runs out. */
static bool index_reserve(family_t *f) {
  if (2 * (f->n_series + 1) <= f->index_cap) return true;
  size_t cap = f->index_cap ? 2 * f->index_cap : 16;
  sq_metric_t **index = calloc(cap, sizeof *index);
  if (!index) return false;
  for (sq_metric_t *s = f->series; s; s = s->next) *index_slot(index, cap, s->labels) = s;
  free(f->index);
  f->index = index;
  f->index_cap = cap;
  return true;
}

static sq_metric_t *series(sq_metrics_t *m, const char *name, const char *help, bool gauge, bool fractional,
                           const char *const *labels) {
  if (!m) return NULL;
  char *text = render_labels(labels);
  if (!text) return NULL;
  pthread_mutex_lock(&m->lock);
  family_t *f = family(m, name, help, gauge, fractional);
  sq_metric_t **slot = f && index_reserve(f) ? index_slot(f->index, f->index_cap, text) : NULL;
  sq_metric_t *s = slot ? *slot : NULL;
  if (slot && !s && (s = calloc(1, sizeof *s))) {
    s->labels = text;
    text = NULL;
    if (f->last_series) f->last_series->next = s;
    else f->series = s;
    f->last_series = s;
    *slot = s;
    f->n_series++;
  }
  pthread_mutex_unlock(&m->lock);
  free(text);
  return s;
}

sq_metric_t *sq_metrics_counter(sq_metrics_t *m, const char *name, const char *help, const char *const *labels) {
  return series(m, name, help, false, false, labels);
}

sq_metric_t *sq_metrics_gauge(sq_metrics_t *m, const char *name, const char *help, const char *const *labels) {
  return series(m, name, help, true, true, labels);
}

sq_metric_t *sq_metrics_seconds_counter(sq_metrics_t *m, const char *name, const char *help, const char *const *labels) {
  return series(m, name, help, false, true, labels);
}

sq_histogram_t *sq_metrics_histogram_labelled(sq_metrics_t *m, const char *name, const char *help, const char *const *labels,
                                              const double *bounds, size_t n) {
  if (!m || n > 16) return NULL;
  char *text = render_labels(labels);
  if (!text) return NULL;
  pthread_mutex_lock(&m->lock);
  family_t *f = family(m, name, help, false, true);
  sq_histogram_t *h = f ? f->histograms : NULL, *tail = NULL;
  for (; h && strcmp(h->labels, text) != 0; h = h->next) tail = h;
  if (!h && f && (h = calloc(1, sizeof *h))) {
    memcpy(h->bounds, bounds, n * sizeof *bounds);
    h->n_bounds = n;
    h->labels = text;
    text = NULL;
    if (tail) tail->next = h;
    else f->histograms = h;
  }
  pthread_mutex_unlock(&m->lock);
  free(text);
  return h;
}

sq_histogram_t *sq_metrics_histogram(sq_metrics_t *m, const char *name, const char *help, const double *bounds, size_t n) {
  return sq_metrics_histogram_labelled(m, name, help, NULL, bounds, n);
}

void sq_histogram_observe(sq_histogram_t *h, double v) {
  if (!h) return;
  size_t b = 0;
  while (b < h->n_bounds && v > h->bounds[b]) b++;
  atomic_fetch_add_explicit(&h->buckets[b], 1, memory_order_relaxed);
  union { uint64_t u; double d; } sum = {.u = atomic_load_explicit(&h->sum_bits, memory_order_relaxed)};
  sum.d += v;
  atomic_store_explicit(&h->sum_bits, sum.u, memory_order_relaxed);
  atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

static void line(sq_buf_t *out, const char *name, const char *labels, const char *value) {
  sq_buf_puts(out, name);
  if (labels && labels[0]) {
    sq_buf_putc(out, '{');
    sq_buf_puts(out, labels);
    sq_buf_putc(out, '}');
  }
  sq_buf_putc(out, ' ');
  sq_buf_puts(out, value);
  sq_buf_putc(out, '\n');
}

static void header(sq_buf_t *out, const char *name, const char *help, const char *type) {
  char text[512];
  snprintf(text, sizeof text, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
  sq_buf_puts(out, text);
}

/* Process CPU seconds and resident bytes, as the standard process_* metrics. */
static void render_process(sq_buf_t *out) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  char value[64];
  header(out, "process_cpu_seconds_total", "User and system CPU time of the process.", "counter");
  snprintf(value, sizeof value, "%.3f", (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
  line(out, "process_cpu_seconds_total", NULL, value);
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  header(out, "process_resident_memory_bytes", "Resident memory of the process.", "gauge");
  snprintf(value, sizeof value, "%ld", resident * sysconf(_SC_PAGESIZE));
  line(out, "process_resident_memory_bytes", NULL, value);
}

static void render_histogram(sq_buf_t *out, const family_t *f, const sq_histogram_t *h) {
  char name[160], le[512], value[64];
  const char *sep = h->labels[0] ? "," : "";
  snprintf(name, sizeof name, "%s_bucket", f->name);
  uint64_t cumulative = 0;
  for (size_t b = 0; b <= h->n_bounds; b++) {
    cumulative += atomic_load_explicit(&h->buckets[b], memory_order_relaxed);
    if (b < h->n_bounds) snprintf(le, sizeof le, "%s%sle=\"%g\"", h->labels, sep, h->bounds[b]);
    else snprintf(le, sizeof le, "%s%sle=\"+Inf\"", h->labels, sep);
    snprintf(value, sizeof value, "%llu", (unsigned long long)cumulative);
    line(out, name, le, value);
  }
  union { uint64_t u; double d; } sum = {.u = atomic_load_explicit(&h->sum_bits, memory_order_relaxed)};
  snprintf(name, sizeof name, "%s_sum", f->name);
  snprintf(value, sizeof value, "%.17g", sum.d);
  line(out, name, h->labels, value);
  snprintf(name, sizeof name, "%s_count", f->name);
  snprintf(value, sizeof value, "%llu", (unsigned long long)atomic_load_explicit(&h->count, memory_order_relaxed));
  line(out, name, h->labels, value);
}

void sq_metrics_render(sq_metrics_t *m, sq_buf_t *out) {
  pthread_mutex_lock(&m->lock);
  for (const family_t *f = m->families; f; f = f->next) {
    if (f->histograms) {
      header(out, f->name, f->help, "histogram");
      for (const sq_histogram_t *h = f->histograms; h; h = h->next) render_histogram(out, f, h);
      continue;
    }
    header(out, f->name, f->help, f->gauge ? "gauge" : "counter");
    for (const sq_metric_t *s = f->series; s; s = s->next) {
      uint64_t bits = atomic_load_explicit(&s->bits, memory_order_relaxed);
      char value[64];
      if (f->fractional) {
        union { uint64_t u; double d; } x = {.u = bits};
        snprintf(value, sizeof value, "%.17g", x.d);
      } else {
        snprintf(value, sizeof value, "%llu", (unsigned long long)bits);
      }
      line(out, f->name, s->labels, value);
    }
  }
  pthread_mutex_unlock(&m->lock);
  render_process(out);
}
