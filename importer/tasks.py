"""Background work of the importer, run by the Huey worker: thin wrappers over the services."""

from huey.contrib.djhuey import db_task

from importer import services


@db_task()
def stage_task(session_id: int):
    return services.session_stage(session_id=session_id).status


@db_task()
def commit_task(session_id: int):
    return services.session_commit_run(session_id=session_id).status
