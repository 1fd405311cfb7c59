// A JSON text parsed into a RapidJSON DOM that remembers where each value came from.
#pragma once

#include "masterpro/error.hpp"

#include <rapidjson/document.h>
#include <tl/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace simdjson::dom {
class element;
}

namespace masterpro::detail {

/// A parsed JSON document with the 1-based line/column and the RFC 6901 pointer of every value,
/// so that later stages can report GCC-style diagnostics. Values are identified by address: the
/// object must neither move nor have its document modified (hence `parse_json_source` returns it
/// behind a `unique_ptr`).
struct json_source {
    std::string file;             ///< name used in diagnostics
    std::string text;             ///< the owned text
    rapidjson::Document document; ///< the parsed DOM

    json_source() = default;
    json_source(const json_source&) = delete;
    json_source& operator=(const json_source&) = delete;

    /// Where value `v` (which must belong to `document`) starts, with its JSON pointer.
    source_location locate(const rapidjson::Value& v) const;
    /// The RFC 6901 JSON pointer of `v` ("" for the root).
    std::string pointer_of(const rapidjson::Value& v) const;
    /// Line and column (1-based, columns counting bytes) of a byte offset into `text`; no pointer.
    source_location locate_offset(std::size_t offset) const;

    // Filled by parse_json_source: per value, where it starts and how to reach it from its
    // parent (pointers are built on demand, which keeps large records cheap to load).
    struct node {
        std::size_t offset = 0;
        const rapidjson::Value* parent = nullptr;
        std::uint32_t index = 0; ///< member or element index in the parent
    };
    std::unordered_map<const rapidjson::Value*, node> nodes_;
    std::vector<std::size_t> line_starts_; ///< byte offset of each line's first character
};

/// Whether decoded JSON text holds a UTF-16 surrogate code point (UTF-8 `ED A0`-`ED BF`).
/// RapidJSON 1.1 validates the raw bytes but decodes a lone `\uDC00`-`\uDFFF` escape into one,
/// which is not valid UTF-8, so the parsers refuse such strings.
bool has_surrogate(std::string_view text) noexcept;

/// Whether JSON text has a \uD800-\uDFFF escape, the only way a lone surrogate (checked with
/// has_surrogate after unescaping) can get into it: text without one needs no check.
bool has_surrogate_escape(std::string_view json) noexcept;

/// Parses `json` with this thread's simdjson parser: fast and fully validating, refusing nesting
/// deeper than `max_depth`. `root` stays valid until the thread's next parse_fast. False for
/// anything simdjson refuses (including integers past 64 bits, which RapidJSON reads as
/// doubles): callers then parse with RapidJSON, whose errors say where.
bool parse_fast(std::string_view json, std::size_t max_depth, simdjson::dom::element& root);

/// Whether text is all ASCII (so needs no UTF-8 validation).
bool is_ascii(std::string_view text) noexcept;

/// Appends `token` to a JSON pointer, escaping `~` as `~0` and `/` as `~1` (RFC 6901).
void append_pointer_token(std::string& pointer, std::string_view token);

/// Parses `text` as strict JSON (no comments, no trailing commas, one root value, UTF-8; a
/// leading UTF-8 byte-order mark is skipped). Errors: `json_syntax` with RapidJSON's message and
/// the line/column of the fault; `limit` for nesting deeper than `max_depth`.
tl::expected<std::unique_ptr<json_source>, error> parse_json_source(std::string text,
                                                                    std::string file,
                                                                    std::size_t max_depth = 256);

/// Reads and parses the file at `path` (named `path` in diagnostics). Errors: `io` naming the
/// path when it cannot be read, `json_syntax` as for parse_json_source.
tl::expected<std::unique_ptr<json_source>, error> read_json_file(const std::string& path,
                                                                 std::size_t max_depth = 256);

} // namespace masterpro::detail
