/work/main/target-size/wasm32-unknown-unknown/release/deps/cfg_if-6b0869292404654d.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/target-size/wasm32-unknown-unknown/release/deps/libcfg_if-6b0869292404654d.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/work/main/target-size/wasm32-unknown-unknown/release/deps/libcfg_if-6b0869292404654d.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/cfg-if-1.0.5/src/lib.rs:
