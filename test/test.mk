# Test tiers (DESIGN.md §9).  Included by the top-level Makefile.

# Tier 1: our code built with the host compiler under ASan+UBSan.  All
# sources but main.c go into one archive; each test links what it uses.
HOST_CFLAGS := -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer $(WARNFLAGS) $(CPPFLAGS_MB) -DUNIT_TEST
HOST_SRCS := $(filter-out src/main.c,$(src-y))
HOST_OBJS := $(patsubst %.c,$(BUILD)/host/obj/%.o,$(HOST_SRCS))
UNIT_TESTS := $(patsubst test/unit/%.c,$(BUILD)/host/%,$(wildcard test/unit/test_*.c))

# (third-party headers for the files that include them; unit tests link
# only pure code, never the musl-built libraries)
$(BUILD)/host/obj/%.o: %.c $(GENCONFIG) | $(libs-y)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(addprefix -isystem ,$(tpinc-y)) -MMD -MP -c -o $@ $<

$(BUILD)/host/libmachbox.a: $(HOST_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/host/test_%: test/unit/test_%.c test/unit/tap.h $(BUILD)/host/libmachbox.a
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Itest/unit -o $@ $< $(BUILD)/host/libmachbox.a

-include $(HOST_OBJS:.o=.d)

unit: $(UNIT_TESTS)

include test/helpers/helpers.mk

helpers: $(HELPERS)

# Tier 3 fixtures live in a cache outside the clone (test/fixtures/build.sh).
fixtures:
	test/fixtures/build.sh all

# make check: every tier.  test/run.sh prints the closing line.
check: all unit helpers $(BUILD)/device/alloc
	$(Q)BUILD=$(BUILD) test/run.sh

test: check

# warnings as errors for our code, and cppcheck
lint:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/lint WERROR=1 TP_BUILD=$(abspath $(TP_BUILD)) $(BUILD)/lint/machbox
	$(Q)cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
		--inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -D__linux__ \
		$(if $(filter x86_64,$(ARCH)),-D__x86_64__,$(if $(filter aarch64,$(ARCH)),-D__aarch64__,-D__arm__)) \
		-I$(GENBASE) -Iinclude -Isrc \
		src

# make bench: start-up time and memory against unshare, systemd-nspawn,
# crun and bwrap (root; installs missing tools with apt-get)
bench: all helpers
	$(Q)BUILD=$(BUILD) test/bench.sh
