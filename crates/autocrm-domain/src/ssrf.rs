//! Where outbound requests (webhooks) may go.
//!
//! A destination is refused when its host is, or resolves to, an address in a
//! loopback, private, link-local, CGNAT, unique-local, multicast, documentation
//! or otherwise non-public range, in any spelling: the WHATWG URL parser turns
//! decimal, octal and hex IPv4 forms into dotted quads, and IPv4-mapped,
//! -compatible, NAT64 and 6to4 IPv6 forms are checked by the IPv4 inside them.
//! An explicit allow-list (configuration) overrides the refusal, which tests
//! use for loopback receivers. The check runs at save and again at send, on
//! the very address the connection is pinned to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use url::{Host, Url};

/// Why a destination was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    /// Not an absolute http(s) URL.
    #[error("must be an absolute http or https URL")]
    BadUrl,
    /// Credentials in the URL would leak into logs.
    #[error("must not contain a user name or password")]
    Credentials,
    /// The host is or resolves to a forbidden address.
    #[error("resolves to a non-public address ({0})")]
    Forbidden(IpAddr),
    /// `localhost` and friends.
    #[error("points at this machine")]
    LocalName,
    /// The host did not resolve.
    #[error("host does not resolve")]
    Unresolvable,
}

/// Networks that are allowed despite being non-public.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(pub Vec<IpNet>);

impl AllowList {
    /// Parses `127.0.0.0/8,::1/128` (commas or spaces; a bare address means a single host).
    pub fn parse(s: &str) -> Result<Self, String> {
        s.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<IpNet>()
                    .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{p}` is not a network"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether `ip` is inside an allowed network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }
}

/// Parses a destination URL and checks what can be checked without DNS.
/// Returns the URL and, for IP-literal hosts, the address.
pub fn parse_destination(raw: &str, allow: &AllowList) -> Result<(Url, Option<IpAddr>), DestinationError> {
    let url = Url::parse(raw.trim()).map_err(|_| DestinationError::BadUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(DestinationError::BadUrl);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(DestinationError::Credentials);
    }
    let ip = match url.host() {
        None => return Err(DestinationError::BadUrl),
        Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
        Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            let local_suffix = [".localhost", ".local", ".internal"].iter().any(|suffix| d.ends_with(suffix));
            if d == "localhost" || local_suffix {
                // Names can still be allowed by pinning: the check happens on the resolved address.
                if !allow.contains(IpAddr::V4(Ipv4Addr::LOCALHOST)) {
                    return Err(DestinationError::LocalName);
                }
            }
            None
        }
    };
    if let Some(ip) = ip {
        check_ip(ip, allow)?;
    }
    Ok((url, ip))
}

/// Refuses `ip` unless it is public or allow-listed.
pub fn check_ip(ip: IpAddr, allow: &AllowList) -> Result<(), DestinationError> {
    if allow.contains(ip) || is_public(ip) { Ok(()) } else { Err(DestinationError::Forbidden(ip)) }
}

/// Whether an address is globally routable unicast.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let private = a == 0                                   // "this" network
        || a == 10                                          // RFC 1918
        || (a == 100 && (64..128).contains(&b))             // CGNAT 100.64/10
        || a == 127                                         // loopback
        || (a == 169 && b == 254)                           // link-local
        || (a == 172 && (16..32).contains(&b))              // RFC 1918
        || (a == 192 && b == 0 && (c == 0 || c == 2))       // IETF protocol assignments, TEST-NET-1
        || (a == 192 && b == 88 && c == 99)                 // 6to4 relay anycast
        || (a == 192 && b == 168)                           // RFC 1918
        || (a == 198 && (b == 18 || b == 19))               // benchmarking
        || (a == 198 && b == 51 && c == 100)                // TEST-NET-2
        || (a == 203 && b == 0 && c == 113)                 // TEST-NET-3
        || a >= 224; // multicast, reserved, broadcast
    !private
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let seg = ip.segments();
    // Embedded IPv4 forms are judged by the IPv4 address they carry.
    if seg[..5] == [0, 0, 0, 0, 0] && (seg[5] == 0xffff || seg[5] == 0) && !(seg[5] == 0 && seg[6] == 0) {
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated)
        return is_public_v4(v4_from(seg[6], seg[7]));
    }
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
        return is_public_v4(v4_from(seg[6], seg[7])); // NAT64 64:ff9b::/96
    }
    if seg[0] == 0x2002 {
        return is_public_v4(v4_from(seg[1], seg[2])); // 6to4 2002:AABB:CCDD::/48
    }
    let private = ip.is_unspecified()
        || ip.is_loopback()
        || (seg[0] & 0xfe00) == 0xfc00           // unique-local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80           // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0           // site-local (deprecated) fec0::/10
        || (seg[0] & 0xff00) == 0xff00           // multicast
        || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
        || (seg[0] == 0x2001 && seg[1] < 0x200)  // TEREDO, ORCHID and other IETF special purpose
        || seg[0] == 0x0100 && seg[1..4] == [0, 0, 0]; // discard-only 100::/64
    !private
}

fn v4_from(hi: u16, lo: u16) -> Ipv4Addr {
    let [a, b] = hi.to_be_bytes();
    let [c, d] = lo.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The SSRF table: every spelling of a non-public destination is refused.
    #[test]
    fn non_public_destinations_are_refused_in_every_spelling() {
        let none = AllowList::default();
        let refused = [
            "http://127.0.0.1/hook",
            "http://127.1/hook",
            "http://2130706433/hook",   // decimal
            "http://0x7f000001/hook",   // hex
            "http://0x7f.0.0.1/hook",   // hex octet
            "http://0177.0.0.1/hook",   // octal
            "http://017700000001/hook", // octal whole
            "http://0/hook",            // 0.0.0.0
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/", // cloud metadata, link-local
            "http://100.64.0.1/",                       // CGNAT
            "http://100.127.255.254/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://[::1]/",
            "http://[::]/",
            "http://[::ffff:127.0.0.1]/", // IPv4-mapped
            "http://[::ffff:7f00:1]/",
            "http://[::ffff:169.254.169.254]/",
            "http://[::127.0.0.1]/",       // IPv4-compatible
            "http://[64:ff9b::10.0.0.1]/", // NAT64
            "http://[2002:7f00:1::]/",     // 6to4 of 127.0.0.1
            "http://[fc00::1]/",           // unique-local
            "http://[fd12:3456::1]/",
            "http://[fe80::1]/", // link-local
            "http://[ff02::1]/",
            "http://localhost/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "ftp://example.com/",
            "file:///etc/passwd",
            "http://user:pw@example.com/",
            "not a url",
        ];
        for url in refused {
            assert!(parse_destination(url, &none).is_err(), "{url} was accepted");
        }
        for ok in
            ["https://example.com/hook", "http://93.184.216.34/x", "https://[2606:4700::1111]/", "http://8.8.8.8:8080/"]
        {
            assert!(parse_destination(ok, &none).is_ok(), "{ok} was refused");
        }
    }

    #[test]
    fn the_allow_list_lets_chosen_networks_through() {
        let allow = AllowList::parse("127.0.0.0/8, ::1").unwrap();
        assert!(parse_destination("http://127.0.0.1:9999/", &allow).is_ok());
        assert!(parse_destination("http://[::1]:9999/", &allow).is_ok());
        assert!(parse_destination("http://10.0.0.1/", &allow).is_err());
        assert!(AllowList::parse("nonsense").is_err());
    }
}
