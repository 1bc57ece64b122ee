"""codesign-prevalence: rare signed binaries across a Windows fleet."""

__version__ = "0.1.0"
