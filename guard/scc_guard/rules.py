"""Every rule the guard enforces: id, what it blocks, the safe alternative.

Rules marked not switchable hold whatever the policy says (they are how the
guard fails closed); the others can be switched off per team unless the org
marks them absolute.
"""

from __future__ import annotations


class Rule:
    __slots__ = ("alternative", "blocks", "id", "switchable")

    def __init__(self, id: str, blocks: str, alternative: str, switchable: bool):
        self.id = id
        self.blocks = blocks
        self.alternative = alternative
        self.switchable = switchable

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "blocks": self.blocks,
            "alternative": self.alternative,
            "switchable": self.switchable,
        }


_CATALOGUE = (
    Rule(
        "git-force-push",
        "git push that overwrites remote history: --force, -f (also in clusters), "
        "+refspec, --force together with --force-with-lease; git fetch or pull "
        "that force-updates a branch (+src:branch, -f src:branch)",
        "git push --force-with-lease; fetch into remote-tracking refs and merge",
        True,
    ),
    Rule(
        "git-push-mirror",
        "git push --mirror, and remotes configured as mirrors",
        "push the branches you mean: git push origin <branch>",
        True,
    ),
    Rule(
        "git-push-delete",
        "deleting remote refs: git push --delete, :ref refspecs, --prune",
        "delete remote branches through the forge's UI or ask a human",
        True,
    ),
    Rule(
        "git-reset-hard",
        "git reset --hard and --merge, which throw away uncommitted work",
        "git stash, or git reset --keep / --mixed",
        True,
    ),
    Rule(
        "git-clean-force",
        "git clean -f without --dry-run, which deletes untracked files",
        "git clean -n to list, then remove named paths",
        True,
    ),
    Rule(
        "git-discard-changes",
        "discarding work tree changes: checkout -- paths, checkout ., checkout -f, "
        "restore of the work tree, switch --discard-changes / -f",
        "git stash, or git restore --staged to unstage",
        True,
    ),
    Rule(
        "git-branch-force-delete",
        "git branch -D and -d --force, which delete unmerged branches",
        "git branch -d (refuses unmerged branches)",
        True,
    ),
    Rule(
        "git-stash-drop",
        "git stash drop and git stash clear",
        "git stash list / git stash show; keep stashes",
        True,
    ),
    Rule(
        "git-history-rewrite",
        "history rewrites: filter-branch, filter-repo, rebase --root or onto "
        "commits below a remote-tracking branch",
        "git rebase onto the upstream (git rebase origin/main), or new commits",
        True,
    ),
    Rule(
        "git-reflog-expire",
        "git reflog expire and git reflog delete, which drop recovery points",
        "leave the reflog alone; git gc expires it on schedule",
        True,
    ),
    Rule(
        "git-prune-now",
        "git gc --prune=now/all and git prune, which delete unreachable objects "
        "without the grace period",
        "git gc (keeps the two-week grace period)",
        True,
    ),
    Rule(
        "git-update-ref-delete",
        "git update-ref -d and --stdin, which delete or rewrite refs directly",
        "git branch -d / git tag -d for refs you own",
        True,
    ),
    Rule(
        "git-worktree-force-remove",
        "git worktree remove --force, which discards the worktree's changes",
        "git worktree remove (refuses dirty worktrees)",
        True,
    ),
    Rule(
        "git-rm-force",
        "git rm -f, which deletes files with uncommitted changes",
        "git rm (refuses modified files) or git rm --cached",
        True,
    ),
    Rule(
        "files-recursive-delete",
        "rm -r (and find -delete) of /, system directories, home, the workspace "
        "root, its parent or .git, and emptying the workspace (rm -rf *)",
        "remove named paths inside the workspace (rm -rf ./build)",
        True,
    ),
    Rule(
        "network-egress",
        "network tools (curl, wget, ssh, scp, sftp, rsync, nc, ncat, socat, "
        "telnet) contacting a host the policy does not allow; all of them in "
        "locked-down-web",
        "use an allowed host, or ask for it to be added to the policy",
        False,
    ),
    Rule(
        "network-exec",
        "downloaded content piped or substituted into a shell or interpreter "
        "(all modes but open)",
        "download to a file, read it, then run it",
        True,
    ),
    Rule(
        "cannot-verify",
        "anything the guard cannot read for certain: programs or decisive "
        "arguments computed at run time, parse errors, unsupported syntax, "
        "limits exceeded",
        "write the command out literally",
        False,
    ),
    Rule(
        "policy-invalid",
        "every guarded command while the policy is missing or malformed",
        "fix the policy the host mounts",
        False,
    ),
    Rule(
        "internal-error",
        "every command the guard failed to judge because of its own error",
        "report the command; write it differently meanwhile",
        False,
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _CATALOGUE}
"""All rules by id, in catalogue order."""
