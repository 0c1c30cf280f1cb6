/* UTF-8 well-formedness (RFC 3629): record decoders refuse text that is
 * not UTF-8, and JSON writers replace what is not with U+FFFD, so that
 * what streamq writes is always valid JSON text (RFC 8259 §8.1). */
#ifndef SQ_UTF8_H
#define SQ_UTF8_H

#include <stddef.h>

/* The length (2 to 4) of the well-formed multi-byte sequence at p (a byte
 * of 0x80 or more), or 0 when it is not one: a stray continuation byte,
 * a truncated or overlong sequence, a surrogate, or past U+10FFFF. */
size_t sq_utf8_seq(const char *p, const char *end);
/* The offset of the first byte of s that is not part of well-formed
 * UTF-8, or len when all of it is. */
size_t sq_utf8_check(const char *s, size_t len);

#endif
