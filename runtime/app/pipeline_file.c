/* Reading pipeline files. Files are read whole: pipelines are small, and
 * diagnostics need the text to show the offending line. */
#include "runtime/app/pipeline_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Pipelines larger than this are surely not pipelines. */
#define SQ_MAX_PIPELINE_BYTES (64u << 20)

bool sq_pipeline_file_read(const char *path, sq_pipeline_file_t *file) {
  memset(file, 0, sizeof *file);
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) return false;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) { /* reading it would say only "Input/output error" */
    if (f != stdin) fclose(f);
    errno = EISDIR;
    return false;
  }
  size_t len = 0, cap = 4096;
  char *text = malloc(cap);
  while (text) {
    len += fread(text + len, 1, cap - len, f);
    if (len < cap) break;
    if (cap >= SQ_MAX_PIPELINE_BYTES) {
      free(text);
      text = NULL;
      errno = EFBIG;
      break;
    }
    char *bigger = realloc(text, cap * 2);
    if (!bigger) {
      free(text);
      text = NULL;
      errno = ENOMEM;
      break;
    }
    text = bigger;
    cap *= 2;
  }
  int read_error = text && ferror(f);
  if (f != stdin) fclose(f);
  if (!text || read_error) {
    if (read_error) errno = EIO;
    free(text);
    return false;
  }
  file->text = text;
  file->sql = sq_sql_new(path, text, len);
  if (!file->sql) {
    free(text);
    file->text = NULL;
    errno = ENOMEM;
    return false;
  }
  return true;
}

void sq_pipeline_file_free(sq_pipeline_file_t *file) {
  sq_sql_destroy(file->sql);
  free(file->text);
  file->sql = NULL;
  file->text = NULL;
}
