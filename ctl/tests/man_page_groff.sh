#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Usage: man_page_groff.sh GROFF PAGE
# Fails if groff has anything to say about the man page PAGE (-ww: all
# warnings).
set -u
out=$("$1" -man -ww -z "$2" 2>&1)
status=$?
if [ "$status" -ne 0 ] || [ -n "$out" ]; then
	printf '%s\n' "$out"
	echo "not ok - groff -man -ww $2 (exit $status)"
	exit 1
fi
echo "ok - groff -man -ww $2"
