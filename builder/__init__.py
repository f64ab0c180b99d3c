"""wheelhouse builder: resolve a curated list, plan, build, repair and verify musllinux wheels."""

__version__ = "0.1.0"
