"""Pipelines, custom presets and jobs: the Django app, and the service that moves jobs along.

``service`` is the only code that changes a job's state; everything else reads.
"""
