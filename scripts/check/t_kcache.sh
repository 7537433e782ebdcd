#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel cache follows the content of the source tree (scripts/kernel.sh):
# on a stand-in kernel tree whose Makefile "builds" a bzImage from its .c
# files, an unchanged tree skips the build, and every edit (a second edit
# of an already edited file, a new untracked file, a same-size edit in a
# tree without git) gives a new kernel, rebuilt in the same folder without
# configuring again.

set -eu
cd "$(dirname "$0")/../.."
. scripts/check/tap.sh

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# stand_in <dir>: a tree kernel.sh accepts; "history" in the build folder
# gets a line per configure and per bzImage build.
stand_in()
{
	mkdir -p "$1/arch/x86" "$1/scripts/kconfig"
	: >"$1/Kconfig"
	cat >"$1/scripts/kconfig/merge_config.sh" <<'MERGE'
#!/bin/sh
# stand-in: merge_config.sh -m -O <out> <base> <fragment...>
out=$3
shift 4
cat "$@" >>"$out/.config"
MERGE
	chmod +x "$1/scripts/kconfig/merge_config.sh"
	cat >"$1/Makefile" <<'MK'
O ?= .
SRCS = $(sort $(wildcard $(CURDIR)/*.c))
.PHONY: tinyconfig olddefconfig bzImage modules kernelrelease kernelversion
tinyconfig:
	mkdir -p $(O)
	: >$(O)/.config
	printf 'kernelrelease:\n\t@echo 6.0.0-stand-in\n' >$(O)/Makefile
	echo configured >>$(O)/history
olddefconfig modules:
	@:
kernelversion:
	@echo 6.0.0
bzImage: $(O)/arch/x86/boot/bzImage
$(O)/arch/x86/boot/bzImage: $(SRCS)
	mkdir -p $(dir $@)
	cat $(SRCS) >$@
	echo built >>$(O)/history
MK
	echo 'int a = 1;' >"$1/a.c"
}

# kernel <tree>: scripts/kernel.sh on it; sets OUT, IMG (the bzImage's
# content) and BUILDS, CONFIGS (lines in history).
kernel()
{
	OUT=$(KSRC=$1 LAB_CACHE=$T/cache JOBS=1 sh scripts/kernel.sh 2>"$T/err") || {
		sed 's/^/# /' "$T/err"
		OUT=none
	}
	IMG=$(cat "$OUT/arch/x86/boot/bzImage" 2>/dev/null || echo none)
	BUILDS=$(grep -c built "$OUT/history" 2>/dev/null || :)
	CONFIGS=$(grep -c configured "$OUT/history" 2>/dev/null || :)
}

# rebuilt <what> <old-out> <old-img> <builds-before>: a new kernel from
# the same folder, built once more, configured once.
# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
rebuilt()
{
	check "$1: a new kernel" sh -c '[ "$1" != "$2" ] && [ "$1" != none ]' sh "$IMG" "$3"
	check "$1: rebuilt incrementally in the same folder (builds $4 -> $BUILDS, configured $CONFIGS)" \
		sh -c '[ "$1" = "$2" ] && [ "$3" = "$4" ] && [ "$5" = 1 ]' sh \
		"$OUT" "$2" "$BUILDS" $(($4 + 1)) "$CONFIGS"
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
plain_tree()
{
	src=$T/plain
	stand_in "$src"
	kernel "$src"
	out=$OUT img=$IMG n=$BUILDS
	check "plain tree: first build" sh -c '[ "$1" = 1 ] && [ "$2" = "int a = 1;" ]' sh "$n" "$img"
	kernel "$src"
	check "plain tree: unchanged tree skips the build" sh -c '[ "$1" = "$2" ] && [ "$3" = 1 ]' sh "$OUT" "$out" "$BUILDS"
	echo 'int a = 2;' >"$src/a.c"
	kernel "$src"
	rebuilt "plain tree, first edit" "$out" "$img" "$n"
	img=$IMG n=$BUILDS
	echo 'int a = 3;' >"$src/a.c"
	kernel "$src"
	rebuilt "plain tree, second edit of the same file (same size)" "$out" "$img" "$n"
	img=$IMG n=$BUILDS
	echo 'int b = 1;' >"$src/b.c"
	kernel "$src"
	rebuilt "plain tree, a new file" "$out" "$img" "$n"
}

# shellcheck disable=SC2016 # sh -c scripts expand in their own shell
git_tree()
{
	src=$T/git
	stand_in "$src"
	(
		cd "$src"
		git init -q
		git add -A
		git -c user.name=t -c user.email=t@t commit -qm base
	)
	kernel "$src"
	out=$OUT img=$IMG n=$BUILDS
	check "git tree: first build" [ "$n" = 1 ]
	kernel "$src"
	check "git tree: clean tree skips the build" sh -c '[ "$1" = "$2" ] && [ "$3" = 1 ]' sh "$OUT" "$out" "$BUILDS"
	echo 'int a = 2;' >"$src/a.c"
	kernel "$src"
	rebuilt "git tree, first edit" "$out" "$img" "$n"
	img=$IMG n=$BUILDS
	echo 'int a = 3;' >"$src/a.c"
	kernel "$src"
	rebuilt "git tree, second edit of an already modified file" "$out" "$img" "$n"
	img=$IMG n=$BUILDS
	echo 'int c = 1;' >"$src/c.c"
	kernel "$src"
	rebuilt "git tree, a new untracked file" "$out" "$img" "$n"
	img=$IMG n=$BUILDS
	kernel "$src"
	check "git tree: unchanged edited tree skips the build" [ "$BUILDS" = "$n" ]
	(cd "$src" && git add -A && git -c user.name=t -c user.email=t@t commit -qm edit)
	kernel "$src"
	check "git tree: committing the same content keeps the folder and the kernel" \
		sh -c '[ "$1" = "$2" ] && [ "$3" = "$4" ]' sh "$OUT" "$out" "$IMG" "$img"
}

main()
{
	plain_tree
	git_tree
	exit "$FAILED"
}

main "$@"
