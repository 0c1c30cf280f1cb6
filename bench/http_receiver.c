/* The benchmark's webhook endpoint: libmicrohttpd answering every POST
 * with 200 as soon as its body is read, so the sender is what is measured.
 *   http_receiver PORT        (runs until killed) */
#include <microhttpd.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                              const char *data, size_t *size, void **state) {
  (void)cls, (void)url, (void)method, (void)version, (void)data;
  if (!*state) { /* first call: headers only */
    *state = c;
    return MHD_YES;
  }
  if (*size) { /* a piece of the body: discard it */
    *size = 0;
    return MHD_YES;
  }
  struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
  enum MHD_Result ret = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  return ret;
}

int main(int argc, char **argv) {
  if (argc < 2) return 1;
  struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, (uint16_t)atoi(argv[1]), NULL, NULL, answer, NULL,
                                          MHD_OPTION_END);
  if (!d) return 1;
  pause();
  return 0;
}
