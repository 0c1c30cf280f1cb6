/* Test reports. The JUnit form has one <testsuite> per test file and one
 * <testcase> per test, a failure's details in its <failure> element: what
 * CI systems read. */
#include "runtime/app/test_report.h"

#include <stdlib.h>
#include <string.h>

#include "engine/buf.h"

bool sq_test_report_add(sq_test_report_t *r, const char *file, const char *name, double seconds, bool passed, const char *detail) {
  sq_test_result_t *v = sq_array_room(r->results, r->n, sizeof *v);
  if (!v) return false;
  r->results = v;
  sq_test_result_t *res = &v[r->n];
  *res = (sq_test_result_t){strdup(file), strdup(name), strdup(detail), seconds, passed};
  if (!res->file || !res->name || !res->detail) {
    free(res->file), free(res->name), free(res->detail);
    return false;
  }
  r->n++;
  r->failed += !passed;
  if (!r->junit) {
    fprintf(r->out, "%s %s (%.2f s)\n%s", passed ? "PASS" : "FAIL", name, seconds, detail);
    fflush(r->out);
  }
  return true;
}

/* Writes `s` with XML's five special characters escaped, and control
 * characters other than tab and line breaks (which XML 1.0 forbids) as '?'. */
static void xml_text(FILE *out, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '&': fputs("&amp;", out); break;
    case '"': fputs("&quot;", out); break;
    case '\'': fputs("&apos;", out); break;
    default: fputc((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r' ? '?' : *s, out);
    }
  }
}

static void junit(const sq_test_report_t *r) {
  double total = 0;
  for (size_t i = 0; i < r->n; i++) total += r->results[i].seconds;
  fprintf(r->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"streamq test\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n",
          r->n, r->failed, total);
  for (size_t i = 0; i < r->n;) {
    size_t end = i, failed = 0;
    double seconds = 0;
    for (; end < r->n && strcmp(r->results[end].file, r->results[i].file) == 0; end++) {
      failed += !r->results[end].passed;
      seconds += r->results[end].seconds;
    }
    fputs("  <testsuite name=\"", r->out);
    xml_text(r->out, r->results[i].file);
    fprintf(r->out, "\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n", end - i, failed, seconds);
    for (; i < end; i++) {
      const sq_test_result_t *t = &r->results[i];
      fputs("    <testcase classname=\"", r->out);
      xml_text(r->out, t->file);
      fputs("\" name=\"", r->out);
      xml_text(r->out, t->name);
      fprintf(r->out, "\" time=\"%.3f\"%s>\n", t->seconds, t->passed ? "/" : "");
      if (t->passed) continue;
      fputs("      <failure message=\"the output differs from the expectation\">", r->out);
      xml_text(r->out, t->detail);
      fputs("</failure>\n    </testcase>\n", r->out);
    }
    fputs("  </testsuite>\n", r->out);
  }
  fputs("</testsuites>\n", r->out);
}

void sq_test_report_finish(sq_test_report_t *r) {
  if (r->junit) junit(r);
  else fprintf(r->out, "%zu passed, %zu failed\n", r->n - r->failed, r->failed);
}

void sq_test_report_free(sq_test_report_t *r) {
  for (size_t i = 0; i < r->n; i++) {
    free(r->results[i].file);
    free(r->results[i].name);
    free(r->results[i].detail);
  }
  free(r->results);
}
