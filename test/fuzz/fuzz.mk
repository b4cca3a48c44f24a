# Fuzz targets (libFuzzer, clang), one per wire parser.  Included by the
# top-level Makefile, which gives BUILD, WARNFLAGS, CPPFLAGS_MB, GENCONFIG.
#
#   make fuzz                    build and run every target FUZZ_SECONDS each
#   make fuzz FUZZ_SECONDS=600
#
# Inputs that find something new go to $(BUILD)/fuzz/corpus/NAME (kept
# between runs); crashes to $(BUILD)/fuzz/crash-*.  The checked-in seeds
# in test/fuzz/corpus/NAME are only read.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer $(WARNFLAGS) $(CPPFLAGS_MB)
# past the longest datagram the server accepts (the size check is fuzzed
# too), and room for conversations of a dozen packets
FUZZ_MAX_LEN := 8192

FUZZ_TARGETS := dhcp http sums pgp proto settings

# one line per target: test/fuzz/fuzz_NAME.c, the sources it links, headers
$(FUZZ_BUILD)/fuzz_dhcp: test/fuzz/fuzz_dhcp.c src/net/dhcp.c src/net/dhcp.h
$(FUZZ_BUILD)/fuzz_http: test/fuzz/fuzz_http.c src/pull/http_parse.c src/pull/url.c src/pull/der.c \
	src/lib/util.c src/pull/http_parse.h src/pull/url.h src/pull/der.h src/pull/buf.h
$(FUZZ_BUILD)/fuzz_sums: test/fuzz/fuzz_sums.c src/pull/sums.c src/lib/util.c src/pull/sums.h src/pull/buf.h
$(FUZZ_BUILD)/fuzz_pgp: test/fuzz/fuzz_pgp.c src/pull/pgp.c src/pull/pgp.h src/pull/buf.h
$(FUZZ_BUILD)/fuzz_proto: test/fuzz/fuzz_proto.c src/lib/proto.c src/lib/parse.c src/lib/util.c include/proto.h
$(FUZZ_BUILD)/fuzz_settings: test/fuzz/fuzz_settings.c src/nspawn/settings.c src/lib/ini.c \
	src/nspawn/options.c src/nspawn/seccomp.c src/lib/parse.c src/lib/util.c src/lib/err.c \
	src/lib/xwrap.c src/lib/path.c src/net/nat.c \
	src/net/pool.c src/lib/run.c src/lib/fileio.c src/nspawn/userns.c \
	src/nspawn/binduser.c src/nspawn/uidshift.c src/lib/inroot.c src/nspawn/settings.h src/nspawn/nspawn.h include/ini.h

$(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%): $(FUZZ_BUILD)/fuzz_%: $(GENCONFIG)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^)

.PHONY: fuzz
fuzz: $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
	$(Q)for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t || exit 1; \
		echo "  FUZZ    $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
			-artifact_prefix=$(FUZZ_BUILD)/ -print_final_stats=1 \
			$(FUZZ_BUILD)/corpus/$$t $$(test -d test/fuzz/corpus/$$t && echo test/fuzz/corpus/$$t) || exit 1; \
	done
