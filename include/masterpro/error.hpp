// Errors at masterpro's boundaries: a category, a message and where in which input it happened.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace masterpro {

/// What kind of boundary rejected the input.
enum class error_category {
    io,             ///< a file could not be read
    json_syntax,    ///< the text is not JSON
    schema,         ///< the JSON breaks the published JSON Schema
    semantic,       ///< the rule file is well-formed but wrong (unknown id, type error, ...)
    candidate_data, ///< a candidate record breaks the input contract
    limit,          ///< a configured size, depth or step bound was exceeded
    usage           ///< the caller passed an invalid argument
};

/// Stable lower-case name of a category ("json_syntax", ...), used in JSON output.
const char* to_string(error_category category) noexcept;

/// Where an error is: file (or record name), 1-based line and column (0 when unknown), the
/// RFC 6901 JSON pointer of the offending value ("" for the whole document) and, for candidate
/// records, the same place as a JSON path (`assessments[2].scores.C2.1`).
struct source_location {
    std::string file;
    std::size_t line = 0;
    std::size_t column = 0;
    std::string pointer;
    std::string path;
};

/// One problem found in an input.
struct error {
    error_category category = error_category::semantic;
    std::string message;
    source_location where;
};

/// Renders GCC-style: `file:line:column: error: message [pointer]`, omitting unknown parts.
std::string format_diagnostic(const error& e);

/// Every problem found in one input, in document order.
using diagnostics = std::vector<error>;

} // namespace masterpro
