/* HTTPS: a BearSSL client over a struct sock (CFG_PULL_TLS).  SNI and the
 * host name check are always on; trust anchors come from $SSL_CERT_FILE or
 * the system bundle. */
#ifndef MACHBOX_PULL_TLS_H
#define MACHBOX_PULL_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pull/sock.h"

struct tls;

/* Handshake with host over s: 0, or -errno and a one-line reason naming
 * what was wrong with the server's certificate or the system clock */
int tls_start(struct tls **tp, struct sock *s, const char *host, char *err, size_t errlen);
/* Bytes of application data, 0 when the server closed, -errno (err set
 * for TLS failures; the socket's own errors leave it to the caller) */
ssize_t tls_read(struct tls *t, void *buf, size_t len, char *err, size_t errlen);
/* The server ended with close_notify: a body delimited by the close is
 * whole, not cut by an attacker */
bool tls_closed_cleanly(const struct tls *t);
int tls_write_all(struct tls *t, const void *buf, size_t len, char *err, size_t errlen);
void tls_free(struct tls *t);
/* The file the trust anchors come from */
const char *tls_ca_file(void);

#endif
