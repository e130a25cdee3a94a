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
    for cwd in scope.possible_cwds():
        _judge_removal_from(target, cwd, scope, how)


def _judge_removal_from(target: str, cwd: str | None, scope: Scope, how: str) -> None:
    stripped = target.rstrip("/") or "/"
    name = posixpath.basename(stripped)
    glob = is_pattern(name)
    base = posixpath.dirname(stripped) if glob else target
    path = scope.resolve(base or ".", cwd)
    if path is None:
        scope.unverifiable(f"{how} {target}: the current directory is not known")
        return
    if is_pattern(path):
        scope.unverifiable(f"{how} {target}: a directory name is a pattern")
    narrow = glob and not is_broad(name)
    reason = _protected(posixpath.join(path, "x") if narrow else path, scope)
    if reason:
        scope.block("files-recursive-delete", f"{how} {target} would delete {reason}")
    if glob and path in {scope.workspace, HOME, "/"} and is_broad(name):
        scope.block("files-recursive-delete", f"{how} {target} empties {path}")
    if glob and name.startswith(".") and _matches(".git", name):
        scope.block("files-recursive-delete", f"{how} {target} may delete .git")
    if ".git" in path.split("/"):
        scope.block("files-recursive-delete", f"{how} {target} deletes git history")


def is_pattern(text: str) -> bool:
    return any(char in text for char in "*?[")


def _matches(name: str, pattern: str) -> bool:
    from fnmatch import fnmatchcase  # only for patterns: keeps shims lean

    return fnmatchcase(name, pattern)


def is_broad(pattern: str) -> bool:
    """A pattern with nothing literal in it (`*`, `?*`, `[!.]*`) matches almost all."""
    literal, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        close = pattern.find("]", index + 2) if char == "[" else -1
        if close > 0:
            index = close + 1
            continue
        if char not in "*?{},.":
            literal.append(char)
        index += 1
    return not literal


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


_FIND_PATTERNS = frozenset(
    {"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename"}
)
_FIND_ACTIONS = frozenset({"-delete", "-exec", "-execdir", "-ok", "-okdir"})
_FIND_BRANCHES = frozenset({"-o", "-or", "!", "-not", ","})


def find_roots(args: list[str]) -> list[str]:
    roots = []
    for arg in args:
        if arg.startswith("-") or arg in {"(", "!", ")"}:
            break
        roots.append(arg)
    return roots or ["."]


def find_narrows(args: list[str]) -> bool:
    """Whether find's tests surely exclude most entries and .git.

    A name pattern with something literal in it narrows; `-name '*'`, a
    pattern that matches .git, or any `-o`/`!` (which can undo a test) do not.
    """
    actions = [i for i, arg in enumerate(args) if arg in _FIND_ACTIONS]
    args = args[: actions[0]] if actions else args  # tests after it do not count
    if any(arg in _FIND_BRANCHES for arg in args):
        return False
    narrowed = False
    for index, arg in enumerate(args[:-1]):
        if arg not in _FIND_FILTERS:
            continue
        value = args[index + 1]
        if DYN in value:
            return False
        if arg in _FIND_PATTERNS:
            base = value.rsplit("/", 1)[-1]
            if is_broad(base) or _matches(".git", base.lower()):
                return False
            narrowed = True
        elif arg in {"-regex", "-iregex"}:
            if not any(char.isalnum() for char in value) or "git" in value:
                return False
            narrowed = True
    return narrowed


def find_matches_safe(
    args: list[str], scope: Scope, outside: bool = False
) -> list[str] | None:
    """The roots, when every path find can match is removable; else None.

    Paths matched under a root strictly inside the workspace are removable,
    and so are those under the workspace root or home when a test narrows
    them (`outside`: under any directory but / when a test narrows them).
    """
    narrows = find_narrows(args)
    roots: list[str] = []
    for root in find_roots(args):
        if DYN in root or is_pattern(root):
            return None
        for cwd in scope.possible_cwds():
            path = scope.resolve(root, cwd)
            if path is None or ".git" in path.split("/"):
                return None
            inside = _protected(path, scope) is None
            at_root = path in {scope.workspace, HOME} or (outside and path != "/")
            if not (inside or (at_root and narrows)):
                return None
            roots.append(path)
    return roots


def judge_find(args: list[str], scope: Scope) -> None:
    if "-delete" not in args:
        return
    for root in find_roots(args):
        if root.startswith(DYN):
            scope.unverifiable("find -delete under a path not known until run time")
    if find_matches_safe(args, scope, outside=True) is None:
        scope.block(
            "files-recursive-delete",
            "find -delete could reach the workspace root, .git, home or the system",
        )
