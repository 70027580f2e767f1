#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/json.hpp>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <tuple>

namespace poort::test {

temp_dir::temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "poort-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

location parse_location(const std::string& url) {
  // No std::regex on long input: libstdc++'s matcher recurses per character.
  if (!url.starts_with("https://")) return {};
  const auto slash = url.find('/', 8);
  const auto colon = url.rfind(':', slash);
  if (slash == std::string::npos || colon == std::string::npos || colon < 8) return {};
  return {static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1, slash - colon - 1))), url.substr(slash)};
}

std::string url_encode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string html_unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {{"&quot;", "\""}, {"&#x27;", "'"}, {"&#39;", "'"},
                                                          {"&lt;", "<"},    {"&gt;", ">"},   {"&amp;", "&"}};
  for (const auto& [from, to] : entities)
    for (std::size_t p; (p = s.find(from)) != std::string::npos;) s.replace(p, std::strlen(from), to);
  return s;
}

void write_file(const fs::path& f, const std::string& text) { std::ofstream(f) << text; }

fs::path binary(const std::string& relative) { return fs::path(POORT_BINARY_DIR) / relative; }

const pki& pki::shared() {
  static const pki instance = [] {
    // One PKI for every test process of this build (ctest runs each test in
    // its own process): scripts/pki reuses what is valid, and flock keeps
    // concurrent test processes from generating at the same time.
    pki p;
    p.dir = fs::path(POORT_BINARY_DIR) / "tests" / "pki";
    fs::create_directories(p.dir.parent_path());
    std::string cmd = "flock '" + (p.dir.parent_path() / "pki.lock").string() + "' bash " + POORT_SOURCE_DIR +
                      "/scripts/pki '" + p.dir.string() + "' >/dev/null";
    // The PKI made by an earlier test process of this build is reused as it is
    // while it is fresh (certificates are valid for months); scripts/pki itself
    // re-checks everything, which costs seconds per process.
    std::error_code ec;
    const auto made = fs::last_write_time(p.dir / "oins.env", ec);
    const bool fresh = !ec && fs::file_time_type::clock::now() - made < std::chrono::hours(24 * 7);
    if (!fresh && std::system(cmd.c_str()) != 0) throw std::runtime_error("scripts/pki failed");
    std::ifstream in(p.dir / "oins.env");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string v = line.substr(eq + 1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      p.env[line.substr(0, eq)] = v;
    }
    return p;
  }();
  return instance;
}

fs::path write_config(const fs::path& dir, const daemon_options& o) {
  const pki& p = pki::shared();
  auto q = [](const fs::path& f) { return "\"" + f.string() + "\""; };
  std::ostringstream t;
  t << "allow_test_oins = " << (o.allow_test_oins ? "true" : "false") << "\n\n";
  t << "[daemon]\nthreads = 2\nworker_threads = 8\nweb_root = " << q(fs::path(POORT_SOURCE_DIR) / "web")
    << "\n\n";
  t << "[logging]\nlevel = \"info\"\n\n";
  t << "[store]\ndatabase = " << q(dir / "poort.db") << "\n\n";
  t << "[[listener.portal]]\naddresses = [\"127.0.0.1:0\"]\n";
  t << "[[listener.portal.certificate]]\ncertificate = " << q(p.file("portal.crt"))
    << "\nprivate_key = " << q(p.file("portal.key")) << "\n";
  t << "[listener.portal.limits]\n" << o.portal_limits << "\n";
  t << "[[listener.system]]\naddresses = [\"127.0.0.1:0\"]\nclient_ca_bundle = " << q(p.file("ca.crt"))
    << "\n";
  t << (o.with_crl ? "crl_files = [" + q(p.file("crl.pem")) + "]\n" : std::string("crl_optional = true\n"));
  t << "[[listener.system.certificate]]\ncertificate = " << q(p.file(o.system_certificate + ".crt"))
    << "\nprivate_key = " << q(p.file(o.system_certificate + ".key")) << "\n";
  t << "[listener.system.limits]\n" << o.system_limits << "\n";
  const std::string organisation =
      o.prison_organisation.empty() ? "" : "organisation = " + q(o.prison_organisation) + "\n";
  t << "[[party]]\noin = \"" << p.oin("PI_1") << "\"\nname = \"" << p.env.at("PI_1_NAME")
    << "\"\nkind = \"institution\"\n"
    << organisation << "\n";
  t << "[[party]]\noin = \"" << p.oin("PI_2") << "\"\nname = \"" << p.env.at("PI_2_NAME")
    << "\"\nkind = \"institution\"\n"
    << organisation << "\n";
  t << "[[party]]\noin = \"" << p.oin("GEMEENTE_1") << "\"\nname = \"" << p.env.at("GEMEENTE_1_NAME")
    << "\"\nkind = \"municipal_system\"\ngemeentecode = \"" << p.env.at("GEMEENTE_1_CODE") << "\"\n\n";
  t << o.extra << "\n";
  fs::path file = dir / "poort.toml";
  std::ofstream(file) << t.str();
  return file;
}

// ------------------------------------------------------------ daemon_process

daemon_process::daemon_process(fs::path config) : config_(std::move(config)) {}

daemon_process::~daemon_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
  }
  if (reader_.joinable()) reader_.join();
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool daemon_process::start(std::chrono::seconds timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  const std::string exe = binary("daemon/poortd").string();
  const std::string cfg = config_.string();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::execl(exe.c_str(), exe.c_str(), "--config", cfg.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  out_fd_ = fds[0];
  {
    std::lock_guard lock(mutex_);
    lines_.clear();
    eof_ = false;
  }
  if (reader_.joinable()) reader_.join();
  reader_ = std::thread([this] { reader(); });
  if (!wait_for("\"server.ready\"", 0, timeout)) return false;
  std::lock_guard lock(mutex_);
  for (const auto& l : lines_) {
    if (l.find("listener.listening") == std::string::npos) continue;
    auto v = boost::json::parse(l).as_object();
    std::string addr(v.at("address").as_string());
    auto port = static_cast<std::uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
    if (v.at("listener").as_string() == "portal")
      portal_port_ = port;
    else
      system_port_ = port;
  }
  return portal_port_ != 0 && system_port_ != 0;
}

void daemon_process::reader() {
  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      {
        std::lock_guard lock(mutex_);
        lines_.push_back(pending.substr(0, nl));
      }
      cv_.notify_all();
      pending.erase(0, nl + 1);
    }
  }
  std::lock_guard lock(mutex_);
  eof_ = true;
  cv_.notify_all();
}

bool daemon_process::wait_for(const std::string& needle, std::size_t from, std::chrono::seconds timeout) {
  std::unique_lock lock(mutex_);
  std::size_t checked = from;
  return cv_.wait_for(lock, timeout, [&] {
    for (; checked < lines_.size(); ++checked)
      if (lines_[checked].find(needle) != std::string::npos) return true;
    return eof_;
  }) && checked < lines_.size();
}

std::size_t daemon_process::line_count() {
  std::lock_guard lock(mutex_);
  return lines_.size();
}

std::vector<std::string> daemon_process::lines() {
  std::lock_guard lock(mutex_);
  return lines_;
}

void daemon_process::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int daemon_process::stop(int sig, std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int st = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
      return -2;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  if (reader_.joinable()) reader_.join();
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -3;
}

// ---------------------------------------------------------------- tls_client

namespace {
// The client certificate must be on the context before the SSL object is made.
ssl::context make_client_context(const std::string& client) {
  ssl::context ctx(ssl::context::tls_client);
  const pki& p = pki::shared();
  ctx.load_verify_file(p.file("ca.crt").string());
  ctx.set_verify_mode(ssl::verify_peer);
  if (!client.empty()) {
    ctx.use_certificate_chain_file(p.file(client + ".crt").string());
    ctx.use_private_key_file(p.file(client + ".key").string(), ssl::context::pem);
  }
  return ctx;
}
}  // namespace

tls_client::tls_client(std::uint16_t port, const std::string& client)
    : ctx_(make_client_context(client)), stream_(ioc_, ctx_), port_(port) {
  SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
  SSL_set1_host(stream_.native_handle(), "localhost");
}

boost::system::error_code tls_client::connect(std::chrono::seconds timeout) {
  boost::system::error_code ec;
  stream_.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
  if (ec) return ec;
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(stream_.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  stream_.handshake(ssl::stream_base::client, ec);
  if (ec) return ec;
  // In TLS 1.3 the server's verdict on our certificate arrives after the
  // client's handshake completes: a zero-byte-ish probe surfaces it. We peek by
  // doing nothing here; callers see the alert on their first read.
  return ec;
}

response tls_client::request(http::verb method, const std::string& target, const std::string& body,
                             const std::map<std::string, std::string>& headers, unsigned version) {
  http::request<http::string_body> req{method, target, version};
  req.set(http::field::host, "localhost");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == http::verb::post) {
    req.body() = body;
    req.prepare_payload();
  }
  if (version == 10 && headers.find("Connection") == headers.end())
    req.set(http::field::connection, "keep-alive");
  boost::system::error_code ec;
  http::write(stream_, req, ec);
  if (ec) return {};
  return read_response();
}

void tls_client::send_raw(const std::string& bytes) {
  boost::system::error_code ec;
  net::write(stream_, net::buffer(bytes), ec);
}

response tls_client::read_response() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  boost::system::error_code ec;
  http::read(stream_, buffer_, parser, ec);
  if (ec) return {};
  auto msg = parser.release();
  response r;
  r.status = msg.result_int();
  for (const auto& f : msg) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  r.body = msg.body();
  r.keep_alive = msg.keep_alive();
  return r;
}

bool tls_client::closed_by_peer(std::chrono::seconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(stream_.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char c;
  boost::system::error_code ec;
  stream_.read_some(net::buffer(&c, 1), ec);
  if (!ec) return false;
  return ec != net::error::would_block && ec != net::error::try_again && ec != net::error::timed_out;
}

// ------------------------------------------------------------- free_port

std::uint16_t free_port() {
  net::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

// ---------------------------------------------------------- child_process

child_process::~child_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

bool child_process::start(const std::vector<std::string>& argv) {
  if (argv.empty()) return false;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, STDIN_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  out_fd_ = fds[0];
  return pid_ > 0;
}

std::optional<std::string> child_process::read_line(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto nl = pending_.find('\n'); nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{out_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

void child_process::stop(int sig, std::chrono::seconds timeout) {
  if (pid_ <= 0) return;
  ::kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int st = 0;
  while (::waitpid(pid_, &st, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &st, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

bool start_test_idp(child_process& idp, const fs::path& sp_metadata, const fs::path& state,
                    const std::string& entity_id, const std::vector<std::string>& extra) {
  const pki& p = pki::shared();
  std::vector<std::string> argv{"/usr/bin/python3",
                                std::string(POORT_SOURCE_DIR) + "/tests/idp/eh_idp.py",
                                "--pki",
                                p.dir.string(),
                                "--sp-metadata",
                                sp_metadata.string(),
                                "--entity-id",
                                entity_id,
                                "--state-dir",
                                state.string(),
                                "--service-uuid",
                                std::string("1=") + casework_uuid,
                                "--service-uuid",
                                std::string("2=") + signing_uuid,
                                "--service-uuid",
                                std::string("3=") + admin_uuid};
  argv.insert(argv.end(), extra.begin(), extra.end());
  if (!idp.start(argv)) return false;
  auto port = idp.read_line(std::chrono::seconds(60));
  return port && !port->empty();
}

test_idp broker_idp() {
  return {"eherkenning",
          "broker",
          "municipality",
          "idp-signing",
          "text/xml",
          "urn:etoegang:HM:" + pki::shared().oin("IDP") + ":entities:9001",
          {}};
}

test_idp admin_idp() {
  return {"justid",
          "admin",
          "administrator",
          "admin-idp-signing",
          "application/soap+xml",
          "urn:etoegang:HM:" + pki::shared().oin("ADMIN_IDP") + ":entities:9001",
          {"--role", "admin", "--artifact-post"}};
}

test_idp post_broker_idp() {
  return {"eherkenning-post", "post",     "municipality",
          "idp-signing",      "text/xml", "urn:etoegang:HM:" + pki::shared().oin("IDP") + ":entities:9002",
          {"--post-binding"}, true};
}

std::string login_config(const fs::path& dir, const login_config_options& o) {
  const pki& p = pki::shared();
  auto q = [](const fs::path& f) { return "\"" + f.string() + "\""; };
  const std::string oin = p.oin("JUSTID");
  std::ostringstream t;
  t << "allow_test_oins = true\n\n";  // the development PKI has only test OINs
  t << "[daemon]\nthreads = 2\nworker_threads = 8\nweb_root = " << q(fs::path(POORT_SOURCE_DIR) / "web")
    << "\n\n";
  t << "[store]\ndatabase = " << q(dir / "poort.db") << "\n\n";
  t << "[[listener.portal]]\naddresses = [\"127.0.0.1:" << o.portal_port << "\"]\n";
  t << "[[listener.portal.certificate]]\ncertificate = " << q(p.file("portal.crt"))
    << "\nprivate_key = " << q(p.file("portal.key")) << "\n\n";
  t << "[[listener.system]]\naddresses = [\"127.0.0.1:0\"]\nclient_ca_bundle = " << q(p.file("ca.crt"))
    << "\n";
  t << (o.with_crl ? "crl_files = [" + q(p.file("crl.pem")) + "]\n" : std::string("crl_optional = true\n"));
  t << "[[listener.system.certificate]]\ncertificate = " << q(p.file("system.crt"))
    << "\nprivate_key = " << q(p.file("system.key")) << "\n\n";
  t << "[saml]\nenabled = true\nentity_id = \"urn:etoegang:DV:" << oin << ":entities:9000\"\n"
    << "base_url = \"https://localhost:" << o.portal_port << "\"\norganization_name = \"Justid\"\noin = \""
    << oin << "\"\n"
    << "signing_certificate = " << q(p.file("sp-signing.crt"))
    << "\nsigning_key = " << q(p.file("sp-signing.key"))
    << "\ntls_client_certificate = " << q(p.file("sp-tls.crt"))
    << "\ntls_client_key = " << q(p.file("sp-tls.key")) << "\n\n";
  const std::tuple<const char*, int, const char*, const char*> services[] = {
      {"casework", 1, casework_uuid, "Re-integratie gedetineerden"},
      {"signing", 2, signing_uuid, "Aanvraag ondertekenen"},
      {"admin", 3, admin_uuid, "Beheer poort"}};
  for (const auto& [key, index, uuid, name] : services)
    t << "[[saml.service]]\nkey = \"" << key << "\"\nindex = " << index
      << "\nservice_id = \"urn:etoegang:DV:" << oin << ":services:" << index << "\"\nservice_uuid = \""
      << uuid << "\"\nname = \"" << name << "\"\n\n";
  for (const auto& idp : o.idps)
    t << "[[saml.identity_provider]]\nname = \"" << idp.name
      << "\"\nmetadata = " << q(dir / idp.dir / "idp-metadata.xml")
      << "\nmetadata_signing_certificate = " << q(p.file(idp.signer + ".crt")) << "\nrole_mapping = \""
      << idp.role_mapping << "\"\nartifact_resolution_ca = " << q(p.file("ca.crt"))
      << "\nsoap_content_type = \"" << idp.soap_content_type << "\"\n"
      << (idp.accept_post_binding ? "accept_post_binding = true\n" : "") << "\n";
  t << o.extra;
  return t.str();
}

void prepare_test_idps(const fs::path& dir, const std::vector<test_idp>& idps) {
  for (const auto& idp : idps) {
    fs::create_directories(dir / idp.dir);
    write_file(dir / idp.dir / "idp-metadata.xml", "<placeholder/>\n");  // the IdP writes the real one
  }
}

bool start_test_idp(child_process& child, const fs::path& dir, const test_idp& idp) {
  return start_test_idp(child, dir / "sp-metadata.xml", dir / idp.dir, idp.entity_id, idp.args);
}

}  // namespace poort::test
