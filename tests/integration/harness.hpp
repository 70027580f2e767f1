#pragma once
// Test harness for integration tests: a generated PKI (scripts/pki), the real
// poortd binary started as a child process on 127.0.0.1 with port 0, and a
// small synchronous TLS/HTTP client. Loopback only.

#include <signal.h>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace poort::test {

namespace fs = std::filesystem;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

/// A fresh temporary directory, removed with the object.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// The development PKI of scripts/pki, generated once per test binary.
struct pki {
  fs::path dir;
  std::map<std::string, std::string> env;  ///< oins.env
  static const pki& shared();
  fs::path file(const std::string& name) const { return dir / name; }
  std::string oin(const std::string& who) const { return env.at(who + "_OIN"); }
};

/// Knobs for the generated config.
struct daemon_options {
  std::string portal_limits;                  ///< TOML lines for [listener.portal.limits]
  std::string system_limits;                  ///< TOML lines for [listener.system.limits]
  std::string extra;                          ///< appended TOML (e.g. [shutdown])
  std::string prison_organisation;            ///< when set, the `organisation` of both pi-1 and pi-2
  bool with_crl = true;                       ///< false: no crl_files, and crl_optional = true
  bool allow_test_oins = true;                ///< the development PKI has only test OINs
  std::string system_certificate = "system";  ///< PKI name of the system listener's certificate
};

/// Writes a poort.toml for the shared PKI into `dir` and returns its path.
fs::path write_config(const fs::path& dir, const daemon_options& o = {});

/// The real poortd, as a child process.
class daemon_process {
 public:
  explicit daemon_process(fs::path config);
  ~daemon_process();
  daemon_process(const daemon_process&) = delete;

  /// Starts poortd and waits (at most `timeout`) for `server.ready`.
  bool start(std::chrono::seconds timeout = std::chrono::seconds(30));
  /// Sends `sig` and waits for the exit; returns the exit status (or 128+signal).
  int stop(int sig = SIGTERM, std::chrono::seconds timeout = std::chrono::seconds(30));
  void signal(int sig);
  /// Waits until a log line containing `needle` appears after line `from`.
  bool wait_for(const std::string& needle, std::size_t from = 0,
                std::chrono::seconds timeout = std::chrono::seconds(20));
  std::size_t line_count();
  std::vector<std::string> lines();
  bool running() const { return pid_ > 0; }

  std::uint16_t portal_port() const { return portal_port_; }
  std::uint16_t system_port() const { return system_port_; }

 private:
  void reader();
  fs::path config_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false;
  std::uint16_t portal_port_ = 0;
  std::uint16_t system_port_ = 0;
};

struct response {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;
  bool keep_alive = false;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

/// A synchronous TLS client for one connection.
class tls_client {
 public:
  /// `client` is a PKI name ("pi-1") or empty for no client certificate.
  tls_client(std::uint16_t port, const std::string& client = "");
  /// TCP connect and TLS handshake; the error, if any.
  boost::system::error_code connect(std::chrono::seconds timeout = std::chrono::seconds(10));
  /// Sends one request and reads one response.
  response request(http::verb method, const std::string& target, const std::string& body = "",
                   const std::map<std::string, std::string>& headers = {}, unsigned version = 11);
  /// Sends raw bytes (for framing tests).
  void send_raw(const std::string& bytes);
  /// Reads one response; status 0 when the connection closed first.
  response read_response();
  /// True when the server has closed the connection (reads EOF/reset) within `timeout`.
  bool closed_by_peer(std::chrono::seconds timeout = std::chrono::seconds(10));
  ssl::stream<tcp::socket>& stream() { return stream_; }

 private:
  net::io_context ioc_;
  ssl::context ctx_;
  ssl::stream<tcp::socket> stream_;
  boost::beast::flat_buffer buffer_;
  std::uint16_t port_;
};

/// Where a redirect points: the port and the target (path and query) of an
/// "https://host:port/..." URL; port 0 when it is not one.
struct location {
  std::uint16_t port = 0;
  std::string target;
};
location parse_location(const std::string& url);

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view s);
/// Undoes the HTML escapes a server puts in attribute values (&quot; &#x27; &#39; &lt; &gt; &amp;).
std::string html_unescape(std::string s);
/// Writes `text` to `f`, replacing it.
void write_file(const fs::path& f, const std::string& text);

/// Path of a built program (e.g. "daemon/poortd").
fs::path binary(const std::string& relative);

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read
/// it, close): for a daemon whose public URL must be known before it starts.
std::uint16_t free_port();

/// Another program as a child process (e.g. the test IdP): stdout is read line
/// by line, stderr goes to the test's stderr. Killed (SIGKILL) when destroyed.
class child_process {
 public:
  child_process() = default;
  ~child_process();
  child_process(const child_process&) = delete;

  /// Starts `argv[0]` with `argv`. False when it cannot be started.
  bool start(const std::vector<std::string>& argv);
  /// The next line on its stdout, or nullopt at EOF or after `timeout`.
  std::optional<std::string> read_line(std::chrono::seconds timeout = std::chrono::seconds(30));
  /// Sends `sig` and waits for the exit (SIGKILL after `timeout`).
  void stop(int sig = SIGTERM, std::chrono::seconds timeout = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string pending_;
};

/// The ServiceUUIDs the test IdP sends for our three services (index 1, 2, 3).
inline constexpr const char* casework_uuid = "6f2c1e8a-3b4d-4c5e-9f60-718293a4b5c6";
inline constexpr const char* signing_uuid = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
inline constexpr const char* admin_uuid = "5b8e2f41-9c3a-4d7e-8f12-3a4b5c6d7e8f";

/// Starts the test IdP (tests/idp/eh_idp.py) with the shared PKI, the SP
/// metadata in `sp_metadata`, `entity_id`, its state in `state` and `extra`
/// arguments. True once it has printed its port (it has then written
/// `state`/idp-metadata.xml).
bool start_test_idp(child_process& idp, const fs::path& sp_metadata, const fs::path& state,
                    const std::string& entity_id, const std::vector<std::string>& extra);

/// A test IdP as the login tests run it and as poortd's config names it.
struct test_idp {
  std::string name;                  ///< its [[saml.identity_provider]] name
  std::string dir;                   ///< its state directory, below the test's directory
  std::string role_mapping;          ///< "municipality" or "administrator"
  std::string signer;                ///< PKI name of its metadata signing certificate
  std::string soap_content_type;     ///< of our ArtifactResolve to it
  std::string entity_id;             ///< urn:etoegang:HM:<OIN>:entities:<n>
  std::vector<std::string> args;     ///< extra eh_idp.py arguments
  bool accept_post_binding = false;  ///< may answer with the HTTP-POST binding
};
/// The eHerkenning broker for municipalities: the artifact by a 303.
test_idp broker_idp();
/// Justid's IdP for administrators: the artifact by a POST form, resolved
/// with application/soap+xml.
test_idp admin_idp();
/// A second broker for municipalities, answering with the HTTP-POST binding.
test_idp post_broker_idp();

/// Knobs for `login_config`.
struct login_config_options {
  std::uint16_t portal_port = 0;  ///< fixed: the IdPs know our ACS URL before poortd starts
  std::vector<test_idp> idps;
  bool with_crl = false;  ///< the PKI's CRL on the system listener
  std::string extra;      ///< appended TOML (e.g. [session], [email])
};

/// A poort.toml, as text, for the shared PKI and the test IdPs: the portal on
/// 127.0.0.1:`portal_port` (the SP's base URL https://localhost:<port>), the
/// system listener on port 0, the database `dir`/poort.db, our SAML SP
/// (Justid's OIN) with the three services of casework_uuid, signing_uuid and
/// admin_uuid (index 1, 2, 3), and one [[saml.identity_provider]] per IdP,
/// its metadata in `dir`/<idp.dir>/idp-metadata.xml.
std::string login_config(const fs::path& dir, const login_config_options& o);

/// Creates each IdP's state directory below `dir` with a placeholder metadata
/// file, so that the config loads (`poortctl sp-metadata`) before the IdPs,
/// started with our SP metadata, write theirs.
void prepare_test_idps(const fs::path& dir, const std::vector<test_idp>& idps);

/// Starts `idp` with its state in `dir`/<idp.dir> and our SP metadata from
/// `dir`/sp-metadata.xml. True once it has written its metadata.
bool start_test_idp(child_process& child, const fs::path& dir, const test_idp& idp);

}  // namespace poort::test
