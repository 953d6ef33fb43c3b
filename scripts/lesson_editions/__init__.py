"""The parts of ``scripts/editions.py``, which builds both editions of every lesson.

* ``kernel``: the environment every lesson kernel runs in (here, under nbval, on Binder);
* ``notebooks``: a lesson source read as a notebook, and turned into the learner edition
  or into the notebook the docs edition executes;
* ``executed``: running that notebook and normalising it into stable, sanitised text;
* ``korean_code``: the Korean source's code kept equal to the English (comments aside).

Paths, the command line and anything that reads or writes the repository stay in
``scripts/editions.py``, which re-exports these names.
"""
