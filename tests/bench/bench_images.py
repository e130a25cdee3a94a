"""Image sizes against their targets (`make bench BENCH=images`)."""

from __future__ import annotations

TARGETS_MB = {"claude": 700, "codex": 600, "proxy": 150}
NAIVE_BOTH_AGENTS_MB = 2450  # both agents npm-installed into one Debian image


def run() -> None:
    import docker
    import docker.errors
    from scc.images import RECIPES

    client = docker.from_env()
    print(f"{'image':<22}{'size':>10}{'target':>10}  verdict")
    for kind, recipe in RECIPES.items():
        try:
            size = client.images.get(recipe.tag).attrs["Size"] / 1e6
        except docker.errors.ImageNotFound:
            print(f"{recipe.tag:<22}{'missing':>10}{TARGETS_MB[kind]:>7} MB  not built")
            continue
        verdict = "ok" if size <= TARGETS_MB[kind] else "OVER"
        print(f"{recipe.tag:<22}{size:>7.0f} MB{TARGETS_MB[kind]:>7} MB  {verdict}")
    print(f"(a naive install of both agents in one image: {NAIVE_BOTH_AGENTS_MB} MB)")
    client.close()
