"""The child process a trigger's handler runs in: ``python -m mediamill.triggers.handler_child``.

Reads one JSON document on stdin (the handler's file and function, the event, the context's
values, the limits), applies the limits to itself, loads the file as a module and calls
``function(event, context)`` as Lambda would. Whatever the handler prints goes to this
process's stdout and stderr (files the parent reads, cut to size); the outcome — the return
value as JSON, or the exception and its traceback — is written to the result file named in
the input. Standard library only, so a handler sees nothing of mediamill but this.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The attributes of Lambda's context object that handlers read."""

    def __init__(self, values: dict[str, Any], deadline: float) -> None:
        self.function_name: str = values["function_name"]
        self.function_version: str = "$LATEST"
        self.invoked_function_arn: str = values["invoked_function_arn"]
        self.memory_limit_in_mb: int = values["memory_limit_in_mb"]
        self.aws_request_id: str = values["aws_request_id"]
        self.log_group_name: str = f"/aws/lambda/{self.function_name}"
        self.log_stream_name: str = values["aws_request_id"]
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def main() -> int:
    job = json.loads(sys.stdin.read())
    limits = job["limits"]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory"], limits["memory"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_size"], limits["file_size"]))
    result_path = job["result"]
    context = LambdaContext(job["context"], job["deadline"])
    try:
        folder = os.path.dirname(job["path"])
        sys.path.insert(0, folder)  # a handler may import modules beside it, as on Lambda
        spec = importlib.util.spec_from_file_location("lambda_function", job["path"])
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {os.path.basename(job['path'])}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["lambda_function"] = module
        spec.loader.exec_module(module)
        function = getattr(module, job["function"])
        value = function(job["event"], context)
        outcome: dict[str, Any] = {"ok": True, "value": _jsonable(value)}
    except BaseException as exc:
        outcome = {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }
    sys.stdout.flush()
    sys.stderr.flush()
    with open(result_path, "w", encoding="utf-8") as out:
        json.dump(outcome, out)
    return 0


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


if __name__ == "__main__":
    sys.exit(main())
