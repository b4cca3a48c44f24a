/* The image verbs of machinectl (DESIGN.md §7).  Being written: until then
 * each refuses honestly. */
#include "machbox.h"
#include "machinectl/machinectl.h"

int verb_list_images(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_image_status(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_show_image(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_clone(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_rename(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_remove(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_read_only(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_clean(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_import_fs(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_import_raw(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
int verb_export_raw(int argc, char **argv, void *ctx) { return verb_unavailable(argc, argv, ctx); }
