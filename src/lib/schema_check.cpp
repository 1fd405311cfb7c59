// Schema validation with RapidJSON, refined into one located diagnostic per faulty value.
//
// RapidJSON 1.1.0's validator stops at the first violation and, when a `oneOf` fails, names only
// the object that failed it. To report every problem, a failing value is refined structurally:
//  - a wrong type is reported as is;
//  - an object is checked key by key: missing `required` keys and keys that
//    `additionalProperties: false` forbids are reported here, and every other member is validated
//    on its own against its sub-schema (`properties`, `additionalProperties`);
//  - an array is validated element by element against `items`;
//  - a `oneOf` whose alternatives are told apart by their `required` keys (the requirement kinds)
//    is refined against the one alternative whose keys the object has; with none or several, the
//    `oneOf` itself is reported.
// A violation that refining cannot attribute to a child (minItems, uniqueItems, ...) is reported
// on the value itself; at most one such violation per value, since RapidJSON gives only the first.
// A conforming document costs one validation pass; refining happens only on the failure path.
// Sub-schemas are validated through a copy of the whole schema whose root is `{"$ref": ...}`, so
// their `$ref`s still resolve; these copies are cached per sub-schema.
#include "schema_check.hpp"

#include "masterpro/detail/embedded_schemas.hpp"

#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cassert>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

namespace masterpro::detail {
namespace {

using rapidjson::Value;

std::string to_json(const Value& v) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    v.Accept(writer);
    return {buffer.GetString(), buffer.GetSize()};
}

std::string pointer_string(const rapidjson::Pointer& pointer) {
    rapidjson::StringBuffer buffer;
    pointer.Stringify(buffer);
    return {buffer.GetString(), buffer.GetSize()};
}

std::string_view view(const Value& s) { return {s.GetString(), s.GetStringLength()}; }

const Value* member(const Value& object, const char* name) {
    if (!object.IsObject())
        return nullptr;
    auto it = object.FindMember(name);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

const char* type_name(const Value& v) {
    switch (v.GetType()) {
    case rapidjson::kNullType:
        return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
        return "boolean";
    case rapidjson::kObjectType:
        return "object";
    case rapidjson::kArrayType:
        return "array";
    case rapidjson::kStringType:
        return "string";
    case rapidjson::kNumberType:
        return v.IsDouble() ? "number" : "integer";
    }
    return "value";
}

// One schema: its JSON, and schema documents rooted at its sub-schemas, built on demand.
class schema_set {
  public:
    explicit schema_set(std::string_view text) {
        json_.Parse(text.data(), text.size());
        assert(!json_.HasParseError() && "embedded schema is not JSON");
        root_ = std::make_unique<rapidjson::SchemaDocument>(json_);
    }

    const Value& json() const { return json_; }

    // The schema value at `pointer`, following `$ref`s; its pointer is updated to the target.
    const Value& resolve(std::string& pointer) const {
        const Value* v = rapidjson::Pointer(pointer.c_str()).Get(json_);
        assert(v && "schema pointer does not resolve");
        for (int hops = 0; hops < 16; ++hops) {
            const Value* ref = member(*v, "$ref");
            if (!ref || !ref->IsString())
                break;
            rapidjson::Pointer target(ref->GetString(), ref->GetStringLength());
            const Value* next = target.IsValid() ? target.Get(json_) : nullptr;
            if (!next)
                break;
            pointer = pointer_string(target);
            v = next;
        }
        return *v;
    }

    // A schema document validating against the sub-schema at `pointer` ("" is the whole schema).
    const rapidjson::SchemaDocument& at(const std::string& pointer) const {
        if (pointer.empty())
            return *root_;
        std::lock_guard<std::mutex> lock(mutex_);
        auto& slot = rooted_[pointer];
        if (!slot) {
            slot = std::make_unique<rooted>();
            auto& allocator = slot->json.GetAllocator();
            slot->json.CopyFrom(json_, allocator);
            rapidjson::StringBuffer fragment;
            rapidjson::Pointer(pointer.c_str()).StringifyUriFragment(fragment);
            // Draft-04 ignores a $ref's siblings: the root becomes the sub-schema, and the
            // definitions it refers to are still in the copy.
            slot->json.RemoveMember("$ref");
            slot->json.AddMember("$ref", Value(fragment.GetString(), allocator).Move(), allocator);
            slot->schema = std::make_unique<rapidjson::SchemaDocument>(slot->json);
        }
        return *slot->schema;
    }

  private:
    struct rooted {
        rapidjson::Document json;
        std::unique_ptr<rapidjson::SchemaDocument> schema;
    };
    rapidjson::Document json_;
    std::unique_ptr<rapidjson::SchemaDocument> root_;
    mutable std::mutex mutex_;
    mutable std::map<std::string, std::unique_ptr<rooted>> rooted_;
};

const schema_set& schemas(schema_kind kind) {
    static const schema_set qualification(qualification_schema);
    static const schema_set candidate(candidate_schema);
    return kind == schema_kind::qualification ? qualification : candidate;
}

// The first violation RapidJSON finds.
struct violation {
    const Value* instance;      // the offending value
    std::string schema_pointer; // the sub-schema whose keyword failed
    std::string keyword;
};

class refiner {
  public:
    refiner(const json_source& source, const schema_set& schemas, diagnostics& out)
        : source_(source), schemas_(schemas), out_(out) {}

    void check(const Value& v, std::string schema_pointer) {
        const Value& schema = schemas_.resolve(schema_pointer);
        std::optional<violation> fault = validate(v, schema_pointer);
        if (!fault)
            return;
        const std::size_t reported = out_.size();
        const bool here = fault->instance == &v;

        if (here && fault->keyword == "type") {
            report(*fault);
            return;
        }
        if (v.IsObject() && member(schema, "oneOf")) {
            if (!refine_one_of(v, schema, schema_pointer, *fault) || out_.size() == reported)
                report(*fault);
            return;
        }
        bool keyword_refined = false;
        if (v.IsObject()) {
            check_members(v, schema, schema_pointer);
            keyword_refined =
                fault->keyword == "required" ||
                (fault->keyword == "additionalProperties" && !member(schema, "patternProperties"));
        } else if (v.IsArray()) {
            if (const Value* items = member(schema, "items"); items && items->IsObject()) {
                for (const auto& element : v.GetArray())
                    check(element, schema_pointer + "/items");
                keyword_refined = fault->keyword == "items";
            }
        }
        if ((here && !keyword_refined) || out_.size() == reported)
            report(*fault);
    }

  private:
    std::optional<violation> validate(const Value& v, const std::string& schema_pointer) const {
        rapidjson::SchemaValidator validator(schemas_.at(schema_pointer));
        v.Accept(validator);
        if (validator.IsValid())
            return std::nullopt;
        const Value* instance = validator.GetInvalidDocumentPointer().Get(v);
        return violation{instance ? instance : &v,
                         pointer_string(validator.GetInvalidSchemaPointer()),
                         validator.GetInvalidSchemaKeyword()};
    }

    // Members are checked one by one, so that one bad member does not hide the others.
    void check_members(const Value& v, const Value& schema, const std::string& schema_pointer) {
        const Value* properties = member(schema, "properties");
        const Value* patterns = member(schema, "patternProperties");
        const Value* additional = member(schema, "additionalProperties");
        if (const Value* required = member(schema, "required"); required && required->IsArray()) {
            for (const auto& key : required->GetArray())
                if (key.IsString() && !v.HasMember(key))
                    add(v, "missing required key '" + std::string(view(key)) + "'", "required",
                        schema_pointer);
        }
        for (const auto& m : v.GetObject()) {
            const std::string key(view(m.name));
            std::string sub = schema_pointer;
            if (properties && properties->IsObject() && properties->HasMember(m.name)) {
                append_pointer_token(sub, "properties");
                append_pointer_token(sub, key);
                check(m.value, sub);
                continue;
            }
            // Keys that patternProperties may govern are left to the whole-object violation
            // (the masterpro schemas use none: RapidJSON 1.1.0 mishandles them).
            if (patterns || !additional)
                continue;
            if (additional->IsFalse())
                add(m.value, "unknown key '" + key + "'" + allowed_keys(properties),
                    "additionalProperties", schema_pointer);
            else if (additional->IsObject())
                check(m.value, schema_pointer + "/additionalProperties");
        }
    }

    // Alternatives told apart by their required keys: refine against the one the object picks.
    bool refine_one_of(const Value& v, const Value& schema, const std::string& schema_pointer,
                       const violation& fault) {
        const Value& alternatives = schema["oneOf"];
        if (!alternatives.IsArray())
            return false;
        std::vector<std::string> kinds;
        std::vector<std::string> picked;
        std::vector<std::string> picked_kinds;
        for (rapidjson::SizeType i = 0; i < alternatives.Size(); ++i) {
            std::string sub = schema_pointer + "/oneOf/" + std::to_string(i);
            const Value& alternative = schemas_.resolve(sub);
            const Value* required = member(alternative, "required");
            if (!required || !required->IsArray() || required->Empty())
                return false;
            std::string kind;
            bool present = true;
            for (const auto& key : required->GetArray()) {
                if (!key.IsString())
                    return false;
                kind += (kind.empty() ? "" : "+") + std::string(view(key));
                present = present && v.HasMember(key);
            }
            kinds.push_back(kind);
            if (present) {
                picked.push_back(sub);
                picked_kinds.push_back(kind);
            }
        }
        if (picked.size() == 1) {
            check(v, picked.front());
            return true;
        }
        std::string message = picked.empty() ? "has none of the keys that select an alternative ("
                                             : "has keys of several alternatives (";
        const auto& listed = picked.empty() ? kinds : picked_kinds;
        for (std::size_t i = 0; i < listed.size(); ++i)
            message += (i ? ", " : "") + listed[i];
        message += "); exactly one is required";
        add(v, message, "oneOf", fault.schema_pointer);
        return true;
    }

    static std::string allowed_keys(const Value* properties) {
        if (!properties || !properties->IsObject() || properties->ObjectEmpty())
            return " (no keys are allowed here)";
        std::string list = " (allowed: ";
        bool first = true;
        for (const auto& p : properties->GetObject()) {
            list += (first ? "" : ", ") + std::string(view(p.name));
            first = false;
        }
        return list + ")";
    }

    void report(const violation& fault) {
        add(*fault.instance, describe(fault), fault.keyword, fault.schema_pointer);
    }

    // What the failed keyword asked for, in words.
    std::string describe(const violation& fault) const {
        const Value* schema = rapidjson::Pointer(fault.schema_pointer.c_str()).Get(schemas_.json());
        const std::string& k = fault.keyword;
        const Value* arg = schema ? member(*schema, k.c_str()) : nullptr;
        const std::string value = arg ? to_json(*arg) : std::string("?");
        if (k == "type") {
            std::string expected = value;
            if (arg && arg->IsString())
                expected = std::string(view(*arg));
            if (arg && arg->IsArray()) {
                expected.clear();
                for (const auto& t : arg->GetArray())
                    if (t.IsString())
                        expected += (expected.empty() ? "" : " or ") + std::string(view(t));
            }
            return "expected " + expected + ", found " + type_name(*fault.instance);
        }
        if (k == "enum")
            return "expected one of " + value + ", found " + to_json(*fault.instance);
        if (k == "pattern")
            return "does not match the pattern " + value;
        if (k == "minLength")
            return value == "1" ? "must not be empty"
                                : "must have at least " + value + " characters";
        if (k == "maxLength")
            return "must have at most " + value + " characters";
        if (k == "minimum" || k == "maximum") {
            const Value* exclusive =
                schema ? member(*schema, k == "minimum" ? "exclusiveMinimum" : "exclusiveMaximum")
                       : nullptr;
            const bool strict = exclusive && exclusive->IsTrue();
            const char* bound = k == "minimum" ? (strict ? "greater than " : "at least ")
                                               : (strict ? "less than " : "at most ");
            return "must be " + std::string(bound) + value + ", found " + to_json(*fault.instance);
        }
        if (k == "multipleOf")
            return "must be a multiple of " + value;
        if (k == "minItems")
            return "needs at least " + value + " item" + (value == "1" ? "" : "s");
        if (k == "maxItems")
            return "allows at most " + value + " item" + (value == "1" ? "" : "s");
        if (k == "uniqueItems")
            return "items must be unique";
        if (k == "minProperties")
            return "needs at least " + value + " key" + (value == "1" ? "" : "s");
        if (k == "maxProperties")
            return "allows at most " + value + " key" + (value == "1" ? "" : "s");
        if (k == "required")
            return "missing a required key of " + value;
        if (k == "additionalProperties")
            return "has a key that is not allowed";
        if (k == "oneOf")
            return "matches none or several of the alternatives";
        return "is not valid";
    }

    void add(const Value& at, std::string message, const std::string& keyword,
             const std::string& schema_pointer) {
        message += " (schema keyword '" + keyword + "' at #" + schema_pointer + ")";
        out_.push_back(error{error_category::schema, std::move(message), source_.locate(at)});
    }

    const json_source& source_;
    const schema_set& schemas_;
    diagnostics& out_;
};

} // namespace

std::string_view schema_text(schema_kind kind) noexcept {
    return kind == schema_kind::qualification ? qualification_schema : candidate_schema;
}

diagnostics validate_with_schema(const json_source& source, schema_kind kind) {
    diagnostics out;
    refiner(source, schemas(kind), out).check(source.document, "");
    std::stable_sort(out.begin(), out.end(), [](const error& a, const error& b) {
        return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
    });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const error& a, const error& b) {
                              return a.where.pointer == b.where.pointer && a.message == b.message;
                          }),
              out.end());
    return out;
}

} // namespace masterpro::detail
