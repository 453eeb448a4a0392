#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading while someone holds memlab's files open:
#  - a /proc/memlab file open in a reader does not hold the module; rmmod
#    succeeds and the reader then gets EIO, not a crash;
#  - an open /dev/memlab holds a module reference; rmmod refuses with
#    "in use" and the device keeps working until it is closed.
. "$(dirname "$0")/lib.sh"

need_root
need_module_file
memlab_loaded || memlab_insmod

# A reader that has read once and keeps the file open.
exec 3</proc/memlab/version
head -n 1 <&3 | grep -q '^Version:' || fail "first read of /proc/memlab/version failed"

memlab_rmmod
[ ! -e /proc/memlab ] || fail "/proc/memlab is left after rmmod"

# The reader's file is still open: procfs has run it down, so a new read
# fails with EIO instead of calling into the module that is gone.
if err=$(cat <&3 2>&1 >/dev/null); then
	fail "read after rmmod succeeded, expected EIO"
fi
echo "$err" | grep -qi 'input/output error' ||
	fail "read after rmmod failed with '$err', expected EIO"
log "read after rmmod failed with EIO"
exec 3<&-

memlab_insmod
exec 4</dev/memlab
if rmmod memlab 2>/dev/null; then
	fail "rmmod succeeded while /dev/memlab was open"
fi
memlab_loaded || fail "memlab is gone after a refused rmmod"
grep -q '^Version:' /proc/memlab/version || fail "memlab stopped working after a refused rmmod"
exec 4<&-

memlab_rmmod
memlab_insmod
log "ok"
