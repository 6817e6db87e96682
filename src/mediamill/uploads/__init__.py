"""Resumable uploads for people: a tus 1.0 server at ``/uploads/``, streaming into buckets.

    protocol.py  tus's headers: parsing Upload-Metadata, the answers' common headers
    models.py    Upload: one unfinished (or just finished) upload, its offset and storage state
    storage.py   where the bytes go: a hidden staging file (folder buckets), a multipart
                 upload (S3); the offset advances only once bytes are stored
    service.py   create, receive, complete, terminate, expire: the rules, for any caller
    hooks.py     the two functions the web app installs: where an upload goes, what then
    views.py     HTTP to service calls, and errors to tus answers
    sweep.py     removes expired uploads, from a thread of ``mediamill serve``

The browser side is ``static/uploads/upload.js`` with tus-js-client vendored beside it.
"""
