#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "analysis/plots.hpp"
#include "analysis/report.hpp"
#include "app/commands.hpp"
#include "core/error.hpp"
#include "sweep/child_process.hpp"

namespace svasim {

namespace fs = std::filesystem;

namespace {

// Renders every plot with gnuplot (a Debian package the setup script installs) into `work`.
// Each plot as (file stem, SVG text).
std::vector<std::pair<std::string, std::string>> render_plots(const std::vector<ReportPoint>& points,
                                                              const std::vector<std::string>& axes, const fs::path& work) {
  std::vector<std::pair<std::string, std::string>> svgs;
  for (const Plot& p : sweep_plots(points, axes)) {
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

}  // namespace

int cmd_report(const std::string& dir, const std::string& output, const std::string& html, const std::string& svg_dir) {
  const fs::path jsonl = fs::is_directory(dir) ? fs::path(dir) / "results.jsonl" : fs::path(dir);
  std::ifstream in(jsonl);
  if (!in) {
    std::cerr << "svasim: error: " << jsonl.string() << ": no sweep results here (svasim sweep writes results.jsonl)\n";
    return kExitBadInput;
  }
  std::vector<ReportPoint> points;
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
      return kExitBadInput;
    }
    try {
      points.push_back(report_point(j, where));
    } catch (const InputError& e) {
      std::cerr << "svasim: error: " << e.what() << "\n";  // already "FILE: line N: /json/path: message"
      return kExitBadInput;
    }
  }
  const std::string text = sweep_report_markdown(points, "svasim sweep " + fs::path(dir).filename().string());
  if (!html.empty() || !svg_dir.empty()) {
    if (!svg_dir.empty() && !fs::is_directory(svg_dir)) {
      std::cerr << "svasim: error: --svg-dir: " << svg_dir << " is not a directory\n";
      return kExitBadInput;
    }
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
    // The spec's axes in order, from the manifest beside results.jsonl (absent for a bare results.jsonl).
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
    const auto plots = render_plots(points, axes, work);
    for (const auto& [name, svg] : plots)
      if (!svg_dir.empty() && !(std::ofstream(fs::path(svg_dir) / (name + ".svg")) << svg)) {
        std::cerr << "svasim: error: --svg-dir: cannot write " << (fs::path(svg_dir) / (name + ".svg")).string() << "\n";
        return kExitBadInput;
      }
    if (!html.empty()) {
      std::vector<std::string> svgs;
      for (const auto& [name, svg] : plots) svgs.push_back(svg);
      const std::string page = html_report("svasim sweep " + fs::path(dir).filename().string(), text, svgs);
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
