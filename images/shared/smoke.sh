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

if [ "$agent" = claude ]; then
    hook=$(python3 -c 'import json; s = json.load(open("/etc/claude-code/managed-settings.json")); print(s["hooks"]["PreToolUse"][0]["hooks"][0]["command"])')
    check "managed settings allow managed hooks only" python3 -c 'import json, sys; sys.exit(json.load(open("/etc/claude-code/managed-settings.json"))["allowManagedHooksOnly"] is not True)'
    event() {
        printf '{"session_id":"smoke","transcript_path":"/dev/null","cwd":"%s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"%s"}}' "$work/repo" "$1"
    }
    blocked() {  # the hook blocks: exit 2, or a deny decision on stdout
        event "$1" | sh -c "$hook" >/tmp/hook.out 2>/tmp/hook.err
        status=$?
        [ "$status" -eq 2 ] || grep -q '"deny"' /tmp/hook.out
    }
    blocks_canary() {  # only an answer that also lets harmless commands through
        ! blocked "git status" && blocked "git push --force origin main"
    }
    refuse "the managed hook lets git status through" blocked "git status"
    check "the managed hook blocks a canary" blocks_canary
fi
if [ "$agent" = codex ]; then
    check "codex requirements send tool calls to the guard" \
        grep -q 'command = "/usr/local/bin/scc-guard hook codex"' /etc/codex/requirements.toml
    check "codex allows managed hooks only" \
        grep -q '^allow_managed_hooks_only = true' /etc/codex/requirements.toml
fi

rm -rf "$work"
exit "$failed"
