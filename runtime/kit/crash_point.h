/* Deterministic crash points for recovery tests: with the environment
 * variable STREAMQ_CRASH_POINT=NAME[:N], the N-th time (default 1) the
 * engine passes the point NAME, the process kills itself with SIGKILL,
 * exactly as `kill -9` would at that moment. Points: "checkpoint-written"
 * (after the checkpoint batch is durable), "sink-write" (after a file
 * sink's write, before the next checkpoint), "window-emit" (after one
 * group of a closing window was emitted), "transaction-produced" (a
 * transactional Kafka sink sent its records, not yet committed). Unset, a
 * point costs a call and a branch. */
#ifndef SQ_CRASH_POINT_H
#define SQ_CRASH_POINT_H

void sq_crash_point(const char *name);

#endif
