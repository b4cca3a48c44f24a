# Test helpers: small static programs that root tests copy into guest trees.
# Included by the top Makefile, which provides CC (musl-gcc: the helpers must
# run in a guest with no libc of its own) and BUILD.
#
#   $(HELPERS)   every helper binary; `make helpers` builds them

HELPERS_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
HELPERS_CFLAGS := -static -Os -Wall -Wextra -Werror

HELPERS := $(BUILD)/test/payload

$(BUILD)/test/payload: $(HELPERS_DIR)/payload.c $(HELPERS_DIR)/helpers.mk
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(HELPERS_CFLAGS) -o $@ $<

.PHONY: helpers
helpers: $(HELPERS)
