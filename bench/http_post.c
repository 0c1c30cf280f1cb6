/* The benchmark's baseline: the least a program can do to deliver rows to
 * a webhook with libcurl. Reads JSON rows (one per line), posts them as
 * JSON arrays of BATCH rows with up to FLIGHT requests at once over one
 * multi handle (kept-alive connections), and prints rows/s twice: sending
 * the prebuilt bodies alone, and from the start (reading and framing the
 * rows too, as streamq's time includes making them).
 *   http_post URL ROWS.jsonl BATCH FLIGHT */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static size_t discard(char *p, size_t s, size_t n, void *u) { (void)p, (void)u; return s * n; }

int main(int argc, char **argv) {
  if (argc < 5) return 1;
  struct timespec start, t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int batch = atoi(argv[3]), flight = atoi(argv[4]);
  FILE *f = fopen(argv[2], "r");
  if (!f) return 1;
  /* bodies built before the clock starts, as streamq's are built from rows it has */
  size_t n_bodies = 0, cap = 1024, rows = 0;
  char **bodies = malloc(cap * sizeof *bodies);
  size_t *lens = malloc(cap * sizeof *lens);
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t len;
  char *body = NULL;
  size_t body_len = 0;
  int in_body = 0;
  FILE *mem = NULL;
  while ((len = getline(&line, &line_cap, f)) > 0) {
    if (!in_body) mem = open_memstream(&body, &body_len), fputc('[', mem);
    else fputc(',', mem);
    fwrite(line, 1, (size_t)len - 1, mem);
    rows++;
    if (++in_body == batch) {
      fputc(']', mem), fclose(mem), in_body = 0;
      if (n_bodies == cap) bodies = realloc(bodies, (cap *= 2) * sizeof *bodies), lens = realloc(lens, cap * sizeof *lens);
      bodies[n_bodies] = body, lens[n_bodies++] = body_len;
    }
  }
  if (in_body) {
    fputc(']', mem), fclose(mem);
    if (n_bodies == cap) bodies = realloc(bodies, (cap *= 2) * sizeof *bodies), lens = realloc(lens, cap * sizeof *lens);
    bodies[n_bodies] = body, lens[n_bodies++] = body_len;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM *multi = curl_multi_init();
  struct curl_slist *headers = curl_slist_append(curl_slist_append(NULL, "Content-Type: application/json"), "Expect:");
  CURL **easy = calloc((size_t)flight, sizeof *easy);
  for (int i = 0; i < flight; i++) {
    easy[i] = curl_easy_init();
    curl_easy_setopt(easy[i], CURLOPT_URL, argv[1]);
    curl_easy_setopt(easy[i], CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, discard);
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  size_t next = 0, done = 0;
  int running = 0;
  for (int i = 0; i < flight && next < n_bodies; i++, next++) {
    curl_easy_setopt(easy[i], CURLOPT_POSTFIELDS, bodies[next]);
    curl_easy_setopt(easy[i], CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)lens[next]);
    curl_multi_add_handle(multi, easy[i]);
  }
  while (done < n_bodies) {
    curl_multi_perform(multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(multi, &left))) {
      if (m->msg != CURLMSG_DONE) continue;
      long code = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
      if (m->data.result != CURLE_OK || code != 200) return fprintf(stderr, "request failed\n"), 1;
      curl_multi_remove_handle(multi, m->easy_handle);
      done++;
      if (next < n_bodies) {
        curl_easy_setopt(m->easy_handle, CURLOPT_POSTFIELDS, bodies[next]);
        curl_easy_setopt(m->easy_handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)lens[next]);
        curl_multi_add_handle(multi, m->easy_handle);
        next++;
      }
    }
    if (done < n_bodies) curl_multi_poll(multi, NULL, 0, 100, NULL);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double sending = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  double all = (double)(t1.tv_sec - start.tv_sec) + (double)(t1.tv_nsec - start.tv_nsec) / 1e9;
  printf("%.0f %.0f\n", (double)rows / sending, (double)rows / all);
  return 0;
}
