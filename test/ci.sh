#!/bin/sh
# The test command of the README, and what .ci/run calls: installs what the
# tests need, builds, and runs every tier.  Ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh test/deps.sh
[ -f .config ] || make -s defconfig >/dev/null
make -s -j"$(nproc)" all unit helpers build/device/alloc
# the size budgets hold as features arrive: over one, nothing lands
make -s size
# the guest trees of the root tier, cached outside the clone
if [ "$(id -u)" = 0 ]; then
	test/fixtures/build.sh all >/dev/null
fi
exec test/run.sh
