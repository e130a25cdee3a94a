"""The session's outside network, created while its policy is still being read.

Creating a bridge network keeps the engine busy for 70 ms or more (it adds
iptables rules one command at a time), and reading the policy (pydantic, the
layers, the org config) keeps this process busy for longer than that. The
network with a way out is the same in every mode, so `scc run` and `scc start`
ask for it first and the engine works on it meanwhile. The sandbox waits for
it before it creates anything that uses it, and whoever ends the session
removes it (by name, or by label in `scc prune`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)


class EarlyNetwork:
    """A bridge network being created in the background."""

    def __init__(self, client: Any, name: str, labels: dict[str, str]) -> None:
        self.client = client
        self.name = name
        self.labels = labels
        self.created = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._create, name="scc-early-network", daemon=True
        )
        self._thread.start()

    def _create(self) -> None:
        try:
            self.client.api.create_network(
                self.name,
                driver="bridge",
                internal=False,
                labels=self.labels,
                check_duplicate=True,
            )
            self.created = True
        except BaseException as exc:  # reported to whoever waits for it
            self._error = exc

    def wait(self) -> None:
        """Return once the network exists; raise what creating it raised."""
        import docker.errors

        from scc.errors import SccError

        self._thread.join()
        if isinstance(self._error, docker.errors.DockerException):
            raise self._error
        if self._error is not None:
            raise SccError(
                f"cannot create the session's network {self.name}: {self._error}"
            ) from self._error

    def settle(self) -> None:
        """Return once creating the network has succeeded or failed."""
        self._thread.join()

    def discard(self) -> None:
        """Remove the network, by name, whatever creating it said (a request
        cut short may still have created it); never raises."""
        import docker.errors

        self._thread.join()
        try:
            self.client.api.remove_network(self.name)
        except docker.errors.NotFound:
            pass
        except Exception as exc:  # `scc prune` finds it by label
            log.debug("cannot remove %s: %s", self.name, exc)
        self.created = False
