/* pull-tar and pull-raw.  Being written: until then each refuses honestly. */
#include "machbox.h"
#include "machinectl/machinectl.h"

int verb_pull_tar(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_pull_raw(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
