//! Embeds openapi.json minified (the repository keeps it readable, the worker serves it
//! small), and the time zones it lists for `tz` as the list the server accepts, so the
//! document and the server cannot disagree on them.

fn main() {
    println!("cargo:rerun-if-changed=openapi.json");
    let text = std::fs::read_to_string("openapi.json").expect("openapi.json is readable");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("openapi.json is valid JSON");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(
        out.join("openapi.min.json"),
        serde_json::to_string(&doc).expect("JSON serialises"),
    )
    .expect("OUT_DIR is writable");
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
