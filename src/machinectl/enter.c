/* shell, login, copy-to, copy-from, bind.  Being written: until then each
 * refuses honestly. */
#include "machbox.h"
#include "machinectl/machinectl.h"

int verb_shell(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_login(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_copy_to(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_copy_from(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_bind(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
