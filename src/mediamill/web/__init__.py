"""The web app for people: accounts, the library of their files, players, downloads, notices.

A Django app of the delivery layer: its views translate pages and forms into calls to the
domain (``jobs.service.create_job`` with a typed ``JobRequest``, ``notifications.notices``,
``accounts.access_keys``) and hold no rules of their own beyond whose files are whose.
"""
