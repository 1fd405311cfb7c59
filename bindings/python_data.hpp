// JsonLogic on Python data without JSON text in between: the fields a rule reads are looked up
// in the Python dicts and lists directly (laid out as the rule's data_layout says), and the
// result is built as Python objects.
#pragma once

#include "masterpro/jsonlogic.hpp"

#include <pybind11/pybind11.h>

#include <memory>
#include <optional>

namespace masterpro::python {

/// The rule's member names as Python strings, made once per rule, for dict lookups.
class data_keys;
std::shared_ptr<const data_keys> make_data_keys(const jsonlogic_rule& rule);

/// Applies `rule` to Python data. Nothing when the data needs the JSON route: values JSON
/// cannot hold as they are (other types, keys that are not str, NaN), a bound crossed, or an
/// evaluation stopped at its step bound; that route then gives the result or the error.
std::optional<pybind11::object> apply_python_data(const jsonlogic_rule& rule, const data_keys& keys,
                                                  pybind11::handle data);

} // namespace masterpro::python
