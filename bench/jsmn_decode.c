/* The decode ceiling: jsmn-tokenize every line of a JSONL file and do
 * nothing else. Prints the number of records. Usage: jsmn_decode FILE */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 1;
  static char buf[1 << 20];
  static jsmntok_t tokens[256];
  size_t len = 0;
  long records = 0, tokens_total = 0;
  for (;;) {
    size_t n = fread(buf + len, 1, sizeof buf - len, f);
    len += n;
    char *p = buf, *end = buf + len, *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
      jsmn_parser parser;
      jsmn_init(&parser);
      tokens_total += jsmn_parse(&parser, p, (size_t)(nl - p), tokens, 256);
      records++;
      p = nl + 1;
    }
    memmove(buf, p, (size_t)(end - p));
    len = (size_t)(end - p);
    if (n == 0) break;
  }
  printf("%ld records, %ld tokens\n", records, tokens_total);
  return 0;
}
