"""Durable render jobs on Ray.

* `dispatch`   — what the ingress calls: hand a new job to the supervisor.
* `supervisor` — a detached actor that owns the render tasks and re-runs orphaned jobs.
* `runner`     — the Ray task: claim the job, keep its lease, run it, settle its credits.
* `work`       — what each kind of job does (script analysis, storyboard, film).
* `spec`       — a job's stored parameters turned into the pipeline's FilmRequest.
"""
