"""The Elastic Transcoder REST API (2012-09-25): HTTP in, domain calls out, no business logic."""
