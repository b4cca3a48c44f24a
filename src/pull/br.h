/* BearSSL, included one way by all of src/pull: its headers test an
 * undefined BR_DOXYGEN_IGNORE with #if, which -Wundef flags (and defining
 * it would hide the structures' insides). */
#ifndef MACHBOX_PULL_BR_H
#define MACHBOX_PULL_BR_H

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wundef"
#include <bearssl.h>
#pragma GCC diagnostic pop

#endif
