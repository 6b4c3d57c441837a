//! What an API key may do.

/// Where a request carried its API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCarrier {
    /// A header (`Authorization`, `X-API-Key`).
    Header,
    /// The URL (`?api_key=`), which access logs, proxies and browser history keep.
    Url,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Read and write the project's monitors, keys and channels.
    Manage,
    /// Only GET.
    Read,
    /// Send events and system heartbeats.
    Ingest,
    /// Send events only: the key a web page may carry, optionally limited to some origins.
    Browser,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "manage" => Some(Self::Manage),
            "read" => Some(Self::Read),
            "ingest" => Some(Self::Ingest),
            "browser" => Some(Self::Browser),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manage => "manage",
            Self::Read => "read",
            Self::Ingest => "ingest",
            Self::Browser => "browser",
        }
    }

    pub fn can_read(self) -> bool {
        matches!(self, Self::Manage | Self::Read)
    }

    pub fn can_manage(self) -> bool {
        self == Self::Manage
    }

    /// System heartbeats (and events).
    pub fn can_ingest(self) -> bool {
        matches!(self, Self::Manage | Self::Ingest)
    }

    /// The events APIs (the events API's batch, the ingest API's events and beacon).
    pub fn can_send_events(self) -> bool {
        matches!(self, Self::Manage | Self::Ingest | Self::Browser)
    }

    /// Whether this key's events may count as pings of an event-fed monitor. A browser key
    /// sits in page source, public by design: its events never keep a job "up" or force it down.
    pub fn feeds_monitors(self) -> bool {
        matches!(self, Self::Manage | Self::Ingest)
    }

    /// Whether answers to this scope may carry write credentials: ping tokens, ping URLs, the
    /// project's ping key, monitor ids (which ping while `ping_by_id` is on), channel URLs.
    /// A read scope (Prometheus, status walls) gets stable non-secret names instead.
    pub fn sees_credentials(self) -> bool {
        self == Self::Manage
    }

    /// Whether a key of this scope may be presented so. A URL ends up in logs and history,
    /// so only keys that can do no more than send (`ingest`, `browser`) may travel in one; a
    /// `manage` or `read` key there is refused, never used.
    pub fn may_be_carried_in(self, carrier: KeyCarrier) -> bool {
        carrier == KeyCarrier::Header || matches!(self, Self::Ingest | Self::Browser)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip() {
        for s in [Scope::Manage, Scope::Read, Scope::Ingest, Scope::Browser] {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("admin"), None);
    }

    #[test]
    fn read_keys_only_read_and_ingest_keys_only_ingest() {
        assert!(Scope::Read.can_read() && !Scope::Read.can_manage() && !Scope::Read.can_ingest());
        assert!(!Scope::Ingest.can_read() && !Scope::Ingest.can_manage() && Scope::Ingest.can_ingest());
        assert!(Scope::Manage.can_read() && Scope::Manage.can_manage() && Scope::Manage.can_ingest());
    }

    #[test]
    fn only_ingest_and_browser_keys_may_travel_in_a_url() {
        assert!(Scope::Ingest.may_be_carried_in(KeyCarrier::Url));
        assert!(Scope::Browser.may_be_carried_in(KeyCarrier::Url));
        assert!(!Scope::Manage.may_be_carried_in(KeyCarrier::Url));
        assert!(!Scope::Read.may_be_carried_in(KeyCarrier::Url));
    }

    #[test]
    fn every_scope_may_travel_in_a_header() {
        for s in [Scope::Manage, Scope::Read, Scope::Ingest, Scope::Browser] {
            assert!(s.may_be_carried_in(KeyCarrier::Header), "{s:?}");
        }
    }

    #[test]
    fn browser_keys_only_send_events() {
        let b = Scope::Browser;
        assert!(b.can_send_events() && !b.can_read() && !b.can_manage() && !b.can_ingest());
        assert!(Scope::Manage.can_send_events() && Scope::Ingest.can_send_events());
        assert!(!Scope::Read.can_send_events());
    }

    #[test]
    fn only_manage_and_ingest_keys_feed_monitors() {
        assert!(Scope::Manage.feeds_monitors() && Scope::Ingest.feeds_monitors());
        assert!(!Scope::Browser.feeds_monitors() && !Scope::Read.feeds_monitors());
    }

    #[test]
    fn only_manage_scopes_see_write_credentials() {
        assert!(Scope::Manage.sees_credentials());
        for s in [Scope::Read, Scope::Ingest, Scope::Browser] {
            assert!(!s.sees_credentials(), "{s:?}");
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn only_a_scope_name_parses_and_it_writes_back(text in prop_oneof![any::<String>(), "(manage|read|ingest|browser|Read| read)"]) {
            if let Some(scope) = Scope::parse(&text) {
                prop_assert_eq!(scope.as_str(), text.as_str());
            }
        }
    }
}
