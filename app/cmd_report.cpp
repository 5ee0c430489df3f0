#include <filesystem>
#include <fstream>
#include <iostream>

#include "analysis/report.hpp"
#include "app/commands.hpp"

namespace svasim {

namespace fs = std::filesystem;

int cmd_report(const std::string& dir, const std::string& output) {
  const fs::path jsonl = fs::is_directory(dir) ? fs::path(dir) / "results.jsonl" : fs::path(dir);
  std::ifstream in(jsonl);
  if (!in) {
    std::cerr << "svasim: error: " << jsonl.string() << ": no sweep results here (svasim sweep writes results.jsonl)\n";
    return kExitBadInput;
  }
  std::vector<nlohmann::json> points;
  std::size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    try {
      points.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "svasim: error: " << jsonl.string() << ": line " << line_no << ": not JSON: " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  const std::string text = sweep_report_markdown(points, "svasim sweep " + fs::path(dir).filename().string());
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
