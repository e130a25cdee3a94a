"""Recursive deletion of what must survive: /, system dirs, home, the workspace."""

from __future__ import annotations

import posixpath

from scc_guard.scope import DYN, HOME, Scope

_RM_LONG = (
    "recursive",
    "force",
    "interactive",
    "dir",
    "verbose",
    "one-file-system",
    "no-preserve-root",
    "preserve-root",
    "help",
    "version",
)
_SCRATCH = ("/tmp/", "/var/tmp/")
_FIND_FILTERS = frozenset(
    {
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-regex",
        "-iregex",
        "-wholename",
        "-iwholename",
        "-newer",
        "-samefile",
        "-inum",
        "-lname",
        "-ilname",
    }
)


def judge_rm(args: list[str], scope: Scope) -> None:
    recursive, targets, options_done = False, [], False
    for arg in args:
        if options_done or not arg.startswith("-") or arg == "-":
            targets.append(arg)
        elif arg == "--":
            options_done = True
        elif arg.startswith("--"):
            name = arg[2:].partition("=")[0]
            matches = [long for long in _RM_LONG if long.startswith(name)]
            if DYN in name or not matches:
                scope.unverifiable(f"rm option {arg!r} is not known")
            recursive = recursive or "recursive" in matches
        else:
            if DYN in arg:
                scope.unverifiable("an rm option is computed at run time")
            recursive = recursive or "r" in arg or "R" in arg
    if recursive:
        for target in targets:
            judge_removal(target, scope, "rm -r")


def judge_removal(target: str, scope: Scope, how: str) -> None:
    """Block a recursive removal of `target` that must not happen."""
    if DYN in target:
        scope.unverifiable(f"{how} of a path computed at run time")
    glob = posixpath.basename(target.rstrip("/")) in {"*", ".*", "{*,.*}"}
    base = posixpath.dirname(target.rstrip("/")) if glob else target
    path = scope.resolve(base.replace(DYN, "x") or ".")
    if path is None:
        scope.unverifiable(f"{how} {target}: the current directory is not known")
        return
    reason = _protected(path, scope)
    if reason:
        scope.block("files-recursive-delete", f"{how} {target} would delete {reason}")
    if glob and path in {scope.workspace, HOME, "/"}:
        scope.block("files-recursive-delete", f"{how} {target} empties {path}")
    if posixpath.basename(path) == ".git":
        scope.block("files-recursive-delete", f"{how} {target} deletes git history")


def _protected(path: str, scope: Scope) -> str | None:
    workspace = scope.workspace
    if path == "/":
        return "the root file system"
    if _contains(path, workspace):
        return "the workspace" if path == workspace else "the workspace's parents"
    if _contains(path, HOME):
        return "the home directory"
    if path.startswith(workspace + "/") or path.startswith(HOME + "/"):
        return None
    if path.startswith(_SCRATCH) and path not in {"/tmp", "/var/tmp"}:
        return None
    return f"{path}, outside the workspace"


def _contains(outer: str, inner: str) -> bool:
    return inner == outer or inner.startswith(outer.rstrip("/") + "/")


def judge_find(args: list[str], scope: Scope) -> None:
    if "-delete" not in args:
        return
    roots = []
    for arg in args:
        if arg.startswith("-") or arg in {"(", "!", ")"}:
            break
        roots.append(arg)
    filtered = any(arg in _FIND_FILTERS for arg in args)
    for root in roots or ["."]:
        path = scope.resolve(root) if not root.startswith(DYN) else None
        if path is None:
            scope.unverifiable("find -delete under a path not known until run time")
            return
        reason = _protected(path, scope)
        if reason and (path == "/" or not filtered):
            scope.block(
                "files-recursive-delete", f"find {root} -delete would delete {reason}"
            )
