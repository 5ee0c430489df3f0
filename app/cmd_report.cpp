// `svasim report`: a sweep directory (its results.jsonl) as Markdown tables with means and confidence
// intervals; or single runs (a results file, or a directory of them as `svasim run --profile A,B -o DIR`
// writes) as their tables and a comparison. --html and --svg-dir add the plots: the sweep's metrics
// against its first numeric axis, and the latency distributions of every run.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "analysis/plots.hpp"
#include "analysis/report.hpp"
#include "analysis/run_diff.hpp"
#include "analysis/table.hpp"
#include "app/commands.hpp"
#include "core/error.hpp"
#include "sweep/child_process.hpp"

namespace svasim {

namespace fs = std::filesystem;

namespace {

// Renders every plot with gnuplot (a Debian package the setup script installs) into `work`.
// Each plot as (file stem, SVG text).
std::vector<std::pair<std::string, std::string>> render_plots(const std::vector<Plot>& plots, const fs::path& work) {
  std::vector<std::pair<std::string, std::string>> svgs;
  for (const Plot& p : plots) {
    const fs::path data = work / (p.name + ".dat"), script = work / (p.name + ".gp"), svg = work / (p.name + ".svg");
    std::ofstream(data) << gnuplot_data(p);
    std::ofstream(script) << gnuplot_script(p, data.string(), svg.string());
    if (run_program({"gnuplot", script.string()}, (work / (p.name + ".log")).string()) != 0)
      throw std::runtime_error("gnuplot failed on " + script.string() + " (is gnuplot installed? scripts/setup installs it)");
    std::ifstream in(svg);
    std::stringstream text;
    text << in.rdbuf();
    svgs.emplace_back(p.name, text.str());
  }
  return svgs;
}

// The lines of a sweep's results.jsonl. Returns false (message printed) on bad input.
bool read_sweep(const fs::path& jsonl, std::vector<ReportPoint>& points) {
  std::ifstream in(jsonl);
  std::size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    const std::string where = jsonl.string() + ": line " + std::to_string(line_no);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "svasim: error: " << where << ": not JSON: " << e.what() << "\n";
      return false;
    }
    try {
      points.push_back(report_point(j, where));
    } catch (const InputError& e) {
      std::cerr << "svasim: error: " << e.what() << "\n";  // already "FILE: line N: /json/path: message"
      return false;
    }
  }
  return true;
}

// The spec's axes in order, from the manifest beside results.jsonl (absent for a bare results.jsonl).
std::vector<std::string> sweep_axes(const fs::path& jsonl) {
  std::vector<std::string> axes;
  try {
    std::ifstream m(jsonl.parent_path() / "sweep.json");
    if (m) {
      const nlohmann::json manifest = nlohmann::json::parse(m);
      if (manifest.contains("axes") && manifest["axes"].is_array())
        for (const auto& a : manifest["axes"])
          if (a.is_string()) axes.push_back(a.get<std::string>());
    }
  } catch (const nlohmann::json::exception&) {
    axes.clear();  // an unreadable manifest only costs the axis order
  }
  return axes;
}

// Single runs: the tables a run prints, then the comparison when there are several.
std::string runs_markdown(const std::vector<ReportPoint>& runs, const std::string& title) {
  std::ostringstream o;
  o << "## " << title << "\n\n";
  for (const ReportPoint& p : runs) o << "### " << p.id << "\n\n```\n" << format_run(*p.results) << "```\n\n";
  if (runs.size() > 1) {
    std::vector<RunResults> all;
    for (const ReportPoint& p : runs) all.push_back(*p.results);
    std::vector<std::string> labels;
    for (const ReportPoint& p : runs) labels.push_back(p.id);
    // Every run against the first: a comparison of different experiments says so before its numbers.
    for (std::size_t i = 1; i < runs.size(); ++i) {
      const RunDifferences d = run_differences(all[0], all[i]);
      if (runs.size() == 2) labels = {d.label_a, d.label_b};
      for (const auto& e : d.experiment)
        o << "**Different experiments** (" << runs[0].id << " vs " << runs[i].id << "): " << e << "\n\n";
    }
    o << "### Side by side\n\n```\n" << format_comparison(all, labels) << "```\n";
  }
  return o.str();
}

// Where an output goes must be a directory that exists, checked before anything is written, so a bad
// -o does not come after a written page. Returns false (message printed) otherwise.
bool output_place_ok(const char* flag, const std::string& file) {
  if (file.empty()) return true;
  std::error_code ec;
  const fs::path parent = fs::path(file).parent_path();
  if (fs::is_directory(file, ec)) {
    std::cerr << "svasim: error: " << flag << ": " << file << " is a directory; name a file\n";
    return false;
  }
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    std::cerr << "svasim: error: " << flag << ": " << parent.string() << " is not a directory\n";
    return false;
  }
  return true;
}

}  // namespace

int cmd_report(const std::string& dir, const std::string& output, const std::string& html, const std::string& svg_dir) {
  std::error_code ec;
  if (!output_place_ok("-o", output) || !output_place_ok("--html", html)) return kExitBadInput;
  if (!svg_dir.empty() && !fs::is_directory(svg_dir, ec)) {
    std::cerr << "svasim: error: --svg-dir: " << svg_dir << " is not a directory\n";
    return kExitBadInput;
  }
  const fs::path given(dir);
  std::vector<ReportPoint> points;
  bool sweep = false;
  fs::path jsonl;
  if (fs::is_directory(given, ec) && fs::exists(given / "results.jsonl", ec)) {
    jsonl = given / "results.jsonl";
  } else if (!fs::is_directory(given, ec) && given.extension() == ".jsonl") {
    jsonl = given;
  }
  if (!jsonl.empty()) {
    if (!fs::is_regular_file(jsonl, ec)) {
      std::cerr << "svasim: error: " << jsonl.string() << ": no such file (svasim sweep writes results.jsonl)\n";
      return kExitBadInput;
    }
    sweep = true;
    if (!read_sweep(jsonl, points)) return kExitBadInput;
  } else {
    // A results file, or a directory of them (svasim run --profile A,B -o DIR), in name order.
    std::vector<fs::path> files;
    if (fs::is_directory(given, ec)) {
      for (const auto& e : fs::directory_iterator(given, ec))
        if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        std::cerr << "svasim: error: " << dir << ": neither a sweep (results.jsonl) nor results files (*.json) here\n";
        return kExitBadInput;
      }
    } else {
      files.push_back(given);
    }
    for (const fs::path& f : files) {
      try {
        points.push_back({f.stem().string(), "ok", nlohmann::json::object(), read_results_file(f.string())});
      } catch (const InputError& e) {
        std::cerr << "svasim: error: " << e.what() << "\n";
        return kExitBadInput;
      }
    }
  }
  const std::string name = given.filename().empty() ? given.parent_path().filename().string() : given.filename().string();
  const std::string title = (sweep ? "svasim sweep " : "svasim run ") + (sweep && !fs::is_directory(given, ec) ? jsonl.parent_path().filename().string() : name);
  const std::string text = sweep ? sweep_report_markdown(points, title) : runs_markdown(points, title);
  if (!html.empty() || !svg_dir.empty()) {
    const fs::path work = (html.empty() ? fs::path(svg_dir) / ".svasim-plots" : fs::path(html + ".plots"));
    fs::create_directories(work);
    // The plots' scratch directory goes whatever happens (a failed gnuplot, an unwritable page).
    struct RemoveOnExit {
      fs::path dir;
      ~RemoveOnExit() {
        std::error_code ec;
        fs::remove_all(dir, ec);
      }
    } cleanup{work};
    std::vector<Plot> plots;
    if (sweep) {
      plots = sweep_plots(points, sweep_axes(jsonl));
    } else {
      std::vector<std::pair<std::string, const RunResults*>> runs;
      for (const ReportPoint& p : points) runs.emplace_back(p.id, &*p.results);
      plots = run_plots(runs);
    }
    const auto svgs = render_plots(plots, work);
    for (const auto& [stem, svg] : svgs)
      if (!svg_dir.empty() && !(std::ofstream(fs::path(svg_dir) / (stem + ".svg")) << svg)) {
        std::cerr << "svasim: error: --svg-dir: cannot write " << (fs::path(svg_dir) / (stem + ".svg")).string() << "\n";
        return kExitBadInput;
      }
    if (!html.empty()) {
      std::vector<std::string> pages;
      for (const auto& [stem, svg] : svgs) pages.push_back(svg);
      const std::string page = html_report(report_header(points, title), text, pages);
      const fs::path tmp = html + ".tmp";
      if (!(std::ofstream(tmp) << page)) {
        std::cerr << "svasim: error: --html: cannot write " << html << "\n";
        return kExitBadInput;
      }
      fs::rename(tmp, html);
    }
  }
  if (output.empty()) {
    std::cout << text;
  } else {
    std::ofstream out(output);
    if (!(out << text)) {
      std::cerr << "svasim: error: -o: cannot write " << output << "\n";
      return kExitBadInput;
    }
  }
  return kExitOk;
}

}  // namespace svasim
