// A dict's members read straight from its table where CPython's own headers say how (the walk
// PyDict_Next makes, without a call per member).
#pragma once

#include <Python.h>

namespace masterpro::python {

/// A member of a dict's table: a removed member has no value.
struct str_entry {
    PyObject* key;
    PyObject* value;
};

/// For an exact dict whose members all have exact str keys, in one table (as json.loads makes
/// them): its table's entries, in PyDict_Next's order, and their number (removed ones
/// included). False otherwise, or where this build of the module cannot see the table (then
/// walk the dict with PyDict_Next).
bool str_entries(PyObject* dict, const str_entry*& entries, Py_ssize_t& count) noexcept;

} // namespace masterpro::python
