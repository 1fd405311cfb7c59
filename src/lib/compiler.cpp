// The rule compiler: turns a parsed rule file into a program, collecting every problem with
// its file, line, column and JSON pointer instead of stopping at the first.
#include "compiler.hpp"

#include "decision_table.hpp"
#include "evaluate.hpp"
#include "jsonlogic_compiler.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace masterpro::detail {

const char* to_string(requirement_kind k) noexcept {
    switch (k) {
    case requirement_kind::all_of: return "all_of";
    case requirement_kind::at_least: return "at_least";
    case requirement_kind::sequence: return "sequence";
    case requirement_kind::when: return "when";
    case requirement_kind::min_total: return "min_total";
    case requirement_kind::competence: return "competence";
    case requirement_kind::experience: return "experience";
    case requirement_kind::credential: return "credential";
    case requirement_kind::expr: return "expr";
    case requirement_kind::evidence: return "evidence";
    case requirement_kind::panel: return "panel";
    case requirement_kind::agreement: return "agreement";
    case requirement_kind::scores: return "scores";
    }
    return "?";
}

namespace {

using json = rapidjson::Value;

/// Where a requirement tree sits: which names its expressions see.
struct tree_context {
    bool competence_scope = false;
    std::set<std::string>* ids = nullptr; ///< requirement ids already used in this tree
};

class rule_compiler {
  public:
    rule_compiler(const json_source& src, program& out, diagnostics& problems)
        : src_(src), p_(out), q_(out.descriptor), problems_(problems) {}

    void run() {
        const json& root = src_.document;
        p_.source = src_.file;
        if (!root.IsObject()) return problem(root, "a rule file must be a JSON object");
        static const char* const known[] = {
            "$schema", "format", "id", "title", "sector", "version", "rubric", "levels",
            "competences", "experience_roles", "evidence_flags", "evidence_types",
            "credential_types", "tables", "assessment", "competence_standard", "award"};
        unknown_keys(root, known, std::size(known));
        if (const json* f = member(root, "format", true)) {
            if (!f->IsString() || std::string(f->GetString()) != "masterpro.qualification/1")
                problem(*f, "format must be \"masterpro.qualification/1\"");
        }
        q_.id = text(root, "id", true);
        q_.title = text(root, "title", true);
        q_.sector = text(root, "sector", false);
        q_.version = text(root, "version", true);
        rubric(root);
        levels(root);
        competences(root);
        id_list(root, "experience_roles", q_.experience_roles, true);
        id_list(root, "evidence_flags", q_.evidence_flags, false);
        if (q_.evidence_flags.size() > 32) problem(*member(root, "evidence_flags", false), "at most 32 evidence flags are supported");
        id_list(root, "credential_types", q_.credential_types, false);
        tables(root); // before every expression, which may call them
        evidence_types(root);
        assessment(root);
        award(root);
        // Requirements last: they refer to everything above.
        {
            std::set<std::string> ids;
            tree_context ctx{true, &ids};
            if (const json* standard = member(root, "competence_standard", true))
                p_.competence_standard = requirement_node(*standard, ctx);
        }
        if (const json* ls = member(root, "levels", true); ls && ls->IsArray()) {
            for (const auto& l : ls->GetArray()) {
                std::set<std::string> ids;
                tree_context ctx{false, &ids};
                const json* requires_ = l.IsObject() ? member(l, "requires", true) : nullptr;
                p_.level_requires.push_back(requires_ ? requirement_node(*requires_, ctx) : placeholder());
            }
        }
    }

  private:
    // ---- diagnostics ----
    void problem(const json& at, std::string message) {
        error e;
        e.category = error_category::semantic;
        e.message = std::move(message);
        e.where = src_.locate(at);
        problems_.push_back(std::move(e));
    }
    void expression_problems(const json& at, const std::vector<expr_diagnostic>& found) {
        for (const auto& d : found) {
            error e;
            e.category = error_category::semantic;
            e.message = d.message;
            e.where = src_.locate(at);
            // The expression starts after the opening quote; escapes before the fault would
            // shift the column, which rule expressions rarely contain.
            if (e.where.column != 0) e.where.column += 1 + d.offset;
            problems_.push_back(std::move(e));
        }
    }

    // ---- JSON helpers ----
    const json* member(const json& object, const char* key, bool required) {
        auto it = object.FindMember(key);
        if (it == object.MemberEnd()) {
            if (required) problem(object, std::string("missing required key '") + key + "'");
            return nullptr;
        }
        return &it->value;
    }
    void unknown_keys(const json& object, const char* const* known, std::size_t count) {
        for (const auto& m : object.GetObject()) {
            const std::string key = m.name.GetString();
            if (std::find_if(known, known + count, [&](const char* k) { return key == k; }) == known + count)
                problem(m.value, "unknown key '" + key + "'");
        }
    }
    std::string text(const json& object, const char* key, bool required) {
        const json* v = member(object, key, required);
        if (!v) return {};
        if (!v->IsString()) {
            problem(*v, std::string("'") + key + "' must be a string");
            return {};
        }
        return v->GetString();
    }
    std::optional<double> number_value(const json& object, const char* key, bool required) {
        const json* v = member(object, key, required);
        if (!v) return std::nullopt;
        if (!v->IsNumber()) {
            problem(*v, std::string("'") + key + "' must be a number");
            return std::nullopt;
        }
        return v->GetDouble();
    }
    const json* array(const json& object, const char* key, bool required) {
        const json* v = member(object, key, required);
        if (v && !v->IsArray()) {
            problem(*v, std::string("'") + key + "' must be an array");
            return nullptr;
        }
        return v;
    }
    bool claim_id(std::set<std::string>& seen, const json& at, const std::string& id, const char* what) {
        if (id.empty()) return false;
        if (!seen.insert(id).second) {
            problem(at, std::string("duplicate ") + what + " id '" + id + "'");
            return false;
        }
        return true;
    }
    void id_list(const json& root, const char* key, std::vector<std::string>& out, bool required) {
        const json* list = array(root, key, required);
        if (!list) return;
        std::set<std::string> seen;
        for (const auto& v : list->GetArray()) {
            if (!v.IsString()) {
                problem(v, std::string("entries of '") + key + "' must be strings");
                continue;
            }
            if (claim_id(seen, v, v.GetString(), key)) out.emplace_back(v.GetString());
        }
    }

    // ---- descriptor ----
    void rubric(const json& root) {
        const json* r = member(root, "rubric", true);
        if (!r) return;
        if (!r->IsObject()) return problem(*r, "'rubric' must be an object");
        const auto lo = number_value(*r, "min", true);
        const auto hi = number_value(*r, "max", true);
        // Whole scores of at most a million either way (converted only then: a number past
        // int's range has no int value).
        const auto whole_score = [](double x) { return std::isfinite(x) && x == std::floor(x) && std::fabs(x) <= 1e6; };
        if (lo && whole_score(*lo)) q_.rubric.min = static_cast<int>(*lo);
        if (hi && whole_score(*hi)) q_.rubric.max = static_cast<int>(*hi);
        if ((lo && !whole_score(*lo)) || (hi && !whole_score(*hi)) || (lo && hi && *lo >= *hi))
            problem(*r, "the rubric needs whole numbers (at most a million either way) with min < max");
        if (const json* labels = member(*r, "labels", false); labels && labels->IsObject()) {
            for (const auto& m : labels->GetObject()) {
                char* end = nullptr;
                const long score = std::strtol(m.name.GetString(), &end, 10);
                if (!end || *end != '\0' || score < q_.rubric.min || score > q_.rubric.max)
                    problem(m.value, std::string("label '") + m.name.GetString() + "' is not a score on the rubric");
                else if (m.value.IsString())
                    q_.rubric.labels[static_cast<int>(score)] = m.value.GetString();
            }
        }
    }

    void levels(const json& root) {
        const json* list = array(root, "levels", true);
        if (!list) return;
        if (list->Empty()) problem(*list, "a qualification needs at least one level");
        std::set<std::string> seen;
        for (const auto& l : list->GetArray()) {
            level out;
            if (!l.IsObject()) {
                problem(l, "a level must be an object");
                q_.levels.push_back(out);
                continue;
            }
            out.id = text(l, "id", true);
            claim_id(seen, l, out.id, "level");
            out.title = text(l, "title", false);
            // A framework level is a whole 1-8; anything else becomes 0 (refused below) before
            // it could be converted out of int's range.
            const auto framework_level = [](double v) { return v >= 1 && v <= 8 && v == std::floor(v) ? static_cast<int>(v) : 0; };
            if (auto v = number_value(l, "ltqf", true)) out.ltqf = framework_level(*v);
            if (auto v = number_value(l, "eqf", true)) out.eqf = framework_level(*v);
            if (out.ltqf < 1 || out.ltqf > 8) problem(l, "'ltqf' must be a framework level 1-8");
            if (out.eqf < 1 || out.eqf > 8) problem(l, "'eqf' must be a framework level 1-8");
            if (const json* params = member(l, "params", false); params && params->IsObject()) {
                for (const auto& m : params->GetObject()) {
                    if (!m.value.IsNumber()) problem(m.value, "level parameters must be numbers");
                    else out.params[m.name.GetString()] = m.value.GetDouble();
                }
            }
            q_.levels.push_back(std::move(out));
        }
    }

    void competences(const json& root) {
        const json* list = array(root, "competences", true);
        if (!list) return;
        std::set<std::string> seen, criteria_seen;
        for (const auto& c : list->GetArray()) {
            competence out;
            if (!c.IsObject()) {
                problem(c, "a competence must be an object");
                continue;
            }
            out.id = text(c, "id", true);
            claim_id(seen, c, out.id, "competence");
            out.title = text(c, "title", false);
            if (auto credits = number_value(c, "credits", false)) out.credits = *credits;
            if (const json* tags = array(c, "tags", false)) {
                for (const auto& t : tags->GetArray()) {
                    if (!t.IsString()) {
                        problem(t, "tags must be strings");
                        continue;
                    }
                    auto index = qualification::find(q_.tags, t.GetString());
                    if (!index) {
                        q_.tags.emplace_back(t.GetString());
                        index = static_cast<id_index>(q_.tags.size() - 1);
                    }
                    out.tags.push_back(*index);
                }
            }
            if (const json* esco = array(c, "esco", false)) {
                for (const auto& u : esco->GetArray()) {
                    if (!u.IsString()) problem(u, "ESCO links must be URI strings");
                    else out.esco.emplace_back(u.GetString());
                }
            }
            const auto self = static_cast<id_index>(q_.competences.size());
            if (const json* criteria = array(c, "criteria", true)) {
                if (criteria->Empty()) problem(*criteria, "a competence needs at least one criterion");
                for (const auto& k : criteria->GetArray()) {
                    if (!k.IsObject()) {
                        problem(k, "a criterion must be an object");
                        continue;
                    }
                    criterion ko;
                    ko.id = text(k, "id", true);
                    ko.title = text(k, "title", false);
                    ko.competence = self;
                    if (!claim_id(criteria_seen, k, ko.id, "criterion")) continue;
                    out.criteria.push_back(static_cast<id_index>(q_.criteria.size()));
                    q_.criteria.push_back(std::move(ko));
                }
            }
            q_.competences.push_back(std::move(out));
        }
    }

    void tables(const json& root) {
        const json* list = array(root, "tables", false);
        if (!list) return;
        std::set<std::string> seen;
        for (const auto& t : list->GetArray()) {
            std::vector<table_problem> found;
            auto table = parse_decision_table(t, found);
            for (const auto& p : found) problem(p.at ? *p.at : t, p.message);
            if (!table) {
                if (t.IsObject() && t.HasMember("id") && t["id"].IsString()) p_.exprs.broken_tables.emplace_back(t["id"].GetString());
                continue;
            }
            if (!claim_id(seen, t, table->id, "table")) continue;
            p_.exprs.tables.push_back(std::make_shared<const decision_table>(std::move(*table)));
        }
    }

    void evidence_types(const json& root) {
        const json* list = array(root, "evidence_types", true);
        if (!list) return;
        std::set<std::string> seen;
        for (const auto& t : list->GetArray()) {
            if (!t.IsObject()) {
                problem(t, "an evidence type must be an object");
                continue;
            }
            evidence_type out;
            out.id = text(t, "id", true);
            if (!claim_id(seen, t, out.id, "evidence type")) continue;
            if (const json* direct = member(t, "direct", false)) {
                if (!direct->IsBool()) problem(*direct, "'direct' must be true or false");
                else out.direct = direct->GetBool();
            }
            std::int32_t authentic = -1;
            if (const json* rule = member(t, "authentic_if", false))
                authentic = expression(*rule, scope{false, false, item_scope::evidence_flags}, value_type::boolean);
            q_.evidence_types.push_back(std::move(out));
            p_.authentic_if.push_back(authentic);
        }
    }

    void assessment(const json& root) {
        const json* a = member(root, "assessment", false);
        p_.agreement.min_scorers = {1, -1, true};
        p_.agreement.max_spread = {std::numeric_limits<double>::infinity(), -1, true};
        if (!a) return;
        if (!a->IsObject()) return problem(*a, "'assessment' must be an object");
        const scope assessor_scope{true, true, item_scope::assessor};
        if (const json* rule = member(*a, "valid_assessor", false))
            p_.valid_assessor = expression(*rule, assessor_scope, value_type::boolean);
        if (const json* agree = member(*a, "agreement", false); agree && agree->IsObject()) {
            const scope competence_scope{true, true, item_scope::none};
            param(*agree, "min_scorers", competence_scope, p_.agreement.min_scorers);
            param(*agree, "max_spread", competence_scope, p_.agreement.max_spread);
            const std::string rule = text(*agree, "agreed_score", false);
            if (rule.empty() || rule == "median_low") p_.agreement.agreed = agreed_score_rule::median_low;
            else if (rule == "median_high") p_.agreement.agreed = agreed_score_rule::median_high;
            else if (rule == "min") p_.agreement.agreed = agreed_score_rule::minimum;
            else if (rule == "mean") p_.agreement.agreed = agreed_score_rule::mean;
            else problem(*member(*agree, "agreed_score", false), "agreed_score must be median_low, median_high, min or mean");
        }
    }

    void award(const json& root) {
        const json* a = member(root, "award", true);
        if (!a || !a->IsObject()) return;
        if (auto years = number_value(*a, "valid_for_years", true)) {
            // Whole years a credential can last (date arithmetic stays within the calendar).
            if (*years >= 1 && *years <= 200 && std::floor(*years) == *years)
                q_.valid_for_years = static_cast<int>(*years);
            else
                problem(*member(*a, "valid_for_years", true), "valid_for_years must be a whole number of years from 1 to 200");
        }
        if (const json* partial = member(*a, "partial_level", false)) {
            const auto found = partial->IsString() ? qualification::find_id(q_.levels, partial->GetString()) : std::nullopt;
            if (!found) problem(*partial, "partial_level must name a level of the qualification");
            q_.partial_level = found;
        }
    }

    // ---- expressions and parameters ----
    /// An infix expression (a string) or JsonLogic (an object with one operator, or a literal).
    std::int32_t expression(const json& v, const scope& where, value_type expected) {
        std::vector<expr_diagnostic> found;
        if (!v.IsString()) {
            const std::int32_t node = compile_jsonlogic(v, q_, where, expected, p_.exprs, found);
            for (const auto& d : found) problem(d.at ? *static_cast<const json*>(d.at) : v, d.message);
            return node;
        }
        const std::int32_t node = compile_expression(v.GetString(), q_, where, expected, p_.exprs, found);
        expression_problems(v, found);
        if (node >= 0) p_.infix_expressions.push_back({src_.pointer_of(v), v.GetString(), node});
        return node;
    }

    void param(const json& object, const char* key, const scope& where, number_param& out) {
        const json* v = member(object, key, false);
        if (!v) return;
        out.set = true;
        if (v->IsNumber()) out.constant = v->GetDouble();
        else if (v->IsString() || v->IsObject()) out.expr = expression(*v, where, value_type::number);
        else problem(*v, std::string("'") + key + "' must be a number or a number expression");
    }

    /// The value of a parameter for every level (and competence, in competence scope) when it
    /// reads no candidate data; empty when it does.
    std::vector<double> static_values(const number_param& p, bool competence_scope) {
        std::vector<double> values;
        if (!p.set) return values;
        if (p.expr < 0) return {p.constant};
        if (!is_candidate_independent(p_.exprs, p.expr)) return values;
        for (std::size_t l = 0; l < q_.levels.size(); ++l) {
            const std::size_t competences = competence_scope ? q_.competences.size() : 1;
            for (std::size_t c = 0; c < competences; ++c) {
                const value v = evaluate_constant(p_, p.expr, static_cast<std::int32_t>(l),
                                                  competence_scope ? static_cast<std::int32_t>(c) : -1);
                if (v.type == value_type::number) values.push_back(v.number);
            }
        }
        return values;
    }

    // ---- requirements ----
    std::uint32_t placeholder() {
        requirement r;
        r.kind = requirement_kind::all_of;
        p_.requirements.push_back(r);
        return static_cast<std::uint32_t>(p_.requirements.size() - 1);
    }

    /// `weighted`: the node is a part of min_total, which may carry a "weight".
    std::uint32_t requirement_node(const json& v, const tree_context& ctx, bool weighted = false) {
        if (!v.IsObject()) {
            problem(v, "a requirement must be a JSON object");
            return placeholder();
        }
        static const char* const kinds[] = {"all_of", "at_least", "sequence", "when", "min_total",
                                            "competence", "experience", "credential", "expr",
                                            "evidence", "panel", "agreement", "scores"};
        std::vector<std::string> present;
        for (const auto& m : v.GetObject()) {
            const std::string key = m.name.GetString();
            if (std::find_if(std::begin(kinds), std::end(kinds), [&](const char* k) { return key == k; }) != std::end(kinds))
                present.push_back(key);
        }
        if (present.size() != 1) {
            problem(v, present.empty() ? "a requirement needs one kind (all_of, at_least, competence, evidence, ...)"
                                       : "a requirement has exactly one kind, found " + std::to_string(present.size()));
            return placeholder();
        }
        requirement r;
        r.pointer = src_.pointer_of(v);
        r.id = text(v, "id", false);
        r.title = text(v, "title", false);
        if (!r.id.empty() && !ctx.ids->insert(r.id).second) problem(v, "duplicate requirement id '" + r.id + "' in this tree");
        if (r.id.empty()) r.id = r.pointer;
        const std::string& kind = present.front();
        const scope here{true, ctx.competence_scope, item_scope::none};
        auto allow = [&](std::initializer_list<const char*> keys) {
            std::vector<const char*> known{"id", "title"};
            if (weighted) known.push_back("weight");
            known.insert(known.end(), keys.begin(), keys.end());
            unknown_keys(v, known.data(), known.size());
        };
        auto only_in = [&](bool competence_scope) {
            if (ctx.competence_scope != competence_scope)
                problem(v, "'" + kind + "' can only be used " +
                               (competence_scope ? "in competence_standard" : "in a level's requires"));
        };
        std::vector<std::uint32_t> children;
        auto compile_children = [&](const char* key) {
            const json* list = array(v, key, true);
            if (!list) return;
            if (list->Empty()) problem(*list, std::string("'") + key + "' needs at least one requirement");
            for (const auto& child : list->GetArray()) children.push_back(requirement_node(child, ctx));
        };

        if (kind == "all_of" || kind == "sequence") {
            allow({kind == "all_of" ? "all_of" : "sequence"});
            r.kind = kind == "all_of" ? requirement_kind::all_of : requirement_kind::sequence;
            compile_children(kind.c_str());
        } else if (kind == "at_least") {
            allow({"at_least", "of"});
            r.kind = requirement_kind::at_least;
            param(v, "at_least", here, r.threshold);
            compile_children("of");
            for (double k : static_values(r.threshold, ctx.competence_scope)) {
                if (k > static_cast<double>(children.size()))
                    problem(v, "unreachable: needs " + format(k) + " of " + std::to_string(children.size()) + " requirements, so it can never pass");
                else if (k < 0)
                    problem(v, "'at_least' must not be negative");
            }
        } else if (kind == "min_total") {
            allow({"min_total", "of"});
            r.kind = requirement_kind::min_total;
            param(v, "min_total", here, r.threshold);
            const json* list = array(v, "of", true);
            if (list) {
                for (const auto& part : list->GetArray()) weighted_part(part, ctx, r, children);
                double most = 0;
                for (double w : r.weights) most += w;
                for (double n : static_values(r.threshold, ctx.competence_scope))
                    if (n > most) problem(v, "unreachable: needs a total of " + format(n) + " but all parts together weigh " + format(most));
            }
        } else if (kind == "when") {
            allow({"when", "then"});
            r.kind = requirement_kind::when;
            r.condition = expression(v["when"], here, value_type::boolean);
            if (const json* then = member(v, "then", true)) children.push_back(requirement_node(*then, ctx));
            else children.push_back(placeholder());
            unreachable_when(v, r.condition, ctx.competence_scope);
        } else if (kind == "competence") {
            allow({"competence", "level"});
            only_in(false);
            r.kind = requirement_kind::competence;
            const json& id = v["competence"];
            const auto found = id.IsString() ? qualification::find_id(q_.competences, id.GetString()) : std::nullopt;
            if (!found) problem(id, id.IsString() ? "unknown competence '" + std::string(id.GetString()) + "'" : "'competence' must be a competence id");
            r.competence = found.value_or(0);
            if (const json* at = member(v, "level", false)) {
                const auto l = at->IsString() ? qualification::find_id(q_.levels, at->GetString()) : std::nullopt;
                if (!l) problem(*at, "level outside the qualification's levels");
                else r.at_level = *l;
            }
        } else if (kind == "experience") {
            allow({"experience"});
            only_in(false);
            r.kind = requirement_kind::experience;
            experience(v["experience"], r);
        } else if (kind == "credential") {
            allow({"credential"});
            r.kind = requirement_kind::credential;
            credential(v["credential"], r);
        } else if (kind == "expr") {
            allow({"expr"});
            r.kind = requirement_kind::expr;
            r.condition = expression(v["expr"], here, value_type::boolean);
        } else if (kind == "evidence") {
            allow({"evidence"});
            only_in(true);
            r.kind = requirement_kind::evidence;
            evidence(v["evidence"], r);
        } else if (kind == "panel") {
            allow({"panel"});
            only_in(true);
            r.kind = requirement_kind::panel;
            panel(v["panel"], r);
        } else if (kind == "agreement") {
            allow({"agreement"});
            only_in(true);
            r.kind = requirement_kind::agreement;
            if (!v["agreement"].IsObject() || !v["agreement"].ObjectEmpty())
                problem(v["agreement"], "'agreement' takes no parameters ({}); set them in assessment.agreement");
        } else if (kind == "scores") {
            allow({"scores"});
            only_in(true);
            r.kind = requirement_kind::scores;
            scores(v["scores"], r);
        }
        r.children = std::move(children);
        p_.requirements.push_back(std::move(r));
        return static_cast<std::uint32_t>(p_.requirements.size() - 1);
    }

    static std::string format(double d) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", d);
        return text;
    }

    void weighted_part(const json& part, const tree_context& ctx, requirement& r, std::vector<std::uint32_t>& children) {
        children.push_back(requirement_node(part, ctx, true));
        const requirement& child = p_.requirements[children.back()];
        const bool known = child.kind == requirement_kind::competence && child.competence < q_.competences.size();
        double weight = known ? q_.competences[child.competence].credits : 0;
        if (part.IsObject()) {
            if (const json* w = member(part, "weight", false)) {
                if (w->IsNumber()) weight = w->GetDouble();
                else problem(*w, "'weight' must be a number");
            } else if (child.kind != requirement_kind::competence) {
                problem(part, "a part of min_total needs a 'weight' unless it is a competence with credits");
            }
        }
        r.weights.push_back(weight);
    }

    void unreachable_when(const json& v, std::int32_t condition, bool competence_scope) {
        if (condition < 0 || !is_candidate_independent(p_.exprs, condition)) return;
        bool ever = false;
        for (std::size_t l = 0; l < q_.levels.size() && !ever; ++l) {
            const std::size_t competences = competence_scope ? q_.competences.size() : 1;
            for (std::size_t c = 0; c < competences && !ever; ++c) {
                const value b = evaluate_constant(p_, condition, static_cast<std::int32_t>(l),
                                                  competence_scope ? static_cast<std::int32_t>(c) : -1);
                ever = b.type == value_type::boolean && b.boolean;
            }
        }
        if (!ever) problem(v["when"], "unreachable: the condition is false for every level" +
                                          std::string(competence_scope ? " and competence" : "") + ", so 'then' never applies");
    }

    bool object_kind(const json& v, const char* kind) {
        if (v.IsObject()) return true;
        problem(v, std::string("'") + kind + "' takes an object of parameters");
        return false;
    }

    void experience(const json& v, requirement& r) {
        if (!object_kind(v, "experience")) return;
        static const char* const known[] = {"min_years", "window_years", "roles"};
        unknown_keys(v, known, std::size(known));
        const scope here{true, false, item_scope::none};
        if (!member(v, "min_years", true) || !member(v, "window_years", true)) return;
        param(v, "min_years", here, r.min_years);
        param(v, "window_years", here, r.window_years);
        if (const json* roles = array(v, "roles", true)) {
            for (const auto& role : roles->GetArray()) {
                const auto found = role.IsString() ? qualification::find(q_.experience_roles, role.GetString()) : std::nullopt;
                if (!found) problem(role, "unknown experience role" + (role.IsString() ? " '" + std::string(role.GetString()) + "'" : std::string()));
                else r.roles |= std::uint64_t{1} << *found;
            }
        }
        const auto need = static_values(r.min_years, false);
        const auto window = static_values(r.window_years, false);
        for (std::size_t i = 0; i < need.size() && i < window.size(); ++i)
            if (need[i] > window[i]) problem(v, "unreachable: needs " + format(need[i]) + " years within a " + format(window[i]) + "-year window");
    }

    void credential(const json& v, requirement& r) {
        if (!object_kind(v, "credential")) return;
        static const char* const known[] = {"types", "max_age_years"};
        unknown_keys(v, known, std::size(known));
        param(v, "max_age_years", scope{true, false, item_scope::none}, r.max_age_years);
        if (const json* types = array(v, "types", true)) {
            if (types->Empty()) problem(*types, "'types' needs at least one credential type");
            for (const auto& t : types->GetArray()) {
                const auto found = t.IsString() ? qualification::find(q_.credential_types, t.GetString()) : std::nullopt;
                if (!found) problem(t, "unknown credential type" + (t.IsString() ? " '" + std::string(t.GetString()) + "'" : std::string()) + " (declare it in credential_types)");
                else r.credential_types.push_back(*found);
            }
        }
    }

    void counts(const json& v, requirement& r, item_scope items) {
        const json* list = array(v, "at_least", false);
        if (!list) return;
        const scope condition_scope{true, true, items};
        const scope number_scope{true, true, item_scope::none};
        for (const auto& c : list->GetArray()) {
            if (!c.IsObject()) {
                problem(c, "entries of 'at_least' are {\"min\", \"where\", \"title\"}");
                continue;
            }
            static const char* const known[] = {"min", "where", "title"};
            unknown_keys(c, known, std::size(known));
            count_condition cc;
            if (!member(c, "min", true)) continue;
            param(c, "min", number_scope, cc.min);
            if (const json* where = member(c, "where", true)) cc.where = expression(*where, condition_scope, value_type::boolean);
            cc.title = text(c, "title", false);
            if (cc.title.empty()) cc.title = c.HasMember("where") && c["where"].IsString() ? c["where"].GetString() : "at_least";
            r.counts.push_back(std::move(cc));
        }
    }

    void evidence(const json& v, requirement& r) {
        if (!object_kind(v, "evidence")) return;
        static const char* const known[] = {"usable", "min_items", "min_distinct_types", "at_least", "cover_every_criterion"};
        unknown_keys(v, known, std::size(known));
        const scope number_scope{true, true, item_scope::none};
        if (const json* usable = member(v, "usable", false))
            r.usable = expression(*usable, scope{true, true, item_scope::evidence}, value_type::boolean);
        param(v, "min_items", number_scope, r.min_items);
        param(v, "min_distinct_types", number_scope, r.min_distinct_types);
        counts(v, r, item_scope::evidence);
        if (const json* cover = member(v, "cover_every_criterion", false)) {
            if (!cover->IsBool()) problem(*cover, "'cover_every_criterion' must be true or false");
            else r.cover_every_criterion = cover->GetBool();
        }
    }

    void panel(const json& v, requirement& r) {
        if (!object_kind(v, "panel")) return;
        static const char* const known[] = {"min_size", "at_least"};
        unknown_keys(v, known, std::size(known));
        param(v, "min_size", scope{true, true, item_scope::none}, r.min_size);
        counts(v, r, item_scope::assessor);
    }

    void scores(const json& v, requirement& r) {
        if (!object_kind(v, "scores")) return;
        static const char* const known[] = {"each_min", "mean_min"};
        unknown_keys(v, known, std::size(known));
        const scope number_scope{true, true, item_scope::none};
        param(v, "each_min", number_scope, r.each_min);
        param(v, "mean_min", number_scope, r.mean_min);
        if (!r.each_min.set && !r.mean_min.set) problem(v, "'scores' needs each_min, mean_min or both");
        for (const auto* p : {&r.each_min, &r.mean_min}) {
            const char* key = p == &r.each_min ? "each_min" : "mean_min";
            for (double t : static_values(*p, true)) {
                if (t < q_.rubric.min || t > q_.rubric.max) {
                    problem(v[key], "level outside the scale: " + format(t) + " is not on the rubric " +
                                        std::to_string(q_.rubric.min) + "-" + std::to_string(q_.rubric.max));
                    break;
                }
            }
        }
    }

    const json_source& src_;
    program& p_;
    qualification& q_;
    diagnostics& problems_;
};

} // namespace

diagnostics compile_rules(const json_source& src, program& out) {
    diagnostics problems;
    rule_compiler(src, out, problems).run();
    std::stable_sort(problems.begin(), problems.end(), [](const error& a, const error& b) {
        return a.where.line != b.where.line ? a.where.line < b.where.line : a.where.column < b.where.column;
    });
    return problems;
}

} // namespace masterpro::detail
