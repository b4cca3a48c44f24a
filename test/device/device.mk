# The simulated device (test/device/run.sh): boots Debian's kernel with a
# busybox initramfs under qemu-system-x86_64 and drives machbox over the
# serial console.  Root; installs qemu-system-x86 when missing; caches the
# kernel and the initramfs base under $(MACHBOX_DEVICE_CACHE).
# Included by the top-level Makefile.

DEVICE_ALLOC := $(BUILD)/device/alloc

$(DEVICE_ALLOC): test/device/alloc.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)musl-gcc -static -Os -Wall -Wextra -o $@ $<

device-test: all $(DEVICE_ALLOC)
	$(Q)BUILD=$(BUILD) sh test/device/run.sh

.PHONY: device-test
