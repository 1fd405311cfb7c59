// Names and GCC-style rendering of errors.
#include "masterpro/error.hpp"

namespace masterpro {

const char* to_string(error_category category) noexcept {
    switch (category) {
    case error_category::io: return "io";
    case error_category::json_syntax: return "json_syntax";
    case error_category::schema: return "schema";
    case error_category::semantic: return "semantic";
    case error_category::candidate_data: return "candidate_data";
    case error_category::limit: return "limit";
    case error_category::usage: return "usage";
    }
    return "unknown";
}

std::string format_diagnostic(const error& e) {
    std::string out = e.where.file.empty() ? std::string("<input>") : e.where.file;
    if (e.where.line != 0) {
        out += ':' + std::to_string(e.where.line);
        if (e.where.column != 0) out += ':' + std::to_string(e.where.column);
    }
    out += ": error: ";
    out += e.message;
    if (!e.where.pointer.empty()) out += " [" + e.where.pointer + "]";
    return out;
}

} // namespace masterpro
