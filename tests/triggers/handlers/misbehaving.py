import os
import sys
import time


def raises(event, context):
    raise ValueError("no such pipeline: " + event["Records"][0]["s3"]["object"]["key"])


def hangs(event, context):
    print("about to hang", flush=True)
    time.sleep(3600)


def chatters(event, context):
    chunk = "x" * 1023 + "\n"
    for _ in range(3 * 1024):  # 3 MiB
        sys.stdout.write(chunk)
    return {"remaining_ms": context.get_remaining_time_in_millis() > 0}


def hogs_memory(event, context):
    hoard = bytearray(4 * 1024 * 1024 * 1024)
    return len(hoard)


def context_and_environment(event, context):
    return {
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "memory": context.memory_limit_in_mb,
        "remaining": 0 < context.get_remaining_time_in_millis() <= 60_000,
        "endpoint": os.environ.get("AWS_ENDPOINT_URL_ELASTIC_TRANSCODER"),
        "has_key": os.environ.get("AWS_ACCESS_KEY_ID", "").startswith("MMAK"),
        "secret_setting_leaked": any(name.startswith("MEDIAMILL_") for name in os.environ),
        "records": len(event["Records"]),
    }
