"""The simulator's wire formats: pure functions the API server (CORE) calls.

- `documents`: OpenAPI v3 index and per-group-version documents (`/openapi/v3...`).
- `schemas`: schema look-ups (merge keys, list types) over those documents.
- `fields`: unknown fields for `fieldValidation=Strict|Warn`; values of the wrong JSON type
  (`type_errors`, worded as Go's decoder, for the 400 a real server gives).
- `strategic`, `jsonpatch`: strategic merge patch, JSON merge patch, JSON patch.
- `protobuf`: `application/vnd.kubernetes.protobuf` request bodies to JSON-shaped dicts.
- `apply`: server-side apply and `metadata.managedFields`.

Each module's docstring says where CORE calls it. Nothing here does I/O beyond reading the
package's own data files.
"""
