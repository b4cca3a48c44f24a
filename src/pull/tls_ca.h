#ifndef MACHBOX_PULL_TLS_CA_H
#define MACHBOX_PULL_TLS_CA_H

#include "pull/br.h"
#include <stddef.h>

/* The anchors of tls_ca_file(), read once per process: 0 or -errno */
int tls_anchors(const br_x509_trust_anchor **ta, size_t *n, char *err, size_t errlen);

#endif
