"""wheelhouse index: serve and publish a wheelhouse as a Python package index.

A library of its own: it never imports the builder.
"""
