"""The application layer of wheelhouse: the command line, what it prints, and the choice of a
publish destination. It sits above both libraries: `builder` (resolve, plan, build, repair,
verify, accept) and `index` (model, render, publish, serve)."""
