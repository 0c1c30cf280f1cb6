/* The http connector: result rows delivered to a webhook. */
#ifndef SQ_HTTP_CONNECTOR_H
#define SQ_HTTP_CONNECTOR_H

#include "runtime/kit/connector.h"

extern const sq_connector_t sq_connector_http;

#endif
