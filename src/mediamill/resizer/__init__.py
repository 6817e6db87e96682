"""Resize URLs over HTTP (delivery layer): ``/images/<bucket>/<key>/<spec>-<id>.<sig>.<ext>``.

views.py                    the one view: verify, find or render, serve or redirect
rates.py                    the per-client rate of new renders
templatetags/resize_urls.py ``{% resize_url bucket key spec %}`` for templates
"""
