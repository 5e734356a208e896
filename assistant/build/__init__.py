"""The Build noun: one immutable, complete index of the library and everything done with it.

- ``index``: write a build, swap the served pointer, prune old builds, open the served one (Index)
- ``lifecycle``: read a stored build, validate a fresh one, roll back, discard
- ``unit_store``: the build's evidence units and their vectors
- ``dense``, ``filtering``: dense search and metadata row masks over a build's rows
"""
