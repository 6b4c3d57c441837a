//! Where a webhook may be sent. A channel URL that names this machine or its network
//! (loopback, private, link-local, CGNAT, unique-local, metadata names, single-label names)
//! would let a manage key scan internal ports through "test"; such hosts are refused unless
//! the `WEBHOOK_HOSTS` var names them. The host is read as the WHATWG URL parser (and so
//! fetch) reads it, so `2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` are all 127.0.0.1.
//! A name is not resolved: one whose DNS answer is internal is not caught here.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A URL's host as fetch would connect to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
    /// Lower case, without trailing dots.
    Name(String),
}

/// Why a URL may not receive webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Scheme,
    Credentials,
    Malformed,
    Internal,
    /// `WEBHOOK_HOSTS` is set and does not name the host (checked at delivery only: the
    /// list may grow after a channel is made).
    NotListed,
}

impl Refusal {
    /// Why a channel's `url` is refused, after the field's name in a 400.
    pub fn field_message(self) -> &'static str {
        match self {
            Refusal::Scheme => "must be an http or https URL",
            Refusal::Credentials => "must not carry a user name or password",
            Refusal::Malformed => {
                "must name its host in ASCII (an international name in its xn-- form), with a numeric port if any"
            }
            Refusal::Internal => {
                "must not point at a loopback, private, link-local or other internal address or name (WEBHOOK_HOSTS can allow a host by naming it)"
            }
            Refusal::NotListed => "must point at a host WEBHOOK_HOSTS names",
        }
    }

    /// The fixed phrase a refused delivery records (no connection was made).
    pub fn delivery_error(self) -> &'static str {
        match self {
            Refusal::Scheme => "destination refused: not http or https",
            Refusal::Credentials => "destination refused: credentials in the URL",
            Refusal::Malformed => "destination refused: malformed URL",
            Refusal::Internal => "destination refused: internal address",
            Refusal::NotListed => "destination host is not in WEBHOOK_HOSTS",
        }
    }
}

/// The `WEBHOOK_HOSTS` var: comma-separated hosts, the only ones webhooks may go to when
/// any is named; unset, empty or blank means any host that is not internal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookHosts(Vec<Host>);

impl WebhookHosts {
    pub fn from_var(var: Option<&str>) -> Self {
        let entries = var.unwrap_or_default().split(',').map(str::trim);
        // An entry that is no host ("*.example.com", "host:443") names nothing.
        Self(
            entries
                .filter_map(|e| match e.contains(':') && !e.starts_with('[') {
                    true => parse_host(&format!("[{e}]")),
                    false => parse_host(e),
                })
                .collect(),
        )
    }

    fn is_set(&self) -> bool {
        !self.0.is_empty()
    }

    fn names(&self, host: &Host) -> bool {
        self.0.contains(host)
    }
}

/// Whether a channel may be created at `url`: an http(s) URL without credentials whose host
/// is not internal, or is named by `WEBHOOK_HOSTS`.
pub fn check_channel_url(url: &str, hosts: &WebhookHosts) -> Result<(), Refusal> {
    allow(url_host(url)?, hosts, false)
}

/// Whether a delivery may be sent to `url` now: as for a channel, and when `WEBHOOK_HOSTS`
/// is set, only to a host it names.
pub fn check_delivery_url(url: &str, hosts: &WebhookHosts) -> Result<(), Refusal> {
    allow(url_host(url)?, hosts, true)
}

/// The same check on a host as another parser (the runtime's) read it, so that a
/// difference between the two readings can never open a host.
pub fn check_delivery_host(host: &str, hosts: &WebhookHosts) -> Result<(), Refusal> {
    allow(parse_host(host).ok_or(Refusal::Malformed)?, hosts, true)
}

fn allow(host: Host, hosts: &WebhookHosts, only_listed: bool) -> Result<(), Refusal> {
    if hosts.names(&host) {
        Ok(())
    } else if only_listed && hosts.is_set() {
        Err(Refusal::NotListed)
    } else if is_internal(&host) {
        Err(Refusal::Internal)
    } else {
        Ok(())
    }
}

/// The host of an http(s) URL as fetch reads it; credentials, odd ports and anything the
/// WHATWG parser would read differently from this one are refused.
pub fn url_host(url: &str) -> Result<Host, Refusal> {
    let (scheme, rest) = url.split_once(':').ok_or(Refusal::Scheme)?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(Refusal::Scheme);
    }
    // The WHATWG parser drops tabs and newlines anywhere and trims spaces and controls.
    if url.chars().any(|c| c <= ' ' || c.is_control()) {
        return Err(Refusal::Malformed);
    }
    let rest = rest.strip_prefix("//").ok_or(Refusal::Malformed)?;
    // For http(s), a backslash ends the authority as a slash does.
    let authority = &rest[..rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return Err(Refusal::Credentials);
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let end = v6.find(']').ok_or(Refusal::Malformed)? + 1;
            (&authority[..=end], &authority[end + 1..])
        }
        None => authority.split_at(authority.find(':').unwrap_or(authority.len())),
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => {
            digits.is_empty() || (digits.bytes().all(|b| b.is_ascii_digit()) && digits.parse::<u16>().is_ok())
        }
    };
    if !port_ok {
        return Err(Refusal::Malformed);
    }
    parse_host(host).ok_or(Refusal::Malformed)
}

/// A host as written in a URL: `[v6]`, an IPv4 address in any spelling the WHATWG parser
/// takes, or an ASCII name. `None` for what fetch would refuse or read otherwise (a name
/// ending in a number that is no IPv4 address, percent escapes, non-ASCII text).
pub fn parse_host(text: &str) -> Option<Host> {
    if let Some(inner) = text.strip_prefix('[') {
        return inner.strip_suffix(']')?.parse().ok().map(Host::V6);
    }
    let lower = text.to_ascii_lowercase();
    if lower.is_empty() || !lower.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
        return None;
    }
    if ends_in_a_number(&lower) {
        return parse_ipv4(&lower).map(Host::V4);
    }
    let name = lower.trim_end_matches('.');
    (!name.is_empty()).then(|| Host::Name(name.to_string()))
}

/// The WHATWG "ends in a number" test: whether the host must be read as IPv4.
fn ends_in_a_number(host: &str) -> bool {
    let mut parts: Vec<&str> = host.split('.').collect();
    if parts.last() == Some(&"") {
        if parts.len() == 1 {
            return false;
        }
        parts.pop();
    }
    let last = parts.last().copied().unwrap_or_default();
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())) || ipv4_number(last).is_some()
}

/// One part of an IPv4 address: decimal, octal after a leading `0`, hex after `0x`.
fn ipv4_number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        (hex, 16)
    } else if let Some(octal) = part.strip_prefix('0') {
        (octal, 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        return Some(0);
    }
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Past 2^32 no part can be valid; saturate instead of overflowing.
    Some(u64::from_str_radix(digits, radix).unwrap_or(u64::MAX))
}

/// The WHATWG IPv4 parser: one to four parts, every part but the last a byte, the last
/// filling the remaining bytes (`127.1` is 127.0.0.1, `2130706433` too).
fn parse_ipv4(host: &str) -> Option<Ipv4Addr> {
    let mut parts: Vec<&str> = host.split('.').collect();
    if parts.last() == Some(&"") {
        parts.pop();
    }
    if parts.len() > 4 {
        return None;
    }
    let numbers = parts.iter().map(|p| ipv4_number(p)).collect::<Option<Vec<u64>>>()?;
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|&n| n > 255) || *last >= 256u64.pow(5 - numbers.len() as u32) {
        return None;
    }
    let address = init
        .iter()
        .enumerate()
        .fold(*last, |acc, (i, &n)| acc + (n << (8 * (3 - i))));
    Some(Ipv4Addr::from(address as u32))
}

/// Whether the host is this machine, its network, or anything else not on the public
/// internet: special-purpose IPv4 ranges, IPv6 outside the public part of global unicast,
/// and names only a local resolver answers.
pub fn is_internal(host: &Host) -> bool {
    match host {
        Host::V4(a) => is_internal_v4(*a),
        Host::V6(a) => is_internal_v6(*a),
        Host::Name(name) => is_internal_name(name),
    }
}

fn in_v4(a: Ipv4Addr, network: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(a) & mask == u32::from(Ipv4Addr::from(network)) & mask
}

fn is_internal_v4(a: Ipv4Addr) -> bool {
    const RANGES: [([u8; 4], u32); 15] = [
        ([0, 0, 0, 0], 8),       // "this network", unspecified
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // CGNAT shared space
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation
        ([192, 88, 99, 0], 24),  // 6to4 relay
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation
        ([203, 0, 113, 0], 24),  // documentation
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, broadcast
    ];
    RANGES.iter().any(|&(network, prefix)| in_v4(a, network, prefix))
}

/// Only global unicast (2000::/3) is public, less Teredo (2001::/32), documentation
/// (2001:db8::/32) and 6to4 (2002::/16). Everything else is internal, which takes in the
/// IPv6 forms of IPv4 addresses (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64
/// `64:ff9b::a.b.c.d`, whatever address they carry) with loopback, unique-local,
/// link-local and multicast.
fn is_internal_v6(a: Ipv6Addr) -> bool {
    let [first, second, ..] = a.segments();
    let global_unicast = first & 0xe000 == 0x2000;
    let transition_or_documentation = matches!((first, second), (0x2001, 0) | (0x2001, 0x0db8) | (0x2002, _));
    !global_unicast || transition_or_documentation
}

/// Names that only a local resolver answers: one label (`localhost`, `redis`, `metadata`:
/// search domains turn them into internal names), and the special-use and private suffixes.
fn is_internal_name(name: &str) -> bool {
    const SUFFIXES: [&str; 6] = ["localhost", "internal", "local", "localdomain", "home.arpa", "lan"];
    !name.contains('.')
        || SUFFIXES
            .iter()
            .any(|s| name == *s || name.strip_suffix(s).is_some_and(|rest| rest.ends_with('.')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> WebhookHosts {
        WebhookHosts::from_var(None)
    }

    fn channel(url: &str) -> Result<(), Refusal> {
        check_channel_url(url, &open())
    }

    fn v4(text: &str) -> Option<Host> {
        Some(Host::V4(text.parse().unwrap()))
    }

    #[test]
    fn public_hosts_are_allowed() {
        for url in [
            "https://hooks.example.com/edgebeat?x=1",
            "http://hooks.example.com:8080/",
            "https://93.184.216.34/",
            "https://[2606:4700::6810:85e5]/hook",
            "https://xn--bcher-kva.example/",
            "https://hooks.example.com./",
            "HTTPS://Hooks.Example.COM/",
            "https://8.8.8.8:/",
        ] {
            assert_eq!(channel(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn loopback_is_internal() {
        for url in [
            "http://127.0.0.1:6379/",
            "http://127.255.255.254/",
            "http://[::1]/",
            "http://[0:0:0:0:0:0:0:1]/",
        ] {
            assert_eq!(channel(url), Err(Refusal::Internal), "{url}");
        }
    }

    #[test]
    fn private_ranges_are_internal() {
        for url in [
            "http://10.0.0.5/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
        ] {
            assert_eq!(channel(url), Err(Refusal::Internal), "{url}");
        }
        assert_eq!(channel("http://172.32.0.1/"), Ok(()), "just past 172.16/12");
        assert_eq!(channel("http://11.0.0.1/"), Ok(()));
    }

    #[test]
    fn link_local_and_metadata_addresses_are_internal() {
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[fe80::1]/",
            "http://[febf::1]/",
        ] {
            assert_eq!(channel(url), Err(Refusal::Internal), "{url}");
        }
    }

    #[test]
    fn cgnat_and_unique_local_are_internal() {
        for url in [
            "http://100.64.0.1/",
            "http://100.127.255.255/",
            "http://[fc00::1]/",
            "http://[fd12:3456::1]/",
        ] {
            assert_eq!(channel(url), Err(Refusal::Internal), "{url}");
        }
        assert_eq!(channel("http://100.128.0.1/"), Ok(()), "just past 100.64/10");
    }

    #[test]
    fn unspecified_multicast_and_broadcast_are_internal() {
        for url in [
            "http://0.0.0.0/",
            "http://0.1.2.3/",
            "http://[::]/",
            "http://224.0.0.1/",
            "http://239.255.255.250/",
            "http://255.255.255.255/",
            "http://240.0.0.1/",
            "http://[ff02::1]/",
        ] {
            assert_eq!(channel(url), Err(Refusal::Internal), "{url}");
        }
    }

    #[test]
    fn ipv6_forms_of_ipv4_addresses_are_internal_whatever_address_they_carry() {
        for url in [
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[::127.0.0.1]/",
            "http://[::ffff:0:10.0.0.1]/",
            "http://[64:ff9b::169.254.169.254]/",
            "http://[::ffff:8.8.8.8]/",
            "http://[64:ff9b::8.8.8.8]/",
        ] {
            assert_eq!(channel(url), Err(Refusal::Internal), "{url}");
        }
    }

    #[test]
    fn ipv6_is_public_only_in_global_unicast_outside_the_transition_and_documentation_ranges() {
        for url in [
            "http://[2001::1]/",
            "http://[2001:0:a9fe::1]/",
            "http://[2001:db8::1]/",
            "http://[2002:808:808::]/",
            "http://[2002:a00:1::]/",
            "http://[4000::1]/",
            "http://[1fff::1]/",
        ] {
            assert_eq!(channel(url), Err(Refusal::Internal), "{url}");
        }
        for url in [
            "http://[2001:4860:4860::8888]/",
            "http://[2001:1::1]/",
            "http://[2400:cb00::1]/",
            "http://[3fff::1]/",
            "http://[2003::1]/",
        ] {
            assert_eq!(channel(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn odd_ipv4_spellings_are_read_as_fetch_reads_them() {
        for (host, address) in [
            ("2130706433", "127.0.0.1"),
            ("0177.0.0.1", "127.0.0.1"),
            ("0x7f.1", "127.0.0.1"),
            ("0X7F.0.0.1", "127.0.0.1"),
            ("127.1", "127.0.0.1"),
            ("127.0.1", "127.0.0.1"),
            ("127.0.0.1.", "127.0.0.1"),
            ("0xa9fea9fe", "169.254.169.254"),
            ("0", "0.0.0.0"),
            ("0x", "0.0.0.0"),
            ("10.0x0.0", "10.0.0.0"),
            ("8.8.8.8", "8.8.8.8"),
        ] {
            assert_eq!(parse_host(host), v4(address), "{host}");
        }
        // For http(s) a backslash ends the host as a slash does: this is 127.0.0.1.
        let backslash = "http://127.0.0.1\\.example.com/";
        for url in [
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://0x7f000001:80/",
            backslash,
        ] {
            assert_eq!(channel(url), Err(Refusal::Internal), "{url}");
        }
    }

    #[test]
    fn hosts_ending_in_a_number_that_are_no_address_are_malformed() {
        for host in [
            "1.2.3.4.5",
            "256.0.0.1",
            "1.2.3.256",
            "1.16777216",
            "4294967296",
            "08.0.0.1",
            "0x1g.1",
            "1..2",
            "foo.0x",
            "example.123",
        ] {
            assert_eq!(parse_host(host), None, "{host}");
        }
        assert_eq!(parse_host("1.2.3.4294967295"), None);
        assert_eq!(parse_host("1.16777215"), v4("1.255.255.255"));
        assert_eq!(parse_host("example.123x"), Some(Host::Name("example.123x".into())));
        // An empty last label is dropped once; a second one makes no number either.
        assert_eq!(parse_host("example.com.."), Some(Host::Name("example.com".into())));
        assert_eq!(parse_host("localhost.."), Some(Host::Name("localhost".into())));
    }

    #[test]
    fn local_names_are_internal() {
        for url in [
            "http://localhost/",
            "http://LOCALHOST:8080/",
            "http://localhost./",
            "http://api.localhost/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://printer.local/",
            "http://router.home.arpa/",
            "http://redis:6379/",
            "http://metadata/",
        ] {
            assert_eq!(channel(url), Err(Refusal::Internal), "{url}");
        }
        assert_eq!(channel("http://notlocal/"), Err(Refusal::Internal), "one label");
        assert_eq!(channel("https://internal.example.com/"), Ok(()));
        assert_eq!(channel("https://mylocal.com/"), Ok(()));
    }

    #[test]
    fn only_http_and_https_are_sent_to() {
        for url in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "gopher://example.com/",
            "javascript:alert(1)",
            "no scheme",
            "",
        ] {
            assert_eq!(channel(url), Err(Refusal::Scheme), "{url}");
        }
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        for url in [
            "http://user:pass@hooks.example.com/",
            "https://hooks.example.com@127.0.0.1/",
            "http://@example.com/",
        ] {
            assert_eq!(channel(url), Err(Refusal::Credentials), "{url}");
        }
        assert_eq!(
            channel("https://example.com/a@b"),
            Ok(()),
            "an @ in the path is no credential"
        );
    }

    #[test]
    fn what_fetch_would_read_differently_is_malformed() {
        for url in [
            // WHATWG skips extra slashes and backslashes before the host.
            "http:///127.0.0.1/",
            "http:\\\\127.0.0.1/",
            "http:127.0.0.1/",
            // Percent escapes and international text in a host are decoded by fetch.
            "http://%31%32%37.0.0.1/",
            "http://１２７.０.０.１/",
            "http://example.com:port/",
            "http://example.com:65536/",
            "http://[::1/",
            "http://[fe80::1%25eth0]/",
            "http://exa mple.com/",
            "http://example.com\t/",
            "https://example.com/a b",
            "https://example.com/\u{85}",
            "http:///",
            "http://",
        ] {
            assert_eq!(channel(url), Err(Refusal::Malformed), "{url}");
        }
    }

    #[test]
    fn webhook_hosts_opens_the_hosts_it_names_and_only_those() {
        let hosts = WebhookHosts::from_var(Some(" 127.0.0.1 , localhost,[::1], fd00::5,*.example.com"));
        for url in [
            "http://127.0.0.1:9/",
            "http://127.1:9/",
            "http://2130706433/",
            "http://LocalHost/",
            "http://[::1]/",
            "http://[fd00::5]/",
        ] {
            assert_eq!(check_channel_url(url, &hosts), Ok(()), "{url}");
            assert_eq!(check_delivery_url(url, &hosts), Ok(()), "{url}");
        }
        assert_eq!(check_channel_url("http://127.0.0.2/", &hosts), Err(Refusal::Internal));
        assert_eq!(
            check_channel_url("http://api.localhost/", &hosts),
            Err(Refusal::Internal)
        );
        // A public host is a channel, but with a list set it is sent to only when named.
        assert_eq!(check_channel_url("https://hooks.example.com/", &hosts), Ok(()));
        assert_eq!(
            check_delivery_url("https://hooks.example.com/", &hosts),
            Err(Refusal::NotListed)
        );
        assert_eq!(check_delivery_url("http://127.0.0.2/", &hosts), Err(Refusal::NotListed));
    }

    #[test]
    fn an_unset_or_blank_webhook_hosts_allows_public_hosts_only() {
        for var in [None, Some(""), Some(" , ")] {
            let hosts = WebhookHosts::from_var(var);
            assert_eq!(check_delivery_url("https://hooks.example.com/", &hosts), Ok(()));
            assert_eq!(check_delivery_url("http://127.0.0.1/", &hosts), Err(Refusal::Internal));
        }
    }

    #[test]
    fn credentials_and_schemes_are_refused_even_for_a_listed_host() {
        let hosts = WebhookHosts::from_var(Some("127.0.0.1"));
        assert_eq!(
            check_delivery_url("http://u:p@127.0.0.1/", &hosts),
            Err(Refusal::Credentials)
        );
        assert_eq!(check_delivery_url("ftp://127.0.0.1/", &hosts), Err(Refusal::Scheme));
    }

    #[test]
    fn the_runtimes_reading_of_a_host_is_checked_the_same_way() {
        let hosts = WebhookHosts::from_var(None);
        assert_eq!(check_delivery_host("127.0.0.1", &hosts), Err(Refusal::Internal));
        assert_eq!(check_delivery_host("[::ffff:7f00:1]", &hosts), Err(Refusal::Internal));
        assert_eq!(check_delivery_host("hooks.example.com", &hosts), Ok(()));
        assert_eq!(check_delivery_host("", &hosts), Err(Refusal::Malformed));
    }

    #[test]
    fn refusals_read_as_fixed_phrases() {
        assert_eq!(
            Refusal::Internal.delivery_error(),
            "destination refused: internal address"
        );
        assert_eq!(
            Refusal::NotListed.delivery_error(),
            "destination host is not in WEBHOOK_HOSTS"
        );
        assert!(Refusal::Internal.field_message().contains("WEBHOOK_HOSTS"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// An IPv4 address spelled as the WHATWG parser accepts it: 1 to 4 parts, each in
    /// decimal, octal or hex, the last filling the remaining bytes.
    fn spelled(address: u32, parts: usize, radixes: &[u8]) -> String {
        let bytes = address.to_be_bytes();
        let mut numbers: Vec<u64> = bytes[..parts - 1].iter().map(|&b| u64::from(b)).collect();
        numbers.push(bytes[parts - 1..].iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b)));
        numbers
            .iter()
            .zip(radixes)
            .map(|(&n, radix)| match radix % 3 {
                0 => n.to_string(),
                1 => format!("0{n:o}"),
                _ => format!("0x{n:x}"),
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    proptest! {
        #[test]
        fn every_spelling_of_an_address_is_that_address(address in any::<u32>(), parts in 1usize..=4, radixes in prop::collection::vec(any::<u8>(), 4)) {
            let text = spelled(address, parts, &radixes);
            prop_assert_eq!(parse_host(&text), Some(Host::V4(Ipv4Addr::from(address))), "{}", text);
        }

        #[test]
        fn every_spelling_of_a_loopback_or_private_address_is_refused(
            low in any::<u32>(),
            network in prop::sample::select(vec![(0x7f00_0000u32, 8u32), (0x0a00_0000, 8), (0xa9fe_0000, 16), (0xc0a8_0000, 16), (0xac10_0000, 12), (0x6440_0000, 10)]),
            parts in 1usize..=4,
            radixes in prop::collection::vec(any::<u8>(), 4),
        ) {
            let (base, prefix) = network;
            let address = base | (low >> prefix);
            let url = format!("http://{}/", spelled(address, parts, &radixes));
            prop_assert_eq!(check_channel_url(&url, &WebhookHosts::default()), Err(Refusal::Internal), "{}", url);
            let mapped = format!("http://[::ffff:{}]/", Ipv4Addr::from(address));
            prop_assert_eq!(check_channel_url(&mapped, &WebhookHosts::default()), Err(Refusal::Internal), "{}", mapped);
        }

        #[test]
        fn any_text_is_refused_or_has_a_host_that_is_not_internal(url in any::<String>()) {
            if check_delivery_url(&url, &WebhookHosts::default()).is_ok() {
                let host = url_host(&url).unwrap();
                prop_assert!(!is_internal(&host));
            }
        }

        #[test]
        fn url_like_text_never_panics_and_internal_hosts_never_pass(
            scheme in "(https?|HTTP|ftp)",
            slashes in "(//|/|\\\\\\\\|///)",
            userinfo in prop::option::of("[a-z:]{0,6}@"),
            host in "[a-z0-9.\\[\\]:%x]{0,20}",
            rest in "([/?#\\\\][a-z@.:]{0,10})?",
        ) {
            let url = format!("{scheme}:{slashes}{}{host}{rest}", userinfo.unwrap_or_default());
            if let Ok(()) = check_channel_url(&url, &WebhookHosts::default()) {
                let parsed = url_host(&url).unwrap();
                prop_assert!(!is_internal(&parsed), "{}", url);
            }
        }
    }
}
