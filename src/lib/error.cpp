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

namespace {

/// Control characters written visibly, so that one diagnostic stays on one line.
std::string visible(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\r') out += "\\r";
        else if (u < 0x20 || u == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else out += c;
    }
    return out;
}

} // namespace

std::string format_diagnostic(const error& e) {
    std::string out = e.where.file.empty() ? std::string("<input>") : visible(e.where.file);
    if (e.where.line != 0) {
        out += ':' + std::to_string(e.where.line);
        if (e.where.column != 0) out += ':' + std::to_string(e.where.column);
    }
    out += ": error: ";
    out += visible(e.message);
    if (!e.where.pointer.empty()) out += " [" + visible(e.where.pointer) + "]";
    return out;
}

} // namespace masterpro
