//! Embeds the time zones openapi.json lists for `tz` as the list the server accepts, so the
//! document and the server cannot disagree on them. (The document itself is served as a
//! static asset: scripts/worker-build.sh writes it minified to public/openapi.json.)

fn main() {
    println!("cargo:rerun-if-changed=openapi.json");
    let text = std::fs::read_to_string("openapi.json").expect("openapi.json is readable");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("openapi.json is valid JSON");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    // `^(?:UTC|Europe/Berlin|Etc/GMT\+5|...)$`: a pattern rather than an enum, so that
    // generators draw from it instead of enumerating every zone.
    let pattern = doc["components"]["schemas"]["TimeZone"]["pattern"]
        .as_str()
        .expect("openapi.json spells the time zones of TimeZone as a pattern");
    let names = pattern
        .strip_prefix("^(?:")
        .and_then(|p| p.strip_suffix(")$"))
        .expect("the TimeZone pattern is ^(?:a|b|...)$");
    let mut zones: Vec<String> = names.split('|').map(|z| z.replace('\\', "")).collect();
    zones.sort_unstable();
    let list = format!("&{zones:?}");
    std::fs::write(out.join("zones.rs"), list).expect("OUT_DIR is writable");
}
