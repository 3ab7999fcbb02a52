"""Aggregation, statistics, plots and Markdown/HTML of a study: reads only run directories."""
