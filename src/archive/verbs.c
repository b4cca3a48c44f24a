/* import-tar and export-tar (libarchive).  Being written: until then each
 * refuses honestly. */
#include "machbox.h"
#include "machinectl/machinectl.h"

int verb_import_tar(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_export_tar(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
