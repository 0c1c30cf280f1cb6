/* Values written as text (JSON literals or plain). */
#ifndef SQ_VALUE_TEXT_H
#define SQ_VALUE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/buf.h"
#include "engine/value.h"

/* Appends a JSON string literal of `len` bytes, escaped; a byte that is
 * not part of well-formed UTF-8 is written as U+FFFD. */
void sq_encode_json_string(sq_buf_t *out, const char *s, size_t len);
/* Appends a value: its JSON literal when `json` (NULL as null), else plain
 * text (NULL as nothing). */
void sq_encode_value(sq_buf_t *out, sq_value_t v, bool json);

#endif
