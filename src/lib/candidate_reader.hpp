// Entry point of the candidate boundary (candidate_reader.cpp).
#pragma once

#include "program.hpp"

#include "masterpro/error.hpp"
#include "masterpro/model/candidate.hpp"

#include <rapidjson/document.h>
#include <tl/expected.hpp>

#include <optional>

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
/// The same from a simdjson document (the fast path: rule_set::read_candidate).
tl::expected<candidate, error> read_candidate(const program& rules, const simdjson::dom::element& record,
                                              std::optional<date> as_of);

/// Fills rules.vocabulary from rules.descriptor, once the descriptor is final: the index
/// refers to the descriptor's strings.
void index_vocabulary(program& rules);

} // namespace masterpro::detail
