"""The simulator's wire formats: pure functions the API server calls.

- `documents`: OpenAPI v3 index and per-group-version documents (`/openapi/v3...`).
- `schemas`: schema look-ups (merge keys, list types) over those documents.
- `fields`: unknown fields for `fieldValidation=Strict|Warn`; values of the wrong JSON type
  (`type_errors`, worded as Go's decoder, for the 400 a real server gives).
- `strategic`, `jsonpatch`: strategic merge patch, JSON merge patch, JSON patch.
- `protobuf`: `application/vnd.kubernetes.protobuf` request bodies to JSON-shaped dicts.
- `field_sets`: the fields a value sets and what changed between two values, as paths.
- `managed_fields`: `metadata.managedFields` (FieldsV1) and the ownership an Update takes.
- `apply`, `apply_merge`: server-side apply (merge, prune, conflicts between managers).
- `last_applied`: the switch from client-side apply's annotation to server-side apply.

Each module's docstring says where the API server calls it. Nothing here does I/O beyond reading the
package's own data files.
"""
