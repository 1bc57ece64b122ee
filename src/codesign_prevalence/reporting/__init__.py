"""The run report: bounded Spark aggregates -> matplotlib PNGs -> one self-contained HTML page."""
