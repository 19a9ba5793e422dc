"""What every benchmark shares: processes, sampling, statistics, targets, the report."""
