/* A pipeline file read into memory, with its line map for diagnostics. */
#ifndef SQ_PIPELINE_FILE_H
#define SQ_PIPELINE_FILE_H

#include <stdbool.h>

#include "grammar/diag.h"

typedef struct sq_pipeline_file {
  char *text;
  sq_sql_t *sql;
} sq_pipeline_file_t;

/* Reads `path` ("-" for standard input); false with errno set on failure.
 * Free with sq_pipeline_file_free. */
bool sq_pipeline_file_read(const char *path, sq_pipeline_file_t *file);
void sq_pipeline_file_free(sq_pipeline_file_t *file);

#endif
