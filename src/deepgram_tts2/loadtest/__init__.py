"""Load generation behind ``dgtts bench``: workloads, a runner, and the report."""
