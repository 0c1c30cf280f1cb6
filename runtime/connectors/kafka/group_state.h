/* Whether a consumer's group is settled, from librdkafka's statistics.
 * librdkafka up to 2.5 takes a commit refused with ILLEGAL_GENERATION
 * in the middle of a rebalance as its assignment lost: it revokes every
 * partition and joins again, which starts another rebalance, in which
 * the other members' commits fail the same way (confluentinc/librdkafka
 * #4059). A member that commits every second could keep its group
 * rebalancing for minutes. So a source commits only while its group
 * member's join state is "steady", which the statistics JSON says
 * (cgrp.join_state) every SQ_KAFKA_GROUP_STATE_MS. */
#ifndef SQ_KAFKA_GROUP_STATE_H
#define SQ_KAFKA_GROUP_STATE_H

#include <stdbool.h>
#include <stddef.h>

#define SQ_KAFKA_GROUP_STATE_MS "200" /* statistics.interval.ms of a group member */

/* Reads cgrp.join_state out of librdkafka's statistics `json` (`len`
 * bytes): *steady tells whether it is "steady". False, with *steady
 * left alone, when the statistics have no group state. */
bool sq_kafka_group_steady(const char *json, size_t len, bool *steady);

#endif
