"""Pages for people: what an index holds, per project and per wheel, rendered from the index's own
data (its pages, `wheelhouse-manifest.json`, the SBOM in each wheel) under `/-/`, a path no
project name can take."""
