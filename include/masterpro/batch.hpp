// Batches: decide a stream of JSON-lines candidate records on several threads, in input order,
// with memory bounded by the chunk size whatever the input size.
#pragma once

#include "masterpro/io/decision_json.hpp"
#include "masterpro/model/date.hpp"
#include "masterpro/rule_set.hpp"

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>

namespace masterpro {

/// How a batch is decided and written.
struct batch_options {
    unsigned threads = 1;             ///< worker threads (0: one per core)
    /// Lines one thread reads, decides and writes together: few enough that their output (with
    /// reasons, about 9 KB a Master Welder record) stays in a core's cache until it is written.
    std::size_t chunk_lines = 64;
    std::optional<date> as_of;        ///< decision date for records without one
    decision_json_options json;       ///< what each decision line holds
    bool text = false;                ///< write explanations for people instead of JSON lines
    /// Called after each chunk is written with the number of records so far (e.g. for a
    /// progress line), by the batch thread that wrote it: never by two threads at once.
    std::function<void(std::size_t)> progress;
};

/// What a batch decided.
struct batch_summary {
    std::size_t records = 0;
    std::size_t errors = 0;
    std::map<std::string, std::size_t> outcomes; ///< outcome → count
};

/// Reads JSON lines from `in` and writes exactly one line per input line to `out`, in input
/// order: a decision, or `{"line": N, "id": ..., "error": {...}}` for a line that is blank, not
/// JSON, or breaks the candidate contract. Output is flushed after each chunk. The output is
/// byte-identical whatever the thread count.
batch_summary evaluate_lines(const rule_set& rules, std::istream& in, std::ostream& out,
                             const batch_options& options = {});

/// The `"id"` string of a record's text, when it shows one a record could hold (valid UTF-8,
/// no NUL, within limits::max_string_bytes); used to name records that could not be decided.
std::optional<std::string> record_id(std::string_view line);

/// record_id as JSON text: a JSON string, or `null`.
std::string record_id_json(std::string_view line);

} // namespace masterpro
