"""Sphinx configuration of the labkit docs site (the executed docs edition, rendered).

Build it with the README's docs command (``<!-- docs-command -->``). The site is made from
``docs/index.md`` and the docs edition ``docs/lessons/NN_name.ipynb`` (in Korean:
``docs/ko/index.md`` and ``docs/lessons/ko/NN_name.ipynb``), which
``scripts/editions.py`` executes and stores; Sphinx never runs a notebook. Everything is
local: no theme or asset download while building, no intersphinx, no script or font
fetched from a CDN when the pages are read (ipywidgets render from the stored widget state,
see ``_ext/static_widgets.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

# -- Where the project lives ---------------------------------------------------------------
# TODO(OWNER): replace OWNER/labkit with the GitHub organisation and repository (as in the
# README's Binder badge). This one value feeds every Binder and JupyterHub link of the site.
labkit_repository = "OWNER/labkit"
labkit_branch = "main"
# A workshop's hub: instructors set theirs here or build with LABKIT_JUPYTERHUB_URL set.
# The placeholder host is the README's nbgitpuller template's; the lesson pages say so.
labkit_jupyterhub_url = os.environ.get("LABKIT_JUPYTERHUB_URL", "https://HUB.example.org")
# The learner edition that every launch link opens (blank notebooks, same file names).
labkit_learner_dir = "notebooks"

# -- Project -------------------------------------------------------------------------------
project = "labkit"
author = "the labkit authors"
copyright = "the labkit authors, Apache-2.0"  # noqa: A001 (Sphinx's name for it)
language = "en"

extensions = [
    "myst_nb",  # MyST Markdown pages and .ipynb notebooks with their stored outputs
    "launch_links",  # Binder / JupyterHub links to the learner edition on each lesson
    "static_widgets",  # ipywidgets drawn from the stored widget state, without JavaScript
    "title_rule",  # a notebook's "---" under its title is not a page's first element
    "language_switch",  # a link on every page to the same page in the other language
]

root_doc = "index"
exclude_patterns = ["_build", "_ext", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
suppress_warnings: list[str] = []

# -- MyST and MyST-NB ----------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "html_image"]
myst_heading_anchors = 3
# The docs edition is executed by scripts/editions.py (and checked by strict nbval); the
# site shows its stored outputs as they are.
nb_execution_mode = "off"
nb_merge_streams = True
# MyST-NB would load RequireJS and the ipywidgets HTML manager from a CDN on every page
# with widgets; static_widgets draws them instead, so no page needs the network.
nb_ipywidgets_js: dict[str, dict[str, str]] = {}

# -- HTML ----------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "labkit: who writes your Step Functions logs?"
html_static_path = ["_static"]
html_css_files = ["labkit.css"]
html_last_updated_fmt = None
html_copy_source = True
html_show_sphinx = False
html_theme_options = {
    "repository_url": f"https://github.com/{labkit_repository}",
    "repository_branch": labkit_branch,
    "path_to_docs": "docs",
    "use_repository_button": True,
    "use_download_button": True,
    # No "launch_buttons" here: the theme's would open the docs edition; launch_links adds
    # its own, to the learner edition.
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
