"""The transcoding engine: one input decoded once, N outputs encoded in parallel (PyAV).

Stands alone: no Django, no database; ``presets`` and ``probe`` are its only mediamill
dependencies, so it can be used as a library and ``mediamill transcode`` starts quickly.
"""

from mediamill.engine.run import OutputStats, ProgressCallback
from mediamill.engine.transcode import OutputRequest, OutputResult, transcode

__all__ = ["OutputRequest", "OutputResult", "OutputStats", "ProgressCallback", "transcode"]
