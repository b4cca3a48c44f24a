/* The applet registry must be sorted and unique: the dispatcher
 * binary-searches it. */
#include <string.h>

#include "applets.h"
#include "machbox.h"
#include "tap.h"

#define NAME(n, cfg, fl) #n,
static const char *const names[] = { APPLET_LIST(NAME) };

int main(void)
{
	size_t i;

	ok(ARRAY_SIZE(names) >= 3, "registry has the three applets");
	for (i = 1; i < ARRAY_SIZE(names); i++)
		ok(strcmp(names[i - 1], names[i]) < 0, "'%s' sorts before '%s'", names[i - 1], names[i]);
	return tap_done();
}
