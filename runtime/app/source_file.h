/* A pipeline file read into memory, with its line map for diagnostics. */
#ifndef SQ_SOURCE_FILE_H
#define SQ_SOURCE_FILE_H

#include <stdbool.h>

#include "grammar/diag.h"

typedef struct sq_source_file {
  char *text;
  sq_source_t *source;
} sq_source_file_t;

/* Reads `path` ("-" for standard input); false with errno set on failure.
 * Free with sq_source_file_free. */
bool sq_source_file_read(const char *path, sq_source_file_t *file);
void sq_source_file_free(sq_source_file_t *file);

#endif
