#!/usr/bin/env bash
# Build the kdump sample kernels from their C sources.
#
#   ./build.sh [OUTDIR]
#
# Compiles every era's dfly*.c into an ELF ET_EXEC x86-64 file named
# kern-<era>, linked at the real DragonFly kernel addresses by kernel.ld.
# OUTDIR defaults to this directory; internal/samples' rebuild test passes
# a temporary directory and compares the results byte for byte with the
# checked-in files, so the output must not depend on the build directory,
# the output directory, the time or the user (no build-id, no absolute
# paths in DWARF, no recorded command line).
#
# Records the compiler identity in BUILDINFO (only when building into this
# directory): first line `gcc -dumpfullversion`, second line the target
# triple (`gcc -dumpmachine`).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
out=${1:-$here}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
cd "$here"

export LC_ALL=C
export SOURCE_DATE_EPOCH=0

CC=${CC:-gcc}

# Era names, oldest first (internal/samples.Kernels lists the same).
eras=(dfly2007 dfly2009 dfly2014 dfly2020 dfly2020opt)

cflags=(
	-g -gdwarf-4 -gno-record-gcc-switches
	-O0 -std=gnu11 -ffreestanding
	-fno-pic -fno-pie -no-pie -nostdlib -static
	-mcmodel=kernel -mno-red-zone
	-fno-stack-protector -fno-asynchronous-unwind-tables
	-fno-eliminate-unused-debug-types
	-fno-ident
	-Wall
	"-fdebug-prefix-map=$here=."
	-Wl,-T,kernel.ld -Wl,--build-id=none
)

# The 2007 shape is also checked as i386 against the spec's
# "(computed 2007/i386)" offsets (static assertions; produces no file).
"$CC" -m32 -std=gnu11 -ffreestanding -fno-pic -Wall -fsyntax-only dfly2007.c

for era in "${eras[@]}"; do
	# Relative source name: DW_AT_name is "dfly2020.c" and the
	# compilation directory maps to ".".
	"$CC" "${cflags[@]}" -o "$out/kern-$era.tmp" "$era.c"
	chmod 0644 "$out/kern-$era.tmp"
	mv -f "$out/kern-$era.tmp" "$out/kern-$era"
done

if [ "$out" = "$here" ]; then
	{
		"$CC" -dumpfullversion
		"$CC" -dumpmachine
	} > BUILDINFO
fi
