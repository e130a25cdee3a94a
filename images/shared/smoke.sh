#!/bin/sh
# Smoke checks for a built provider image, run inside it as the agent user
# with a policy mounted at /etc/scc/policy.json and no network. One line per
# check ("ok   name" or "FAIL name"); exit status 1 if any check failed.
# Usage: smoke.sh claude|codex
set -u
agent="$1"
failed=0

check() {  # check NAME COMMAND...: the command must succeed
    name="$1"; shift
    if "$@" >/tmp/smoke.out 2>&1; then echo "ok   $name"; else
        echo "FAIL $name: $(head -c 300 /tmp/smoke.out | tr '\n' ' ')"; failed=1; fi
}
refuse() {  # refuse NAME COMMAND...: the command must fail
    name="$1"; shift
    if "$@" >/tmp/smoke.out 2>&1; then echo "FAIL $name"; failed=1; else
        echo "ok   $name"; fi
}

check "runs as the agent user" test "$(id -un)" = agent
check "$agent --version" "$agent" --version
check "scc-guard --version" scc-guard --version
check "git resolves to the shim" test "$(command -v git)" = /usr/lib/scc/shims/git
# Login shells run /etc/profile, which resets PATH; Codex runs every command
# with `bash -lc`. Each way must still reach the shims.
resolve='for tool in git curl wget; do command -v "$tool"; done'
shims_first() {  # shims_first SHELL ARGS...: the shell prints what it resolves
    test "$(printf '%s\n' "$resolve" | "$@" | tr '\n' ' ')" = \
        "/usr/lib/scc/shims/git /usr/lib/scc/shims/curl /usr/lib/scc/shims/wget "
}
check "bash -lc resolves git, curl, wget to the shims" \
    shims_first bash -lc "$resolve"
check "sh -lc resolves git, curl, wget to the shims" shims_first sh -lc "$resolve"
check "bash -l resolves git, curl, wget to the shims" shims_first bash -l
check "the package database is consistent (apt-get check)" \
    apt-get -o Debug::NoLocking=1 check

protected="/etc/scc /etc/scc/policy.json /usr/lib/scc /usr/lib/scc/shims
/usr/lib/scc/shims/git /usr/lib/scc/python /usr/lib/scc/python/scc_guard
/usr/lib/scc/python/scc_guard/__init__.py /usr/local/bin/scc-guard
/usr/local/bin/$agent"
case "$agent" in
    claude) protected="$protected /etc/claude-code /etc/claude-code/managed-settings.json" ;;
    codex) protected="$protected /etc/codex /etc/codex/config.toml /etc/codex/requirements.toml" ;;
esac
for path in $protected; do
    check "$path exists" test -e "$path"
    refuse "agent cannot write $path" test -w "$path"
done

# A real repository with a local bare remote; setup uses the real git.
export GIT_AUTHOR_NAME=smoke GIT_AUTHOR_EMAIL=smoke@scc.invalid
export GIT_COMMITTER_NAME=smoke GIT_COMMITTER_EMAIL=smoke@scc.invalid
work=$(mktemp -d)
/usr/bin/git init -q --bare "$work/remote.git"
/usr/bin/git init -q -b main "$work/repo"
cd "$work/repo"
echo one >file && /usr/bin/git add file && /usr/bin/git commit -qm one
/usr/bin/git remote add origin "$work/remote.git"
/usr/bin/git push -q origin main
before=$(/usr/bin/git --git-dir="$work/remote.git" rev-parse main)
/usr/bin/git commit -q --amend -m rewritten

check "git status through the shim" git status --short
echo two >file
check "git commit through the shim" git commit -qam two
refuse "git push --force is blocked" git push --force origin main
check "the remote is unchanged" test \
    "$(/usr/bin/git --git-dir="$work/remote.git" rev-parse main)" = "$before"
# A script the agent runs from a login shell, as Codex runs commands.
blocked_by_policy() {  # the guard's shim refuses with its own status, 3
    "$@"
    [ $? -eq 3 ]
}
printf 'git push --force origin main\n' >push.sh
check "a force push from a script run by bash -lc is blocked" \
    blocked_by_policy bash -lc "cd '$work/repo' && sh push.sh"
check "the remote is unchanged after the script" test \
    "$(/usr/bin/git --git-dir="$work/remote.git" rev-parse main)" = "$before"

# The hook each agent's managed configuration registers, fed the agent's
# PreToolUse JSON: it must let a harmless command through and block a canary.
case "$agent" in
    claude)
        hook=$(python3 -c 'import json; s = json.load(open("/etc/claude-code/managed-settings.json")); print(s["hooks"]["PreToolUse"][0]["hooks"][0]["command"])')
        check "managed settings allow managed hooks only" python3 -c 'import json, sys; sys.exit(json.load(open("/etc/claude-code/managed-settings.json"))["allowManagedHooksOnly"] is not True)'
        ;;
    codex)
        hook=$(python3 -c 'import tomllib; r = tomllib.load(open("/etc/codex/requirements.toml", "rb")); print(r["hooks"]["PreToolUse"][0]["hooks"][0]["command"])')
        check "codex requirements send tool calls to the guard" \
            test "$hook" = "/usr/local/bin/scc-guard hook codex"
        config_loads() {  # a key Codex rejects stops it from starting at all
            codex login status >/tmp/codex.out 2>&1
            ! grep -qi 'error loading configuration\|failed to load' /tmp/codex.out
        }
        check "codex loads its managed configuration" config_loads
        check "codex allows managed hooks only" python3 -c 'import sys, tomllib; sys.exit(tomllib.load(open("/etc/codex/requirements.toml", "rb"))["allow_managed_hooks_only"] is not True)'
        ;;
esac
event() {
    printf '{"session_id":"smoke","cwd":"%s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"%s"}}' "$work/repo" "$1"
}
blocked() {  # the hook blocks: a deny decision on stdout, or exit 2
    event "$1" | sh -c "$hook" >/tmp/hook.out 2>/tmp/hook.err
    status=$?
    [ "$status" -eq 2 ] || grep -q '"deny"' /tmp/hook.out
}
allowed() {  # the hook answers 0 and decides nothing against the command
    event "$1" | sh -c "$hook" >/tmp/hook.out 2>/tmp/hook.err \
        && ! grep -q '"deny"' /tmp/hook.out
}
blocks_canary() {  # only a hook that also lets harmless commands through
    allowed "git status" && blocked "git push --force origin main"
}
check "the managed hook lets git status through" allowed "git status"
check "the managed hook blocks a canary" blocks_canary
# Decisions that need the parser must reuse the tables stored at build time:
# only a rebuild of the grammar loads inspect.
stored_tables_fit() {
    python3 -IS -c 'import sys
sys.path.insert(0, "/usr/lib/scc/python")
from scc_guard.parsetables import import_bashlex
import_bashlex().parse("a && b")
sys.exit("inspect" in sys.modules)'
}
check "the stored parser tables fit the image's bashlex" stored_tables_fit

rm -rf "$work"
exit "$failed"
