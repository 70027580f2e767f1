#pragma once
// Byte encodings: hex and base64 (standard and url-safe), and the escaping of
// text for XML and HTML. Pure functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace poort {

using bytes = std::vector<std::uint8_t>;

std::string to_hex(std::span<const std::uint8_t> data);
inline std::string to_hex(std::string_view data) {
  return to_hex(std::span{reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
}
/// Lower- or upper-case hex of even length; nullopt on anything else.
std::optional<bytes> from_hex(std::string_view hex);

std::string base64_encode(std::span<const std::uint8_t> data);
inline std::string base64_encode(std::string_view data) {
  return base64_encode(std::span{reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
}
/// Standard alphabet with padding. Whitespace (space, tab, CR, LF) between
/// characters is skipped, as XML and PEM carry line breaks. nullopt on any
/// other non-alphabet character or a bad length.
std::optional<bytes> base64_decode(std::string_view text);

/// URL-safe alphabet, no padding (RFC 4648 §5).
std::string base64url_encode(std::span<const std::uint8_t> data);
std::optional<bytes> base64url_decode(std::string_view text);

inline std::string_view as_string_view(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// `s` with the five markup characters replaced by references (& < > " '
/// as &amp; &lt; &gt; &quot; &#39;), so that it reads back as itself in XML
/// or HTML text and in a single- or double-quoted attribute. &#39; rather
/// than &apos;, which HTML 4 does not define. Every other byte is copied:
/// the caller brings UTF-8 without the control characters XML 1.0 forbids.
/// An attribute keeps a tab or line break only as a space (XML attribute
/// normalisation), which is what every caller wants.
std::string xml_escape(std::string_view s);

/// Constant-time comparison of two byte strings of possibly different length.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace poort
