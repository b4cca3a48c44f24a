/* The console pieces nspawn uses live in the library (include/term.h):
 * machinectl's console and shell relay the same way. */
#ifndef MACHBOX_NSPAWN_CONSOLE_H
#define MACHBOX_NSPAWN_CONSOLE_H

#include "term.h"

#endif
