# /etc/profile.d/zz-scc-path.sh: the image's PATH for login shells.
# /etc/profile resets PATH (differently for root and everyone else), and Codex
# runs every command with `bash -lc`; without this, a login shell and every
# script it runs would reach the real git, curl and wget instead of the
# guard's shims. The build fills in the image's PATH, shims first. Named zz-
# so that it is the last profile script to touch PATH.
PATH="@IMAGE_PATH@"
export PATH
