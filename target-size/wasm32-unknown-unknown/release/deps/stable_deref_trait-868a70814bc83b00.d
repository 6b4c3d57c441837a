/work/main/target-size/wasm32-unknown-unknown/release/deps/stable_deref_trait-868a70814bc83b00.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs

/work/main/target-size/wasm32-unknown-unknown/release/deps/libstable_deref_trait-868a70814bc83b00.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs

/work/main/target-size/wasm32-unknown-unknown/release/deps/libstable_deref_trait-868a70814bc83b00.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/stable_deref_trait-1.2.1/src/lib.rs:
