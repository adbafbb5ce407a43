/* conncmds.h - connection commands (PING, AUTH, HELLO, RESET, CLIENT ...) and
 * authentication. */
#ifndef VESPER_CONNCMDS_H
#define VESPER_CONNCMDS_H
#include "client.h"

struct Module;
extern const struct Module connection_module;

/* server.client_pause_type values (CLIENT PAUSE); 0 means no pause. */
#define CLIENT_PAUSE_WRITE 1
#define CLIENT_PAUSE_ALL 2

/* Authenticates c as user with password (user "default" only, for now).
 * Returns 1 on success. */
int conn_authenticate(Client *c, const char *user, size_t ulen, const char *pass, size_t plen);

#endif
