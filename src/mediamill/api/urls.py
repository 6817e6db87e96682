"""The 17 operations under /2012-09-25/ (the routing table of the service model).

Path segments are captured as they come (``[^/]+``) and checked by the operation, so a
malformed Id gets AWS's ValidationException rather than a bare 404.
"""

from __future__ import annotations

from django.urls import path, re_path

from mediamill.api.views import jobs, meta, pipelines, presets

app_name = "api"

urlpatterns = [
    path("jobs", jobs.collection, name="jobs"),
    path("jobs/<str:job_id>", jobs.item, name="job"),
    path("jobsByPipeline/<str:pipeline_id>", jobs.by_pipeline, name="jobs-by-pipeline"),
    path("jobsByStatus/<str:status>", jobs.by_status, name="jobs-by-status"),
    path("pipelines", pipelines.collection, name="pipelines"),
    path("pipelines/<str:pipeline_id>", pipelines.item, name="pipeline"),
    path("pipelines/<str:pipeline_id>/status", pipelines.status, name="pipeline-status"),
    path(
        "pipelines/<str:pipeline_id>/notifications",
        pipelines.notifications,
        name="pipeline-notifications",
    ),
    path("presets", presets.collection, name="presets"),
    path("presets/<str:preset_id>", presets.item, name="preset"),
    path("roleTests", pipelines.role_tests, name="role-tests"),
    path("openapi.json", meta.openapi_json, name="openapi"),
    re_path(r"^(?P<rest>.*)$", meta.unknown_route),
]
