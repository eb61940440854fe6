#!/bin/sh
# The files of this source tree, one a line: what git tracks, plus new
# files it does not ignore (so a tree with uncommitted work is complete);
# without git (a student tree), every file.  Build directories (build*/) and
# .git are never part of it.
# (git only where this folder is its repository's top: a tree unpacked
# inside another repository's build folder is not that repository.)
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
	git ls-files --cached --others --exclude-standard
else
	find . -type f ! -path './.git/*' | sed 's|^\./||'
fi | grep -v '^build[^/]*/' | sort -u
