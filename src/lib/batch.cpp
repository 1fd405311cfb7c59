// Batch evaluation: chunks of lines decided on a Boost.Asio thread pool, written in order.
#include "masterpro/batch.hpp"

#include "masterpro/limits.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <future>
#include <istream>
#include <ostream>
#include <thread>
#include <vector>

namespace masterpro {
namespace {

/// Decides one line and appends its output (newline included) to `out`; returns the outcome's
/// name, or nullptr for a line that got an error.
const char* decide_line(const rule_set& rules, std::string& line, std::size_t number, const batch_options& o,
                        std::string& out) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto decided = rules.evaluate_json(line, o.as_of);
    if (decided) {
        if (o.text) out += explain(*decided);
        else append_json(out, *decided, o.json);
        out += '\n';
        return to_string(decided->outcome);
    }
    const error& e = decided.error();
    if (o.text)
        out += "Line " + std::to_string(number) + " (" + record_id_json(line) + "): error: " + e.message +
               (e.where.path.empty() ? "" : " at " + e.where.path) + "\n\n";
    else
        out += "{\"line\":" + std::to_string(number) + ",\"id\":" + record_id_json(line) +
               ",\"error\":" + to_json(e) + "}\n";
    return nullptr;
}

/// Lets go of a buffer that one huge line made huge, so that memory stays bounded by typical
/// lines, not by the largest one seen.
void release_if_huge(std::string& s, std::size_t limit) {
    if (s.capacity() > limit) std::string().swap(s);
}

} // namespace

std::optional<std::string> record_id(std::string_view line) {
    if (line.find('\0') != std::string_view::npos) return std::nullopt;
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(line.data(), line.size());
    if (d.HasParseError() || !d.IsObject()) return std::nullopt;
    auto it = d.FindMember("id");
    if (it == d.MemberEnd() || !it->value.IsString() || it->value.GetStringLength() > limits{}.max_string_bytes)
        return std::nullopt;
    std::string id(it->value.GetString(), it->value.GetStringLength());
    // A lone \uD800-\uDFFF escape decodes to bytes that are not UTF-8 (ED A0..BF): such an
    // id cannot be echoed in valid JSON, so the record stays unnamed.
    for (std::size_t i = 0; i + 1 < id.size(); ++i)
        if (static_cast<unsigned char>(id[i]) == 0xED && static_cast<unsigned char>(id[i + 1]) >= 0xA0) return std::nullopt;
    return id;
}

std::string record_id_json(std::string_view line) {
    const auto id = record_id(line);
    if (!id) return "null";
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.String(id->data(), static_cast<rapidjson::SizeType>(id->size()));
    return b.GetString();
}

batch_summary evaluate_lines(const rule_set& rules, std::istream& in, std::ostream& out, const batch_options& options) {
    unsigned threads = options.threads ? options.threads : std::max(1U, std::thread::hardware_concurrency());
    const std::size_t chunk = std::max<std::size_t>(1, options.chunk_lines);
    std::optional<boost::asio::thread_pool> pool;
    if (threads > 1) pool.emplace(threads);
    batch_summary summary;
    std::vector<std::string> lines(chunk);
    std::vector<const char*> outcomes(chunk);
    // The output of a chunk: one buffer per slice of consecutive lines (a slice per thread),
    // written in order, in a few large writes. Their memory is reused from chunk to chunk.
    std::vector<std::string> slices(threads);
    for (;;) {
        // A chunk ends at `chunk_lines` lines or 64 MB, whichever comes first, so that memory
        // stays bounded even when lines are huge.
        std::size_t count = 0, bytes = 0;
        while (count < chunk && bytes < (64U << 20) && std::getline(in, lines[count])) bytes += lines[count++].size();
        if (count == 0) break;
        const std::size_t first_number = summary.records + 1;
        auto decide_range = [&](std::size_t from, std::size_t to, std::string& text) {
            text.clear();
            for (std::size_t i = from; i < to; ++i)
                outcomes[i] = decide_line(rules, lines[i], first_number + i, options, text);
        };
        std::size_t used = 1;
        if (!pool || count < 2 * threads) {
            decide_range(0, count, slices[0]);
        } else {
            // Contiguous slices, one per thread, written in slice order: the same bytes as on
            // one thread.
            std::vector<std::future<void>> done;
            const std::size_t step = (count + threads - 1) / threads;
            used = 0;
            for (std::size_t from = 0; from < count; from += step, ++used) {
                const std::size_t to = std::min(count, from + step);
                std::string& text = slices[used];
                auto task = std::make_shared<std::packaged_task<void()>>(
                    [&, from, to] { decide_range(from, to, text); });
                done.push_back(task->get_future());
                boost::asio::post(*pool, [task] { (*task)(); });
            }
            for (auto& d : done) d.get();
        }
        for (std::size_t k = 0; k < used; ++k) {
            out.write(slices[k].data(), static_cast<std::streamsize>(slices[k].size()));
            // A slice holds about chunk_lines / threads decisions; one that huge lines made
            // much larger is let go.
            release_if_huge(slices[k], std::size_t{64} << 20);
        }
        for (std::size_t i = 0; i < count; ++i) {
            if (outcomes[i]) ++summary.outcomes[outcomes[i]];
            else ++summary.errors;
            release_if_huge(lines[i], std::size_t{1} << 20);
        }
        summary.records += count;
        out.flush();
        if (options.progress) options.progress(summary.records);
        if (!in) break;
    }
    return summary;
}

} // namespace masterpro
