//! Embeds openapi.json minified: the repository keeps it readable, the worker serves it small.

fn main() {
    println!("cargo:rerun-if-changed=openapi.json");
    let text = std::fs::read_to_string("openapi.json").expect("openapi.json is readable");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("openapi.json is valid JSON");
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("openapi.min.json");
    std::fs::write(out, serde_json::to_string(&doc).expect("JSON serialises")).expect("OUT_DIR is writable");
}
