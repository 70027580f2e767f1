#pragma once
// Validation of the Dutch identifiers of the exchange (domain.md §4).
//
// Each `validate_*` returns success or the one reason code of its kind
// (`error::bsn_invalid`, ...). The value itself never appears in an error, so
// callers may log the code. Input is taken exactly as given: no trimming, no
// case folding except where stated.
//
// Thread safety: pure functions, reentrant.

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "domain/error.hpp"

namespace poort::domain {

/// The "elfproef" of BSN and RSIN: `9*d1 + 8*d2 + ... + 2*d8 - 1*d9` is a
/// multiple of 11. REQUIRES: `digits` is exactly 9 ASCII digits.
bool passes_eleven_test(std::string_view digits) noexcept;

/// Burgerservicenummer: exactly 9 digits, passes the eleven-test, not all zeros.
/// Failure: `bsn_invalid`.
result<void> validate_bsn(std::string_view bsn) noexcept;

/// RSIN (Handelsregister): exactly 9 digits, the same eleven-test as the BSN,
/// not all zeros. Failure: `rsin_invalid`.
result<void> validate_rsin(std::string_view rsin) noexcept;

/// KvK number: exactly 8 digits (there is no public check digit), not all
/// zeros. Failure: `kvk_invalid`.
result<void> validate_kvk(std::string_view kvk) noexcept;

/// OIN: 20 digits = prefix (8) + main number + suffix (Logius OIN-stelsel):
///   - `00000001` + RSIN (9 digits, eleven-test) + `000`
///   - `00000003` + KvK number (8 digits) + `0000`
///   - `00000002`, `00000004`, `00000006`, `00000099` (test) + any 12 digits.
/// Any other prefix, a non-digit or another length fails: `oin_invalid`.
/// (Alphanumeric main numbers, which the standard allows, are not accepted:
/// PKIoverheid certificates of the parties in this exchange carry digits.)
result<void> validate_oin(std::string_view oin) noexcept;

/// "00000001" + rsin + "000". Failure: `rsin_invalid` when `rsin` is invalid.
result<std::string> oin_from_rsin(std::string_view rsin);

/// "00000003" + kvk + "0000". Failure: `kvk_invalid` when `kvk` is invalid.
result<std::string> oin_from_kvk(std::string_view kvk);

/// Whether `oin` carries the test prefix `00000099` (anyone may use these;
/// the test PKI does). Says nothing about the rest of the OIN.
bool is_test_oin(std::string_view oin) noexcept;

/// CBS gemeentecode: "GM" (upper case) + 4 digits, not "GM0000".
/// Failure: `gemeentecode_invalid`.
result<void> validate_gemeentecode(std::string_view code) noexcept;

/// A UUID in the canonical 8-4-4-4-12 form of hex digits, all lower case or
/// all upper case (not mixed), not the nil UUID. Any version and variant.
/// Failure: `uuid_invalid`.
result<void> validate_uuid(std::string_view uuid) noexcept;

/// The lower-case form of a valid UUID: the form in which poort stores and
/// compares berichtIds (RFC 9562 §4: case-insensitive on input).
/// Failure: `uuid_invalid`.
result<std::string> normalize_uuid(std::string_view uuid);

/// Vestigingsnummer (KvK establishment number): exactly 12 digits, not all
/// zeros. Failure: `vestigingsnummer_invalid`.
result<void> validate_vestigingsnummer(std::string_view number) noexcept;

}  // namespace poort::domain
