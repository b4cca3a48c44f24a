/* console and logs.  Being written: until then each refuses honestly. */
#include "machbox.h"
#include "machinectl/machinectl.h"

int verb_console(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_logs(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
