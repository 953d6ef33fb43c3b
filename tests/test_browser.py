"""A learner's click-through of the policy lab, in a real JupyterLab and a real browser.

Before running anything, the learner edition must look blank: no stored outputs, every
explanation and the exercise's solution collapsed behind "Reveal ...", and no "Jupyter
news?" pop-up (the repository's ``jupyter-config/`` setting defaults prevent it).

JupyterLab starts from this environment on a free loopback port with a token; headless
Debian Chromium, driven by Playwright, opens ``notebooks/02_policy_lab.ipynb``, runs all
cells, sets the "Resource policy" dropdown to "none" and clicks "Run": the verdict must say
that no log event was delivered and the timeline picture must change. Back to
"auto-created": events are delivered again. This is the article's phase 2 and 3 as a
learner meets them. JupyterLab serves a copy of ``notebooks/`` (autosave off); screenshots go to
``artifacts/browser/`` (git-ignored).

Chromium is Debian's ``/usr/bin/chromium`` (``.ci/run`` installs it); Playwright's own
browser download is never used. Without it the test skips, with the reason and the install
line in the summary; ``LABKIT_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes it fail instead
(the ``browser`` marker, handled in the root ``conftest.py``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = "notebooks/02_policy_lab.ipynb"
ARTIFACTS = REPO / "artifacts" / "browser"
VERDICT = re.compile(r"(\d+) of (\d+) (?:log )?events? (?:were )?delivered")
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(900)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lesson_env(tmp: Path) -> dict[str, str]:
    """The server's environment: lessons offline, Jupyter settings isolated in ``tmp``."""
    env = dict(os.environ)
    for name in ("MPLBACKEND", "AWS_PROFILE"):
        env.pop(name, None)
    env.update(
        LABKIT_MODE="offline",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        PYTHONHASHSEED="0",
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        # the lab's JupyterLab setting defaults, as the README's lab command and Binder use them
        JUPYTER_CONFIG_PATH=str(REPO / "jupyter-config"),
    )
    return env


def start_lab(root: Path, tmp: Path) -> tuple[subprocess.Popen, str, str]:
    """JupyterLab serving ``root`` on 127.0.0.1; returns (process, base url, token)."""
    port, token = free_port(), secrets.token_hex(16)
    # No "get notified about Jupyter news?" pop-up: the repository's jupyter-config/ (in
    # lesson_env) must prevent it, as for learners; _click_through checks that it does.
    # Start the notebook's own kernel without asking ("Always start the preferred kernel").
    tracker = tmp / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    # ... and render every cell (no windowing), so off-screen widgets have their text.
    (tracker / "tracker.jupyterlab-settings").write_text(
        '{"autoStartDefaultKernel": true, "windowingMode": "none"}'
    )
    # Never write the served notebook back (it is a copy anyway).
    docmanager = tmp / "settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True, exist_ok=True)
    (docmanager / "plugin.jupyterlab-settings").write_text('{"autosave": false}')
    log = (tmp / "jupyterlab.log").open("w")
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--allow-root",  # CI runs as root
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.extension_manager=readonly",
    ]
    proc = subprocess.Popen(
        cmd, cwd=root, env=lesson_env(tmp), stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{(tmp / 'jupyterlab.log').read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    return proc, base, token
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"JupyterLab did not answer:\n{(tmp / 'jupyterlab.log').read_text()}")


def stop_lab(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def accept_kernel_dialog(page) -> None:
    """Answer JupyterLab's "Select Kernel" dialog with the preferred kernel, if it is shown."""
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    if dialog.count():
        dialog.locator("button", has_text=re.compile(r"^Select$")).click()


def run_all_cells(page) -> None:
    accept_kernel_dialog(page)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def wait_idle(page, timeout_ms: int = 240_000) -> None:
    """Wait until no cell is queued or running (prompts show ``[*]`` while they are)."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-InputArea-prompt')];
            return prompts.length > 0 && !prompts.some(p => p.textContent.includes('*'));
        }""",
        timeout=timeout_ms,
    )


def panel_state(cell) -> tuple[int, int, str]:
    """(delivered, total, timeline image src) shown by the lab panel in ``cell``."""
    cell.scroll_into_view_if_needed()
    verdict = cell.locator(".widget-html-content", has_text=VERDICT).first
    verdict.wait_for(timeout=60_000)
    text = verdict.text_content() or ""
    match = VERDICT.search(text)
    assert match, f"no verdict in {text!r}"
    image = cell.locator(".widget-output img").last
    image.wait_for(timeout=60_000)
    return int(match.group(1)), int(match.group(2)), image.get_attribute("src") or ""


def png_bytes(src: str) -> bytes:
    """The PNG a ``data:`` URL carries; fails unless the browser really has a PNG to show."""
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix), f"the timeline is not a PNG data URL: {src[:80]!r}"
    try:
        data = base64.b64decode(src.removeprefix(prefix), validate=True)
    except binascii.Error:
        data = b""
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), (
        f"not PNG data: {src[:80]!r} (image/png shown in an Output widget must be base64 text)"
    )
    return data


def choose_and_run(page, cell, policy: str, previous_src: str) -> tuple[int, int, str]:
    """Pick ``policy`` in the panel, press Run, wait for the kernel, read the panel."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    cell.locator(".widget-dropdown", has_text="Resource policy").locator("select").select_option(
        label=policy
    )
    cell.locator("button.widget-button", has_text=re.compile(r"^\s*Run\s*$")).click()
    page.wait_for_timeout(500)
    wait_idle(page)
    # The new picture arrives by a widget message after the kernel is idle; if it never
    # does, the assertions on the returned src say what is wrong.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            """([cellIndex, before]) => {
                const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[cellIndex];
                const imgs = cell ? cell.querySelectorAll('.widget-output img') : [];
                return imgs.length > 0 && imgs[imgs.length - 1].getAttribute('src') !== before;
            }""",
            arg=[cell_index(page, cell), previous_src],
            timeout=30_000,
        )
    return panel_state(cell)


def cell_index(page, cell) -> int:
    return cell.evaluate("c => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].indexOf(c)")


def check_learner_view(page) -> None:
    """The learner edition as opened: blank, answers collapsed, no news pop-up."""
    assert page.get_by_text("official Jupyter news").count() == 0, "the news pop-up is shown"
    assert page.locator(".jp-OutputArea-output").count() == 0, "stored outputs in the lesson"
    markdown = page.locator(".jp-RenderedMarkdown")
    closed = markdown.locator("details:not([open]) > summary")
    assert closed.filter(has_text="Reveal the explanation").count() >= 1
    assert closed.filter(has_text="Reveal the solution").count() >= 1
    assert markdown.locator("details[open]").count() == 0, "an answer is shown before a click"


def check_radio_labels(cell) -> None:
    """Every radio choice of the panel ("Apply change", "Predict") reads: the drawn text of
    no two choices overlaps (wrapped choices once drew over each other)."""
    boxes = cell.evaluate(
        """c => [...c.querySelectorAll('.widget-radio-box label')].map(label => {
            const range = document.createRange();
            range.selectNodeContents(label);
            const r = range.getBoundingClientRect();
            return [label.textContent.trim(), r.left, r.top, r.right, r.bottom];
        })"""
    )
    assert len(boxes) >= 7, f"radio choices not found: {boxes}"
    for i, (text_a, *a) in enumerate(boxes):
        for text_b, *b in boxes[i + 1 :]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, f"radio choices drawn over each other: {text_a!r} and {text_b!r}"


def _click_through(page, url: str, shots: Path) -> dict[str, tuple]:
    page.goto(url)
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=120_000)
    page.wait_for_timeout(2_000)  # a "Select Kernel" dialog, if any, opens after the cells
    accept_kernel_dialog(page)
    check_learner_view(page)
    # The kernel indicator reads "idle" only once a kernel is connected.
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=120_000)
    run_all_cells(page)
    dropdown = page.locator(".widget-dropdown", has_text="Resource policy")
    dropdown.first.wait_for(timeout=240_000)
    wait_idle(page)
    # The last panel is the learner's own (lesson 02, "Use the panel yourself"): it starts
    # unrun, so its first Run, with the policy AWS created, draws the initial state.
    cell = page.locator(".jp-Notebook .jp-Cell").filter(has=dropdown).last
    check_radio_labels(cell)
    states = {"initial": choose_and_run(page, cell, "auto-created", "")}
    cell.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "1_after_run_all.png"))
    states["none"] = choose_and_run(page, cell, "none", states["initial"][2])
    cell.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "2_policy_none.png"))
    states["auto-created"] = choose_and_run(page, cell, "auto-created", states["none"][2])
    cell.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "3_policy_restored.png"))
    return states


def drive_policy_lab(root: Path, notebook: str, tmp: Path, shots: Path) -> dict[str, tuple]:
    """Click through the policy lab; return the panel state after each step."""
    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    proc, base, token = start_lab(root, tmp)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            try:
                states = _click_through(page, f"{base}/lab/tree/{notebook}?token={token}", shots)
            except Exception:
                page.screenshot(path=str(shots / "failure.png"))
                raise
            browser.close()
    finally:
        stop_lab(proc)
    return states


def test_policy_lab_in_a_real_browser(tmp_path):
    if not (REPO / NOTEBOOK).exists():
        pytest.skip(f"{NOTEBOOK} is not in the repository yet")
    served = tmp_path / "lab"  # a copy: the browser session never touches the repository
    shutil.copytree(REPO / "notebooks", served / "notebooks")
    states = drive_policy_lab(served, NOTEBOOK, tmp_path, ARTIFACTS)

    delivered, total, src_none = states["none"]
    assert total > 0
    assert delivered == 0, f"with no resource policy the verdict says {delivered} of {total}"
    assert png_bytes(src_none) != png_bytes(states["initial"][2]), "the picture did not change"

    delivered, total, src_back = states["auto-created"]
    assert delivered == total > 0, f"after restoring the policy: {delivered} of {total}"
    assert png_bytes(src_back) != png_bytes(src_none), "the picture did not change back"
