"""``/events/s3``: S3 event notifications posted by S3 servers (delivery layer).

A thin view over ``triggers``: authenticate the event source, parse the notification, hand
each record to ``triggers.receiving``, answer with what became of it.
"""
