#pragma once
#include <stdexcept>
#include <string>

namespace svasim {

// A problem with user input (scenario file, --set override, CLI value). The CLI turns it into exit code 2
// and "FILE: JSON_PATH: MESSAGE" on stderr, before anything is written.
class InputError : public std::runtime_error {
public:
  InputError(std::string path, const std::string& message)
      : std::runtime_error(message), path_(std::move(path)) {}
  // JSON Pointer into the effective scenario ("" is the document root).
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

}  // namespace svasim
