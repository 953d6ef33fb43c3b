"""JupyterHub configuration for a local workshop hub on 127.0.0.1 (and its load test).

Started by ``python deploy/jupyterhub/localhub.py`` (one command, foreground) or by
``deploy/jupyterhub/loadtest.py``. Everything it writes lives under ``LABKIT_HUB_DIR``:

* the hub's database, cookie secret and proxy pid file;
* one home folder per learner, ``home/<name>``, where nbgitpuller clones the lessons.

Choices, each the documented minimum for a hub that runs on one machine:

* ``DummyAuthenticator``: any name signs in (``c.DummyAuthenticator.password`` would
  make it a shared password). For a laptop or a test, never for a hub on a network.
* ``SimpleLocalProcessSpawner``: each learner's single-user server is a local process
  running as the hub's own user, with its own home folder. It isolates nothing and
  enforces no memory limit: that is what Kubernetes (Zero to JupyterHub) or systemd
  (The Littlest JupyterHub) add; see docs/workshop-hub.md.
* ``configurable-http-proxy`` (npm) routes ``/user/<name>/`` to each server; the hub
  starts and stops it.
* Idle kernels are culled by jupyter_server itself (``MappingKernelManager``), so a
  learner who leaves three lessons open does not hold three kernels all day.

Settings come from the environment, so the same file serves the one-command start and
the load test: ``LABKIT_HUB_DIR``, ``LABKIT_HUB_PORT`` (public, default 8000),
``LABKIT_HUB_API_PORT`` (hub's own, default public+1), ``LABKIT_PROXY_API_PORT``
(default public+2) and ``LABKIT_HUB_API_TOKEN`` (an admin service token, optional).
"""

# ruff: noqa: F821  (``c`` is injected by JupyterHub when it loads this file)

import os
import sys
from pathlib import Path

hub_dir = Path(os.environ.get("LABKIT_HUB_DIR", "hub-state")).resolve()
hub_dir.mkdir(parents=True, exist_ok=True)
port = int(os.environ.get("LABKIT_HUB_PORT", "8000"))
hub_port = int(os.environ.get("LABKIT_HUB_API_PORT", str(port + 1)))
proxy_api_port = int(os.environ.get("LABKIT_PROXY_API_PORT", str(port + 2)))

# --- network: loopback only ---------------------------------------------------------
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = hub_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = str(hub_dir / "proxy.pid")
c.ConfigurableHTTPProxy.should_start = True

# --- state --------------------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{hub_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(hub_dir / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(hub_dir / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server
c.JupyterHub.cleanup_proxy = True

# --- who may sign in ----------------------------------------------------------------
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.Authenticator.admin_users = {"instructor"}

token = os.environ.get("LABKIT_HUB_API_TOKEN")
if token:
    c.JupyterHub.services = [{"name": "labkit-loadtest", "api_token": token}]
    c.JupyterHub.load_roles = [
        {
            "name": "labkit-loadtest",
            "description": "create learners, start and stop their servers, issue their tokens",
            "scopes": ["admin:users", "admin:servers", "tokens", "list:users"],
            "services": ["labkit-loadtest"],
        }
    ]

# --- each learner's server ------------------------------------------------------------
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(hub_dir / "home" / "{username}")
# The single-user server of this Python environment, found without relying on PATH.
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# A room's servers start together on a busy machine: be patient before giving up.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.Spawner.environment = {
    # What binder/start sets: offline lessons, fake credentials (moto's recommendation),
    # so botocore never looks for real ones.
    "LABKIT_MODE": "offline",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    # Open JupyterLab (not the classic UI) after an nbgitpuller link.
    "NBGITPULLER_APP": "lab",
    # One BLAS/OpenMP thread per kernel: 30 kernels on 2 cores must not fight over them.
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    # Memory of each learner's processes. Measured with loadtest.py, one learner (server
    # peak RSS; the kernel inherits this environment too):
    # - glibc malloc raises its mmap threshold each time a large block is freed, so later
    #   large buffers come from the heap and stay resident after they are freed. Setting
    #   M_TRIM_THRESHOLD turns that adjustment off (mallopt(3)): blocks of 128 KiB or more
    #   are mmapped and given back when freed, and the heap is trimmed once 128 KiB at its
    #   top are free. Kernel -35 to -42 MB (pandas/matplotlib buffers), server -1.5 MB;
    #   CPU within noise. Only glibc reads the variable; other C libraries ignore it.
    "MALLOC_TRIM_THRESHOLD_": "131072",
    # - nbformat checks every notebook the server reads or saves against its schema with
    #   fastjsonschema unless told otherwise, and the code that compiles to stays in
    #   memory: server -9 MB with jsonschema, the validator nbformat builds beside it
    #   anyway (same schema). The price: 23 ms instead of 1 ms per validation of the
    #   largest executed lesson (370 KB), once per open and per save.
    "NBFORMAT_VALIDATOR": "jsonschema",
}
for name in ("PATH", "LANG", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    if name in os.environ:
        c.Spawner.environment[name] = os.environ[name]
c.Spawner.args = [
    # Kernels idle for 20 minutes are shut down; busy ones are left alone.
    "--MappingKernelManager.cull_idle_timeout=1200",
    "--MappingKernelManager.cull_interval=120",
    "--MappingKernelManager.cull_connected=True",
    "--MappingKernelManager.cull_busy=False",
    # Server extensions a learner does not use, off (server -4 MB together):
    # - jupyter_lsp serves language servers, and the lessons' image installs none, so it
    #   only scans for them; code completion comes from the kernel anyway. Without it,
    #   JupyterLab asks /lsp/status three times, then logs "Missing jupyter_lsp server
    #   extension, skipping." in the browser console.
    # - jupyterlab_jupytext (jupytext, a test tool of this repository, not in the
    #   learners' image) opens .md files as notebooks; learners open the .ipynb files.
    # Left on: nbgitpuller (the workshop link), jupyter_server_terminals (a learner's
    # terminal, costs < 1 MB until opened), notebook_shim (honours NotebookApp.* settings,
    # which hubs and Binder still pass; costs ~1.5 MB).
    "--ServerApp.jpserver_extensions=jupyter_lsp=False",
    "--ServerApp.jpserver_extensions=jupyterlab_jupytext=False",
]
if hasattr(os, "geteuid") and os.geteuid() == 0:
    # Containers and CI machines run as root, where jupyter_server refuses to start.
    c.Spawner.args.append("--ServerApp.allow_root=True")
