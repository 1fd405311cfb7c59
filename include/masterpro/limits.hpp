// Bounds on hostile input: how deep, how long and how large an input may be before it is refused.
#pragma once

#include <cstddef>

namespace masterpro {

/// Size bounds that keep a malicious or broken input from exhausting the stack, memory or time.
/// Input beyond a bound is refused with an error of category `limit` that names the bound and,
/// for candidate records, the JSON path of the offending value. The defaults are far above
/// anything a real rule file or record needs.
struct limits {
    /// Nesting of arrays and objects in a rule file.
    std::size_t max_json_depth = 256;
    /// Items in any one list of a candidate record: `experience`, `evidence`, `assessors`,
    /// `assessments`, `credentials`, an item's `covers`, an assessor's `relations`.
    std::size_t max_items = 10'000;
    /// Bytes in any one string a candidate record is read for: ids, `employer`, types, kinds.
    std::size_t max_string_bytes = 4'096;
};

} // namespace masterpro
