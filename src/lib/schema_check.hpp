// Validation of parsed JSON against the JSON Schemas in rules/schema, embedded in the library.
#pragma once

#include "json_source.hpp"

#include <string_view>

namespace masterpro::detail {

/// The published schemas: `rules/schema/<kind>.schema.json`.
enum class schema_kind { qualification, candidate };

/// The text of the embedded schema of `kind`, as it was in the source tree at build time.
std::string_view schema_text(schema_kind kind) noexcept;

/// Every violation of the schema of `kind` found in `source.document`, in document order, each
/// an error of category `schema` located at the offending value (file, line, column, pointer);
/// empty when the document conforms. A conforming document costs one validation pass.
diagnostics validate_with_schema(const json_source& source, schema_kind kind);

} // namespace masterpro::detail
