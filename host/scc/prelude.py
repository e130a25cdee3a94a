"""What runs first inside a sandbox container, before the agent's command.

The host mounts this file at /usr/lib/scc/prelude.py and runs it with
`python3 -I -S` (stdlib only, no site packages), then the steps, then `--`
and the command, which it execs; with no steps to take, the host runs the
command directly instead:

- `tty`: wait until the engine has sized the terminal, so the first frame fits;
- `probe GATEWAY`: refuse (exit 125) if the network's gateway answers ARP,
  that is if the host is reachable from the internal network;
- `proxy FILE PORT`: wait for the host to write the proxy's address to FILE,
  put it into the proxy variables (`{proxy}`), and wait for the port;
- `relay-tcp PORT SOCKET`: forward 127.0.0.1:PORT to a Unix socket (agent side
  of the locked-down channel); `relay-unix SOCKET PORT` is the other side and
  runs in place of a command.
"""

import contextlib
import fcntl
import os
import signal
import socket
import struct
import sys
import termios
import threading
import time

REFUSED = 125


def wait_for_tty(limit: float = 2.0) -> None:
    if not os.isatty(0):
        return
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        size = fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8)
        if struct.unpack("HHHH", size)[0] > 0:
            return
        time.sleep(0.01)


def arp_patience() -> float:
    """How long the kernel waits for an ARP answer on eth0 (the host sets
    it short for the sandbox), and 10 ms more; 0.11 s if unknown."""
    try:
        with open("/proc/sys/net/ipv4/neigh/eth0/retrans_time_ms") as setting:
            return int(setting.read()) / 1000 + 0.01
    except (OSError, ValueError):
        return 0.11


def gateway_answers(gateway: str, limit: float | None = None) -> bool:
    """True if anything on the host side resolves the gateway's address.

    A host on the bridge answers ARP within about a millisecond (0.5 ms
    measured here); the probe waits as long as the kernel would for the
    answer (see `arp_patience`), since the agent's command waits for it."""
    limit = arp_patience() if limit is None else limit
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.sendto(b"scc", (gateway, 9))
        except OSError:
            return False
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with open("/proc/net/arp") as table:
            for row in table.read().splitlines()[1:]:
                fields = row.split()
                if fields[0] == gateway and int(fields[2], 16) & 0x2:
                    return True
        time.sleep(0.005)
    return False


def wait_port(host: str, port: int, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                return  # let the agent report the proxy error itself
            time.sleep(0.02)


def wait_address(path: str, limit: float = 20.0) -> str:
    """The proxy's address, written by the host once the proxy has one."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with open(path) as handoff:
            address = handoff.read().strip()
        if address:
            return address
        time.sleep(0.01)
    sys.stderr.write("scc: the proxy did not start; refusing to run without it\n")
    sys.exit(REFUSED)


def wait_path(path: str, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (sink, source):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _serve(listener: socket.socket, connect) -> None:  # type: ignore[no-untyped-def]
    while True:
        client, _ = listener.accept()
        try:
            upstream = connect()
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def relay_tcp(port: int, path: str) -> None:
    """Listen now, serve from a child process, so the command finds the port open."""
    listener = socket.create_server(("127.0.0.1", port))

    def connect() -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
        return sock

    if os.fork() == 0:
        try:
            _serve(listener, connect)
        finally:
            os._exit(0)
    listener.close()


def relay_unix(path: str, port: int) -> None:
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".new")
    os.chmod(path + ".new", 0o600)
    listener.listen(64)
    os.rename(path + ".new", path)
    _serve(listener, lambda: socket.create_connection(("127.0.0.1", port)))


class GatewayProbe:
    """The gateway probe, run while the later steps wait for the proxy; the
    command never starts before its answer is in."""

    def __init__(self, gateway: str) -> None:
        self.gateway = gateway
        self.answered = True  # until the probe says otherwise
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.answered = gateway_answers(self.gateway)

    def check(self) -> None:
        self._thread.join()
        if self.answered:
            sys.stderr.write(
                f"scc: the host answers at the internal gateway {self.gateway}; "
                "network isolation is not in effect, refusing to start\n"
            )
            sys.exit(REFUSED)


def main(argv: list[str]) -> None:
    split = argv.index("--") if "--" in argv else len(argv)
    steps, command = argv[:split], argv[split + 1 :]
    probes: list[GatewayProbe] = []
    while steps:
        step = steps.pop(0)
        if step == "tty":
            wait_for_tty()
        elif step == "probe":
            probes.append(GatewayProbe(steps.pop(0)))
        elif step == "proxy":
            address = wait_address(steps.pop(0))
            for name, value in os.environ.items():
                if "{proxy}" in value:
                    os.environ[name] = value.replace("{proxy}", address)
            wait_port(address, int(steps.pop(0)))
        elif step == "wait-path":
            wait_path(steps.pop(0))
        elif step == "relay-tcp":
            port, path = int(steps.pop(0)), steps.pop(0)
            relay_tcp(port, path)
        elif step == "relay-unix":
            relay_unix(steps.pop(0), int(steps.pop(0)))
            return
    for probe in probes:
        probe.check()
    if command:
        # Python ignores SIGPIPE and SIGXFSZ, and exec keeps ignored signals:
        # give the command the defaults a shell would.
        for name in ("SIGPIPE", "SIGXFSZ"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_DFL)
        try:
            os.execvp(command[0], command)
        except OSError as exc:
            sys.stderr.write(f"scc: cannot run {command[0]}: {exc.strerror}\n")
            sys.exit(127)


if __name__ == "__main__":
    main(sys.argv[1:])
