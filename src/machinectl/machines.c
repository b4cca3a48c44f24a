/* Machine verbs through machined.  Being written: until then each refuses
 * honestly. */
#include "machbox.h"
#include "machinectl/machinectl.h"

int verb_list(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_status(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_show(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_start(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_poweroff(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_reboot(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_terminate(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_kill(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_enable(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_disable(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
