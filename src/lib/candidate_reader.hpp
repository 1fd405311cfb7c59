// Entry points of the candidate boundary (candidate_reader.cpp, candidate_reader_on_demand.cpp).
#pragma once

#include "program.hpp"

#include "masterpro/error.hpp"
#include "masterpro/model/candidate.hpp"

#include <rapidjson/document.h>
#include <tl/expected.hpp>

#include <optional>
#include <string_view>

namespace simdjson::dom {
class element;
}

namespace masterpro::detail {

/// Builds a candidate from one JSON record. `as_of` is the caller's decision date; the record's
/// own `as_of` wins. Errors: `candidate_data` naming the JSON pointer and path of the first
/// fault (wrong type, bad date, `to` before `from`, fte outside (0, 1], unknown id, score off
/// the rubric, duplicate assessor, assessment by an unknown assessor, missing id or date).
tl::expected<candidate, error> read_candidate(const program& rules, const rapidjson::Value& record,
                                              std::optional<date> as_of);
/// The same from a simdjson document (read_candidate_into's tree route).
tl::expected<candidate, error> read_candidate(const program& rules, const simdjson::dom::element& record,
                                              std::optional<date> as_of);

/// Readable bytes after a record's text that let read_candidate_into read it in place.
constexpr std::size_t in_place_padding = 64;

/// The ways a record's text can be read (read_candidate_into). All give the same candidate or
/// the same error; they differ in speed and in what they take.
enum class reader_route {
    /// simdjson On-Demand when the record is one it reads exactly as the tree reader would,
    /// else `tree`.
    fastest,
    /// simdjson's tree when simdjson parses the text and it has no \uD800-\uDFFF escape, else
    /// `reporting`.
    tree,
    /// RapidJSON's tree (its errors say where a JSON fault is; it checks lone surrogates).
    reporting,
};

/// Reads one JSON record (text of one candidate, as for rule_set::read_candidate) into `out`,
/// reusing its lists' storage (and their items' inner lists and strings): a thread that reads
/// record after record into one candidate allocates only when a record outgrows those before.
/// `as_of` is the caller's decision date; the record's own `as_of` wins. Errors are those of
/// rule_set::read_candidate: `json_syntax` (with the byte offset), `limit` (nesting past
/// max_json_depth, a list past max_items, a string past max_string_bytes) and
/// `candidate_data`, each naming the JSON pointer and path of the first fault. On error `out`
/// holds a valid candidate of unspecified content. Every route gives the same outcome;
/// `route` is for tests that check that.
/// `readable_after`: how many bytes after `json` may be read (not written), e.g. a string's
/// spare capacity; with in_place_padding or more, the fast route reads the text where it is
/// instead of copying it.
tl::expected<void, error> read_candidate_into(const program& rules, std::string_view json, std::optional<date> as_of,
                                              candidate& out, reader_route route = reader_route::fastest,
                                              std::size_t readable_after = 0);

/// The On-Demand route alone: true when it read the record into `out`; false when it leaves the
/// record to the tree reader (any fault, repeated keys, escapes of surrogates, integers past 64
/// bits, an assessment listed before its assessor, more than 32 assessors, ...), `out` then
/// holding a valid candidate of unspecified content.
bool read_candidate_on_demand(const program& rules, std::string_view json, std::optional<date> as_of, candidate& out,
                              std::size_t readable_after = 0);

/// Fills rules.vocabulary from rules.descriptor, once the descriptor is final: the index
/// refers to the descriptor's strings.
void index_vocabulary(program& rules);

} // namespace masterpro::detail
