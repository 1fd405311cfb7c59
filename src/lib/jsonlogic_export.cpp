// Converts compiled infix expressions to JsonLogic where JsonLogic can say the same thing, so a
// rule can be previewed with the JsonLogic tools of other ecosystems; says why where it cannot.
#include "jsonlogic_export.hpp"

#include <rapidjson/stringbuffer.h>
#include <cmath>
#include <vector>
#include <rapidjson/writer.h>

namespace masterpro::detail {
namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct not_expressible {
    std::string why;
};

class exporter {
  public:
    exporter(const expr_pool& pool, const qualification& q) : pool_(pool), q_(q) {}

    void write(std::int32_t index, writer& w, int quantifiers = 0) {
        // Each operation nests an object and an array: keep the JSON readable by JSON parsers
        // that bound nesting (masterpro's own at 256).
        struct level {
            explicit level(int& depth) : depth_(depth) {
                if (++depth_ > max_preview_depth) throw not_expressible{"the JsonLogic form would nest deeper than JSON readers accept"};
            }
            ~level() { --depth_; }
            level(const level&) = delete;
            level& operator=(const level&) = delete;
            int& depth_;
        } guard(depth_);
        const expr_node& n = pool_.nodes[static_cast<std::size_t>(index)];
        switch (n.code) {
        case op::constant: return constant(n, w);
        case op::as_of: return var(w, "as_of", quantifiers);
        case op::candidate_id: return var(w, "candidate.id", quantifiers);
        case op::candidate_employer: return var(w, "candidate.employer", quantifiers);
        case op::level_current: return var(w, "level", quantifiers);
        case op::level_param: return var(w, "level." + pool_.level_param_names[static_cast<std::size_t>(n.index)], quantifiers);
        case op::competence_current: return var(w, "competence.id", quantifiers);
        case op::competence_tags: return var(w, "competence.tags", quantifiers);
        case op::competence_credits: return var(w, "competence.credits", quantifiers);
        case op::evidence_id: case op::assessor_id: return var(w, "id", quantifiers);
        case op::evidence_type_of: return var(w, "type", quantifiers);
        case op::evidence_date: return var(w, "date", quantifiers);
        case op::evidence_covers: return var(w, "covers", quantifiers);
        case op::evidence_direct: return var(w, "direct", quantifiers);
        case op::evidence_authentic: return var(w, "authentic", quantifiers);
        case op::evidence_flag: return var(w, q_.evidence_flags[static_cast<std::size_t>(n.index)], quantifiers);
        case op::assessor_employer: return var(w, "employer", quantifiers);
        case op::assessor_industry: return var(w, "industry", quantifiers);
        case op::assessor_held_level: return var(w, "held_level", quantifiers);
        case op::assessor_sector_years: return var(w, "sector_years", quantifiers);
        case op::assessor_trained: return var(w, "trained", quantifiers);
        case op::assessor_relations: return var(w, "relations", quantifiers);
        case op::relation_kind: return element_var(w, "kind", n, quantifiers);
        case op::relation_until: return element_var(w, "until", n, quantifiers);
        case op::element: return element_var(w, "", n, quantifiers);
        case op::negate: {
            // -(-x) is x: folding keeps long runs of '-' from nesting JsonLogic deeply.
            const expr_node& inner = pool_.nodes[static_cast<std::size_t>(n.a)];
            if (inner.code == op::negate) return write(inner.a, w, quantifiers);
            return call(w, "-", {n.a}, quantifiers);
        }
        case op::logical_not: return call(w, "!", {n.a}, quantifiers);
        case op::logical_and: return chain(w, "and", index, quantifiers);
        case op::logical_or: return chain(w, "or", index, quantifiers);
        case op::choose: return call(w, "if", {n.a, n.b, n.c}, quantifiers);
        case op::equal: return call(w, "===", {n.a, n.b}, quantifiers);
        case op::not_equal: return call(w, "!==", {n.a, n.b}, quantifiers);
        case op::less: case op::less_equal: case op::greater: case op::greater_equal: {
            if (type_of(n.a) == value_type::level)
                throw not_expressible{"levels compare by their order; JsonLogic would compare their ids as text"};
            const char* name = n.code == op::less ? "<" : n.code == op::less_equal ? "<=" : n.code == op::greater ? ">" : ">=";
            return call(w, name, {n.a, n.b}, quantifiers);
        }
        case op::member_of: return call(w, "in", {n.a, n.b}, quantifiers);
        case op::add: case op::subtract: case op::multiply: case op::divide: {
            if (type_of(n.a) != value_type::number || type_of(n.b) != value_type::number)
                throw not_expressible{"JsonLogic has no date arithmetic"};
            if (n.code == op::add) return chain(w, "+", index, quantifiers);
            if (n.code == op::multiply) return chain(w, "*", index, quantifiers);
            return call(w, n.code == op::subtract ? "-" : "/", {n.a, n.b}, quantifiers);
        }
        case op::years: case op::months: case op::days: throw not_expressible{"JsonLogic has no durations"};
        case op::years_between: case op::within: throw not_expressible{"JsonLogic has no date arithmetic"};
        case op::minimum: case op::maximum:
            if (type_of(n.a) != value_type::number) throw not_expressible{"JsonLogic's min and max take numbers only"};
            return call(w, n.code == op::minimum ? "min" : "max", {n.a, n.b}, quantifiers);
        case op::absolute: {
            w.StartObject();
            w.Key("if");
            w.StartArray();
            w.StartObject();
            w.Key("<");
            w.StartArray();
            write(n.a, w, quantifiers);
            w.Int(0);
            w.EndArray();
            w.EndObject();
            call(w, "-", {n.a}, quantifiers);
            write(n.a, w, quantifiers);
            w.EndArray();
            w.EndObject();
            return;
        }
        case op::any_of: case op::none_of: return quantifier(w, n.code == op::any_of ? "some" : "none", n, false, quantifiers);
        // JsonLogic's `all` is false on an empty list; `none` of the negation is true, as here.
        case op::all_of: return quantifier(w, "none", n, true, quantifiers);
        case op::table_call: throw not_expressible{"standard JsonLogic has no decision tables (masterpro adds {\"table\": [id, ...]})"};
        case op::count_of: throw not_expressible{"JsonLogic cannot count matches without reduce over the outer data"};
        default: throw not_expressible{"already JsonLogic"};
        }
    }

  private:
    value_type type_of(std::int32_t index) const { return pool_.nodes[static_cast<std::size_t>(index)].type.base; }

    void var(writer& w, const std::string& name, int quantifiers) {
        // Inside some / all / none JsonLogic's data is the element: outer names are out of reach.
        if (quantifiers > 0) throw not_expressible{"'" + name + "' is read inside a quantifier, where JsonLogic sees only the element"};
        w.StartObject();
        w.Key("var");
        w.String(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
        w.EndObject();
    }

    void element_var(writer& w, const std::string& field, const expr_node& n, int quantifiers) {
        if (n.index != quantifiers - 1) throw not_expressible{"an outer quantifier's element is out of reach in JsonLogic"};
        w.StartObject();
        w.Key("var");
        w.String(field.c_str(), static_cast<rapidjson::SizeType>(field.size()));
        w.EndObject();
    }

    void constant(const expr_node& n, writer& w) {
        const value& v = n.constant;
        switch (v.type) {
        case value_type::null_t: w.Null(); return;
        case value_type::boolean: w.Bool(v.boolean); return;
        case value_type::number:
            if (std::fabs(v.number) < 9e15 && v.number == std::floor(v.number)) w.Int64(static_cast<long long>(v.number));
            else if (std::isfinite(v.number)) w.Double(v.number);
            else throw not_expressible{"JSON has no infinite numbers"};
            return;
        case value_type::string: w.String(v.chars, v.size); return;
        case value_type::level: w.String(q_.levels[static_cast<std::size_t>(v.integer)].id.c_str()); return;
        case value_type::competence: w.String(q_.competences[static_cast<std::size_t>(v.integer)].id.c_str()); return;
        case value_type::criterion: w.String(q_.criteria[static_cast<std::size_t>(v.integer)].id.c_str()); return;
        case value_type::evidence_type: w.String(q_.evidence_types[static_cast<std::size_t>(v.integer)].id.c_str()); return;
        case value_type::role: w.String(q_.experience_roles[static_cast<std::size_t>(v.integer)].c_str()); return;
        case value_type::tag: w.String(q_.tags[static_cast<std::size_t>(v.integer)].c_str()); return;
        case value_type::credential_type: w.String(q_.credential_types[static_cast<std::size_t>(v.integer)].c_str()); return;
        default: throw not_expressible{std::string("JsonLogic has no ") + to_string(v.type) + " values"};
        }
    }

    /// An n-ary JsonLogic operation for a run of the same associative operator (a + b + c is
    /// {"+": [a, b, c]}), so that long chains stay flat.
    void chain(writer& w, const char* name, std::int32_t index, int quantifiers) {
        const op code = pool_.nodes[static_cast<std::size_t>(index)].code;
        std::vector<std::int32_t> operands, pending{index};
        while (!pending.empty()) {
            const std::int32_t at = pending.back();
            pending.pop_back();
            const expr_node& n = pool_.nodes[static_cast<std::size_t>(at)];
            if (n.code == code && (code != op::add || type_of(n.a) == value_type::number)) {
                pending.push_back(n.b); // right first off the stack: operands come out in order
                pending.push_back(n.a);
            } else {
                operands.push_back(at);
            }
        }
        w.StartObject();
        w.Key(name);
        w.StartArray();
        for (std::int32_t a : operands) write(a, w, quantifiers);
        w.EndArray();
        w.EndObject();
    }

    void call(writer& w, const char* name, std::initializer_list<std::int32_t> args, int quantifiers) {
        w.StartObject();
        w.Key(name);
        w.StartArray();
        for (std::int32_t a : args) write(a, w, quantifiers);
        w.EndArray();
        w.EndObject();
    }

    void quantifier(writer& w, const char* name, const expr_node& n, bool negate, int quantifiers) {
        w.StartObject();
        w.Key(name);
        w.StartArray();
        write(n.a, w, quantifiers);
        if (negate) {
            w.StartObject();
            w.Key("!");
            w.StartArray();
        }
        write(n.b, w, quantifiers + 1);
        if (negate) {
            w.EndArray();
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
    }

    static constexpr int max_preview_depth = 120; // two JSON levels each: under 256
    const expr_pool& pool_;
    const qualification& q_;
    int depth_ = 0;
};

} // namespace

tl::expected<std::string, std::string> to_jsonlogic(const expr_pool& pool, std::int32_t node, const qualification& q) {
    try {
        rapidjson::StringBuffer buffer;
        writer w(buffer);
        exporter(pool, q).write(node, w);
        return std::string(buffer.GetString(), buffer.GetSize());
    } catch (const not_expressible& e) {
        return tl::make_unexpected(e.why);
    }
}

} // namespace masterpro::detail
