"""Triggers: a file landing in a bucket starts its jobs.

    ObjectCreated ─┬─ stored through mediamill (buckets.events, subscribed in apps.ready)
                   ├─ POST /events/s3 (s3events.parse; an event source authenticates it)
                   └─ watched buckets (watching: listings against a stored watermark)
          │
          └─> dispatch.fire: each enabled rule whose bucket, prefix and suffix match
                 ├─ declarative: an Event row and jobs.service.create_job, one transaction,
                 │  unique per (rule, bucket, key, version): one job however often it arrives
                 └─ handler: an Event row left Pending; handlers.run_pending runs the
                    function in a child process (handler_child) and records what it did

``rules`` creates and changes rules (refusing loops); ``sources`` holds the event sources
that may post to /events/s3 and checks their tokens and signatures.
"""
