//! Every HTTP route edgebeat serves, as data: the dispatcher matches against this table and
//! the OpenAPI document is checked against it, so neither can grow a route the other lacks.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Health,
    Beacon,
    BeaconPreflight,
    CreateProject,
    CreateKey,
    RevokeKey,
    CreateHeartbeat,
    ListHeartbeats,
    GetHeartbeat,
    DeleteHeartbeat,
    RotateHeartbeatToken,
    HeartbeatEvents,
    /// The heartbeat API's credential-less ping on the monitor's token.
    HeartbeatPing,
    /// healthchecks.io-style `/ping/{token}[/{action}]`.
    CronPing,
    OpenApi,
    UpdateHeartbeat,
    DeleteHeartbeats,
    ListServiceHeartbeats,
    PauseHeartbeat,
    SnoozeHeartbeat,
    UnsnoozeHeartbeat,
    AcknowledgeHeartbeat,
    /// The signed acknowledge link in alerts: a confirm page, and its form's POST.
    AckLink,
    /// Maintenance windows: one monitor's, the project's, and ending either.
    CreateHeartbeatMaintenance,
    ListHeartbeatMaintenance,
    CreateMaintenance,
    ListMaintenance,
    DeleteMaintenance,
    ResumeHeartbeat,
    HeartbeatStatistic,
    GetProject,
    UpdateProject,
    HeartbeatFlips,
    HeartbeatAlerts,
    CreateChannel,
    ListChannels,
    DeleteChannel,
    TestChannel,
    ChannelDeliveries,
    /// The project's event routes: who is told of which events, and how.
    GetEventRoutes,
    PutEventRoutes,
    RotatePingKey,
    /// The systems API's system heartbeat.
    SystemHeartbeat,
    /// The events API's batch of events.
    PostEvents,
    /// The ingest API's batch of events, and its beacon.
    IngestEvents,
    IngestBeacon,
    IngestPreflight,
    ListEvents,
    EventNames,
    EventRollup,
    UpdateProjectLimits,
    /// Dashboard sessions: sign in with a key, who am I, sign out.
    CreateSession,
    GetSession,
    DeleteSession,
    ListKeys,
    RotateBadgeKey,
    /// Status badges, by the project's badge key and a tag or monitor slug.
    BadgeSvg,
    BadgeJson,
    Metrics,
}

#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    /// Literal segments and `{name}` parameters.
    pub path: &'static str,
    pub route: Route,
}

const fn at(method: &'static str, path: &'static str, route: Route) -> RouteSpec {
    RouteSpec { method, path, route }
}

pub const ROUTES: &[RouteSpec] = &[
    at("GET", "/healthz", Route::Health),
    at("GET", "/openapi.json", Route::OpenApi),
    at("GET", "/api/v1/beet/{token}", Route::Beacon),
    at("POST", "/api/v1/beet/{token}", Route::Beacon),
    at("HEAD", "/api/v1/beet/{token}", Route::Beacon),
    at("OPTIONS", "/api/v1/beet/{token}", Route::BeaconPreflight),
    at("POST", "/v1/projects", Route::CreateProject),
    at("POST", "/v1/projects/{project_id}/keys", Route::CreateKey),
    at("PATCH", "/v1/projects/{project_id}", Route::UpdateProjectLimits),
    at("DELETE", "/v1/keys/{key_id}", Route::RevokeKey),
    at("GET", "/v1/keys", Route::ListKeys),
    at("POST", "/v1/session", Route::CreateSession),
    at("GET", "/v1/session", Route::GetSession),
    at("DELETE", "/v1/session", Route::DeleteSession),
    at("GET", "/v1/project", Route::GetProject),
    at("PATCH", "/v1/project", Route::UpdateProject),
    at("POST", "/v1/project/rotate-ping-key", Route::RotatePingKey),
    at("POST", "/v1/project/badge-key", Route::RotateBadgeKey),
    at("GET", "/v1/metrics", Route::Metrics),
    at("GET", "/badge/{badge_key}/{selector}.svg", Route::BadgeSvg),
    at("GET", "/badge/{badge_key}/{selector}.json", Route::BadgeJson),
    at("POST", "/v1/heartbeat", Route::CreateHeartbeat),
    at("DELETE", "/v1/heartbeat", Route::DeleteHeartbeats),
    at("GET", "/v1/heartbeats", Route::ListHeartbeats),
    at(
        "GET",
        "/v1/service/{service_id}/heartbeats",
        Route::ListServiceHeartbeats,
    ),
    // Without an Authorization header, GET here is the heartbeat API's ping on a token.
    at("GET", "/v1/heartbeat/{id}", Route::GetHeartbeat),
    at("POST", "/v1/heartbeat/{id}", Route::HeartbeatPing),
    at("HEAD", "/v1/heartbeat/{id}", Route::HeartbeatPing),
    at("PUT", "/v1/heartbeat/{id}", Route::UpdateHeartbeat),
    at("DELETE", "/v1/heartbeat/{id}", Route::DeleteHeartbeat),
    at("POST", "/v1/heartbeat/{id}/pause", Route::PauseHeartbeat),
    at("POST", "/v1/heartbeat/{id}/snooze", Route::SnoozeHeartbeat),
    at("DELETE", "/v1/heartbeat/{id}/snooze", Route::UnsnoozeHeartbeat),
    at("POST", "/v1/heartbeat/{id}/acknowledge", Route::AcknowledgeHeartbeat),
    at("GET", "/ack/{token}", Route::AckLink),
    at("POST", "/ack/{token}", Route::AckLink),
    at(
        "POST",
        "/v1/heartbeat/{id}/maintenance",
        Route::CreateHeartbeatMaintenance,
    ),
    at("GET", "/v1/heartbeat/{id}/maintenance", Route::ListHeartbeatMaintenance),
    at("POST", "/v1/maintenance", Route::CreateMaintenance),
    at("GET", "/v1/maintenance", Route::ListMaintenance),
    at("DELETE", "/v1/maintenance/{window_id}", Route::DeleteMaintenance),
    at("POST", "/v1/heartbeat/{id}/resume", Route::ResumeHeartbeat),
    at("POST", "/v1/heartbeat/{id}/rotate-token", Route::RotateHeartbeatToken),
    at("GET", "/v1/heartbeat/{id}/events", Route::HeartbeatEvents),
    at("GET", "/v1/heartbeat/{id}/statistic", Route::HeartbeatStatistic),
    at("GET", "/v1/heartbeat/{id}/flips", Route::HeartbeatFlips),
    at("GET", "/v1/heartbeat/{id}/alerts", Route::HeartbeatAlerts),
    at("POST", "/v1/channels", Route::CreateChannel),
    at("GET", "/v1/channels", Route::ListChannels),
    at("DELETE", "/v1/channels/{id}", Route::DeleteChannel),
    at("POST", "/v1/channels/{id}/test", Route::TestChannel),
    at("GET", "/v1/channels/{id}/deliveries", Route::ChannelDeliveries),
    at("GET", "/v1/event-routes", Route::GetEventRoutes),
    at("PUT", "/v1/event-routes", Route::PutEventRoutes),
    at("POST", "/api/systems/heartbeat", Route::SystemHeartbeat),
    // The systems API's heading names this path; its curl example uses the one above.
    at("POST", "/systems/heartbeat", Route::SystemHeartbeat),
    at("POST", "/api/v1/events", Route::PostEvents),
    at("POST", "/v1/ingest/events", Route::IngestEvents),
    at("OPTIONS", "/v1/ingest/events", Route::IngestPreflight),
    at("POST", "/v1/ingest/beacon", Route::IngestBeacon),
    at("OPTIONS", "/v1/ingest/beacon", Route::IngestPreflight),
    at("GET", "/v1/events", Route::ListEvents),
    at("GET", "/v1/events/names", Route::EventNames),
    at("GET", "/v1/events/rollup", Route::EventRollup),
    at("GET", "/ping/{token}", Route::CronPing),
    at("POST", "/ping/{token}", Route::CronPing),
    at("HEAD", "/ping/{token}", Route::CronPing),
    at("GET", "/ping/{token}/{action}", Route::CronPing),
    at("POST", "/ping/{token}/{action}", Route::CronPing),
    at("HEAD", "/ping/{token}/{action}", Route::CronPing),
    at("GET", "/ping/{ping_key}/{slug}/{action}", Route::CronPing),
    at("POST", "/ping/{ping_key}/{slug}/{action}", Route::CronPing),
    at("HEAD", "/ping/{ping_key}/{slug}/{action}", Route::CronPing),
];

#[derive(Debug, PartialEq, Eq)]
pub enum Matched<'a> {
    Found { route: Route, params: Vec<&'a str> },
    MethodNotAllowed { allow: Vec<&'static str> },
    NotFound,
}

/// Captured parameters of `template` for `path`, in order, when the two line up. A
/// parameter segment may end in a literal suffix (`{selector}.svg`), which is not captured.
fn capture<'a>(template: &str, path: &'a str) -> Option<Vec<&'a str>> {
    let mut params = Vec::new();
    let mut want = template.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) if w.starts_with('{') => {
                let suffix = w.split_once('}').map_or("", |(_, suffix)| suffix);
                let g = g.strip_suffix(suffix)?;
                if g.is_empty() {
                    return None;
                }
                params.push(g);
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

pub fn match_route<'a>(method: &str, path: &'a str) -> Matched<'a> {
    let mut allow = Vec::new();
    for spec in ROUTES {
        if let Some(params) = capture(spec.path, path) {
            if spec.method == method {
                return Matched::Found {
                    route: spec.route,
                    params,
                };
            }
            allow.push(spec.method);
        }
    }
    if allow.is_empty() {
        Matched::NotFound
    } else {
        Matched::MethodNotAllowed { allow }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_parameters_in_order() {
        assert_eq!(
            match_route("POST", "/v1/projects/p1/keys"),
            Matched::Found {
                route: Route::CreateKey,
                params: vec!["p1"]
            }
        );
    }

    #[test]
    fn literal_segments_beat_nothing_else() {
        assert_eq!(
            match_route("GET", "/v1/heartbeats"),
            Matched::Found {
                route: Route::ListHeartbeats,
                params: vec![]
            }
        );
        assert_eq!(
            match_route("GET", "/v1/heartbeat/abc"),
            Matched::Found {
                route: Route::GetHeartbeat,
                params: vec!["abc"]
            }
        );
    }

    #[test]
    fn wrong_method_lists_the_allowed_ones() {
        assert_eq!(
            match_route("PATCH", "/v1/heartbeat/abc"),
            Matched::MethodNotAllowed {
                allow: vec!["GET", "POST", "HEAD", "PUT", "DELETE"]
            }
        );
    }

    #[test]
    fn methods_match_exactly_as_sent() {
        for method in ["PROPFIND", "QUERY", "PATCH", "get", "TRACE"] {
            assert_eq!(
                match_route(method, "/ping/hb_x"),
                Matched::MethodNotAllowed {
                    allow: vec!["GET", "POST", "HEAD"]
                },
                "{method}"
            );
        }
    }

    #[test]
    fn empty_parameters_and_extra_segments_do_not_match() {
        assert_eq!(match_route("GET", "/api/v1/beet/"), Matched::NotFound);
        assert_eq!(match_route("GET", "/api/v1/beet/a/b"), Matched::NotFound);
        assert_eq!(match_route("GET", "/nope"), Matched::NotFound);
    }

    #[test]
    fn a_parameter_with_a_suffix_captures_what_comes_before_it() {
        assert_eq!(
            match_route("GET", "/badge/bk_x/prod.svg"),
            Matched::Found {
                route: Route::BadgeSvg,
                params: vec!["bk_x", "prod"]
            }
        );
        assert_eq!(
            match_route("GET", "/badge/bk_x/a.b.json"),
            Matched::Found {
                route: Route::BadgeJson,
                params: vec!["bk_x", "a.b"]
            }
        );
        assert_eq!(match_route("GET", "/badge/bk_x/prod.png"), Matched::NotFound);
        assert_eq!(match_route("GET", "/badge/bk_x/.svg"), Matched::NotFound);
    }

    #[test]
    fn every_route_is_in_the_openapi_document() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../openapi.json")).expect("openapi.json parses");
        for spec in ROUTES {
            let op = doc["paths"][spec.path][spec.method.to_ascii_lowercase()].as_object();
            assert!(op.is_some(), "openapi.json lacks {} {}", spec.method, spec.path);
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_request_is_found_refused_or_not_found_without_panicking(
            method in prop_oneof![any::<String>(), "(GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH)"],
            path in prop_oneof![any::<String>(), "(/(v1|api|ping|heartbeat|beet|x|é|)){0,6}/?"],
        ) {
            match match_route(&method, &path) {
                Matched::Found { route, params } => {
                    let spec_fits = |s: &&RouteSpec| s.route == route && s.method == method && s.path.matches('{').count() == params.len();
                    prop_assert!(ROUTES.iter().any(|s| spec_fits(&s)));
                    prop_assert!(params.iter().all(|p| !p.is_empty() && !p.contains('/')));
                }
                Matched::MethodNotAllowed { allow } => prop_assert!(!allow.is_empty() && !allow.contains(&method.as_str())),
                Matched::NotFound => {}
            }
        }

        #[test]
        fn every_route_matches_its_own_paths(
            index in 0..ROUTES.len(),
            params in prop::collection::vec("[^/]{1,12}", 4),
        ) {
            let spec = ROUTES[index];
            let mut given = params.iter();
            let path: Vec<String> = spec
                .path
                .split('/')
                .map(|segment| match segment.strip_prefix('{').and_then(|s| s.split_once('}')) {
                    Some((_, suffix)) => format!("{}{suffix}", given.next().unwrap()),
                    None => segment.to_string(),
                })
                .collect();
            let path = path.join("/");
            let wanted: Vec<&str> = params.iter().take(spec.path.matches('{').count()).map(String::as_str).collect();
            // A parameter that spells a literal segment ("keys") may name another route; skip those.
            let literal = ROUTES.iter().any(|r| r.path.split('/').any(|s| wanted.contains(&s)));
            if !literal {
                prop_assert_eq!(match_route(spec.method, &path), Matched::Found { route: spec.route, params: wanted });
            }
        }
    }
}
