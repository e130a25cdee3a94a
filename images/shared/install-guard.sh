#!/bin/sh
# Install the guard's launcher and shims from the library under
# /usr/lib/scc/python, then make all of it root-owned and read-only to others.
set -eu
lib=/usr/lib/scc/python
shims=/usr/lib/scc/shims
launcher=/usr/local/bin/scc-guard

python3 -m compileall -q "$lib" >/dev/null
PYTHONPATH="$lib" python3 -m scc_guard install-shims \
    --lib "$lib" --dest "$shims" --launcher "$launcher"
test -f "$lib/scc_guard/bashlex-tables.bin"  # decisions must not rebuild them
chown -R root:root /usr/lib/scc "$launcher" /etc/scc
chmod -R go-w /usr/lib/scc "$launcher" /etc/scc
chmod 0755 "$launcher"
"$launcher" --version
