/work/main/target-size/wasm32-unknown-unknown/release/deps/futures_sink-4d964f4be22489c8.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-sink-0.3.34/src/lib.rs

/work/main/target-size/wasm32-unknown-unknown/release/deps/libfutures_sink-4d964f4be22489c8.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-sink-0.3.34/src/lib.rs

/work/main/target-size/wasm32-unknown-unknown/release/deps/libfutures_sink-4d964f4be22489c8.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-sink-0.3.34/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-sink-0.3.34/src/lib.rs:
