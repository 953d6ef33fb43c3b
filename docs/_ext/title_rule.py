"""A horizontal rule right under a lesson's title is dropped from the page.

The lessons follow the usual notebook layout of teaching cookbooks: a title cell ending in
``---``, then "Overview". In JupyterLab the rule separates the title from the text; on a web
page the title already does, and docutils rejects a section that begins with a transition
("Document or section may not begin with a transition"), which ``-W`` turns into a failed
build. This transform removes only that rule (a transition that directly follows a section
title); every other rule stays, and docutils still reports any other misplaced one.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform


class DropRuleUnderTitle(SphinxTransform):
    # before docutils' misc.Transitions (830), which reports misplaced transitions
    default_priority = 829

    def apply(self, **kwargs) -> None:
        for section in list(self.document.findall(nodes.section)):
            if (
                len(section.children) > 1
                and isinstance(section[0], nodes.title)
                and isinstance(section[1], nodes.transition)
            ):
                section.remove(section[1])


def setup(app: Sphinx) -> dict:
    app.add_transform(DropRuleUnderTitle)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
