"""What schemathesis needs to know about the API beyond its OpenAPI document.

Loaded by tests/api/test_schemathesis.py and, through ``hooks`` in schemathesis.toml, by
``schemathesis run`` from the repository root.
"""

import schemathesis

# A tus PATCH body is raw bytes (tus 1.0 names the media type), sent as they are.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
