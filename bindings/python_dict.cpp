// python_dict.hpp: the one place that reads CPython's dict tables, through CPython's internal
// header for the version the module is built for (which is why it is alone in its file).
#include <patchlevel.h> // PY_VERSION_HEX, before Python.h: what this file needs of it depends

// Dict tables as 3.11 and 3.12 lay them out; other versions walk with PyDict_Next.
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030D0000 && defined(__has_include)
#if __has_include(<internal/pycore_dict.h>)
#define MASTERPRO_DICT_TABLES 1
#define Py_BUILD_CORE 1 // CPython's internal headers are for the core (and for this file)
#endif
#endif

#include <Python.h>
#if defined(MASTERPRO_DICT_TABLES)
#include <internal/pycore_dict.h>
#endif

#include "python_dict.hpp"

#include <cstddef>

namespace masterpro::python {

#if defined(MASTERPRO_DICT_TABLES)
static_assert(sizeof(str_entry) == sizeof(PyDictUnicodeEntry));
static_assert(offsetof(str_entry, key) == offsetof(PyDictUnicodeEntry, me_key));
static_assert(offsetof(str_entry, value) == offsetof(PyDictUnicodeEntry, me_value));

bool str_entries(PyObject* dict, const str_entry*& entries, Py_ssize_t& count) noexcept {
    if (Py_TYPE(dict) != &PyDict_Type) return false;
    auto* d = reinterpret_cast<PyDictObject*>(dict);
    // A split table (an instance's __dict__) keeps its values apart; a general one has other keys.
    if (d->ma_values != nullptr || !DK_IS_UNICODE(d->ma_keys)) return false;
    entries = reinterpret_cast<const str_entry*>(DK_UNICODE_ENTRIES(d->ma_keys));
    count = d->ma_keys->dk_nentries;
    return true;
}
#else
bool str_entries(PyObject*, const str_entry*&, Py_ssize_t&) noexcept { return false; }
#endif

} // namespace masterpro::python
