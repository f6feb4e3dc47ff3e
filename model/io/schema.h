// Internal: strict reading of manifests against the published schemas of the
// kinds meshsim reads (docs/lint.md#strict-reading). The schemas are data:
// data/schemas/*.json (the Istio and Gateway API CRDs' openAPIV3Schema, and
// the Kubernetes fields meshsim reads), embedded in the binary at build time.
//
// A manifest is judged as `kubectl apply --validate=strict` would judge it:
// a field the schema does not have is `unknown-field`; a value of the wrong
// type, outside its enum or range, or breaking a oneOf is `invalid-value`. A
// kind its known API group does not have is `unknown-kind`. Every error is at
// the offending key or value, with the field path and a did-you-mean.
#ifndef MESHSIM_MODEL_IO_SCHEMA_H_
#define MESHSIM_MODEL_IO_SCHEMA_H_

#include <string>
#include <vector>

#include "model/io/yaml_reader.h"
#include "model/io/yaml_tree.h"

namespace meshsim::io {

// API groups whose kinds meshsim knows completely: a kind outside the list of
// its group is an error (unknown-kind), not a skipped object.
bool IsKnownGroup(const std::string& group);

// Every kind of a known group (modelled or not), for unknown-kind and its
// did-you-mean; empty for other groups.
const std::vector<std::string>& KindsOfGroup(const std::string& group);

// The schema of one kind, from the embedded data. Opaque outside schema.cc.
struct KindSchema;

// The schema of `kind` in `group`, or nullptr when none is kept.
const KindSchema* FindSchema(const std::string& group, const std::string& kind);

// The versions of the kind its API group serves ("v1", "v1beta1", ...).
const std::vector<std::string>& ServedVersions(const KindSchema& schema);

// "Kind ns/name", as messages name an object.
std::string ObjectName(const DiagnosticObject& object);

// Checks `obj` (a whole object: apiVersion, kind, metadata, spec, ...)
// against `schema` for version `version`; reports each error through `r`,
// about `object` and prefixed with its name. Returns the number of errors.
int ValidateObject(Reader& r, const yaml::Node& obj, const KindSchema& schema,
                   const std::string& version, const DiagnosticObject& object);

}  // namespace meshsim::io

#endif  // MESHSIM_MODEL_IO_SCHEMA_H_
