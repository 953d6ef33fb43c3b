"""A local JupyterHub for a workshop rehearsal, started by one command.

    python deploy/jupyterhub/localhub.py            # then open the printed link

It makes a bare git clone of this checkout's HEAD (the "workshop repository"), starts
JupyterHub on 127.0.0.1 with ``jupyterhub_config.py`` beside this file, and prints the
nbgitpuller link a learner would click. Sign in with any name (dummy authenticator).
Ctrl-C stops the hub, every learner's server and kernel, and the proxy.

``loadtest.py`` uses the same pieces (:class:`LocalHub`, :func:`make_workshop_remote`,
:func:`nbgitpuller_link`). Nothing here is specific to one machine: the state lives in
a temporary folder unless ``--dir`` names one.

Clean-up is hand-written on purpose: JupyterHub stops its servers when it exits
normally, but not when it is killed, and its single-user servers run in their own
sessions, out of reach of a process-group signal. So :class:`LocalHub` also stops every
process whose working directory lies inside its state folder (each learner's server
starts in ``<state>/home/<name>``, its kernels below that, the proxy in ``<state>``).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import psutil

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "jupyterhub_config.py"
REPO_ROOT = HERE.parent.parent
#: The folder name nbgitpuller gives the clone: the last part of the repository URL.
CLONE_NAME = "labkit"
BRANCH = "main"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (held open together, so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def make_workshop_remote(dest: Path, repo: Path = REPO_ROOT, ref: str = "HEAD") -> Path:
    """A bare repository at ``dest/labkit`` whose ``main`` is ``ref`` of ``repo``.

    It stands in for the workshop's GitHub repository: nbgitpuller clones from it with
    ``git``, exactly as from a URL. Only committed work is in it.
    """
    remote = dest / CLONE_NAME
    git = ["git", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "--quiet", "--bare", str(remote)], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "push", "--quiet", str(remote), f"{ref}:refs/heads/{BRANCH}"],
        check=True,
    )
    subprocess.run(
        ["git", "-C", str(remote), "symbolic-ref", "HEAD", f"refs/heads/{BRANCH}"], check=True
    )
    return remote


def nbgitpuller_link(
    hub_url: str, repo_url: str, *, notebook: str, branch: str = BRANCH, clone: str = CLONE_NAME
) -> str:
    """The link a learner clicks: clone/update ``repo_url``, then open ``notebook`` in Lab.

    Same form as the nbgitpuller link generator's: ``/hub/user-redirect/git-pull`` with
    ``urlpath`` relative to the server's root folder, so it starts with the clone's name.
    """
    query = urlencode(
        {
            "repo": repo_url,
            "branch": branch,
            "urlpath": f"lab/tree/{clone}/notebooks/{notebook}?autodecode",
        },
        quote_via=quote,
        safe="",
    )
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def _stop_processes(processes: list[psutil.Process], grace_s: float) -> list[int]:
    """SIGTERM, wait ``grace_s``, SIGKILL what is left; return the pids that needed it."""
    for p in processes:
        with contextlib.suppress(psutil.Error):
            p.terminate()
    _, alive = psutil.wait_procs(processes, timeout=grace_s)
    for p in alive:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(alive, timeout=5)
    return [p.pid for p in alive]


def processes_under(folder: Path) -> list[psutil.Process]:
    """This user's processes whose working directory is ``folder`` or inside it."""
    root = str(folder.resolve())
    me = os.getpid()
    found = []
    for p in psutil.process_iter(["pid", "uids"]):
        if p.pid == me:
            continue
        try:
            if p.info["uids"] is not None and p.info["uids"].real != os.getuid():
                continue
            cwd = p.cwd()
        except (psutil.Error, OSError):
            continue
        if cwd == root or cwd.startswith(root + os.sep):
            found.append(p)
    return found


class LocalHub:
    """JupyterHub on 127.0.0.1 with a state folder it owns; a context manager.

    ``stop()`` is idempotent and also registered with ``atexit``: it asks the hub to
    stop (which stops the servers and the proxy), kills the hub's process group if it
    does not, then stops any process still running inside the state folder, and
    removes the folder unless it was given by the caller.
    """

    def __init__(self, state_dir: Path | None = None, *, port: int | None = None) -> None:
        self._own_dir = state_dir is None
        self.state_dir = (
            Path(tempfile.mkdtemp(prefix="labkit-hub-")) if state_dir is None else state_dir
        )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        ports = free_ports(3) if port is None else [port, port + 1, port + 2]
        self.port, self.hub_api_port, self.proxy_api_port = ports
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.url}/hub/api"
        self.token = secrets.token_hex(32)
        self.process: subprocess.Popen | None = None
        self.log_path = self.state_dir / "jupyterhub.log"
        self._stopped = False
        atexit.register(self.stop)

    # -- start -------------------------------------------------------------------------
    def start(self, timeout_s: float = 120) -> LocalHub:
        env = dict(os.environ)
        env.update(
            LABKIT_HUB_DIR=str(self.state_dir),
            LABKIT_HUB_PORT=str(self.port),
            LABKIT_HUB_API_PORT=str(self.hub_api_port),
            LABKIT_PROXY_API_PORT=str(self.proxy_api_port),
            LABKIT_HUB_API_TOKEN=self.token,
            CONFIGPROXY_AUTH_TOKEN=secrets.token_hex(32),
        )
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        cmd = [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            cmd,
            cwd=self.state_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: Ctrl-C reaches us, not it
        )
        log.close()
        self._wait_ready(timeout_s)
        return self

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyterhub exited with status {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.api_url}/", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise TimeoutError(
            f"jupyterhub did not answer within {timeout_s:.0f} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no hub log)"

    # -- stop --------------------------------------------------------------------------
    def stop(self) -> list[int]:
        """Stop everything this hub started; return pids that had to be killed."""
        if self._stopped:
            return []
        self._stopped = True
        killed: list[int] = []
        if self.process is not None and self.process.poll() is None:
            # SIGTERM: the hub stops every server (cleanup_servers) and the proxy.
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=45)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                killed.append(self.process.pid)
                self.process.wait(timeout=10)
        killed += _stop_processes(processes_under(self.state_dir), grace_s=10)
        if self._own_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)
        return killed

    def __enter__(self) -> LocalHub:
        try:
            return self.start()
        except BaseException:
            self.stop()  # a failed start leaves nothing running either
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="public port (default 8000)")
    parser.add_argument("--dir", type=Path, help="state folder (default: a temporary one)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    hub = LocalHub(args.dir, port=args.port)
    remote = make_workshop_remote(hub.state_dir)
    try:
        hub.start()
        link = nbgitpuller_link(hub.url, remote.as_uri(), notebook="00_start_here.ipynb")
        print(f"JupyterHub is running at {hub.url} (sign in with any name; 'instructor' is admin)")
        print(f"Workshop repository: {remote} (this checkout's HEAD as branch {BRANCH})")
        print("A learner's nbgitpuller link:")
        print(f"  {link}")
        print(f"Hub log: {hub.log_path}. Press Ctrl-C to stop the hub and every server.")
        while hub.process is not None and hub.process.poll() is None:
            time.sleep(1)
        print(f"jupyterhub exited ({hub.process.returncode if hub.process else '?'})")
        return 1
    except KeyboardInterrupt:
        print("\nstopping the hub, its servers and the proxy…")
        return 0
    finally:
        hub.stop()


if __name__ == "__main__":
    sys.exit(main())
