#!/bin/sh
# Install the guard's launcher and shims from the library under
# /usr/lib/scc/python, then make all of it root-owned and read-only to others.
set -eu
lib=/usr/lib/scc/python
shims=/usr/lib/scc/shims
launcher=/usr/local/bin/scc-guard

python3 -m compileall -q "$lib" >/dev/null
if PYTHONPATH="$lib" python3 -m scc_guard install-shims --help >/dev/null 2>&1; then
    PYTHONPATH="$lib" python3 -m scc_guard install-shims \
        --lib "$lib" --dest "$shims" --launcher "$launcher"
else
    # The guard in this checkout predates install-shims: install the launcher
    # so hooks work, and say loudly that no shims were installed.
    echo "WARNING: scc_guard has no install-shims; image has NO shims" >&2
    mkdir -p "$shims"
    cat >"$launcher" <<LAUNCHER
#!/bin/sh
exec /usr/bin/python3 -I -S -c 'import sys; sys.path.insert(0, "$lib"); from scc_guard.cli import main; sys.exit(main())' "\$@"
LAUNCHER
fi
chown -R root:root /usr/lib/scc "$launcher" /etc/scc
chmod -R go-w /usr/lib/scc "$launcher" /etc/scc
chmod 0755 "$launcher"
"$launcher" --version
