/work/main/target-size/wasm32-unknown-unknown/release/deps/futures_io-5797d79f683d5675.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-io-0.3.34/src/lib.rs

/work/main/target-size/wasm32-unknown-unknown/release/deps/libfutures_io-5797d79f683d5675.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-io-0.3.34/src/lib.rs

/work/main/target-size/wasm32-unknown-unknown/release/deps/libfutures_io-5797d79f683d5675.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-io-0.3.34/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-io-0.3.34/src/lib.rs:
