"""``atoll doctor``: what is right and wrong between a site and its identity provider, each with its fix."""

from atoll.doctor.report import Finding, Report, render_json, render_text
from atoll.doctor.run import DoctorOptions, diagnose

__all__ = ["DoctorOptions", "Finding", "Report", "diagnose", "render_json", "render_text"]
