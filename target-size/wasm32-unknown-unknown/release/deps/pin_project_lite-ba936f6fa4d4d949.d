/work/main/target-size/wasm32-unknown-unknown/release/deps/pin_project_lite-ba936f6fa4d4d949.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.18/src/lib.rs

/work/main/target-size/wasm32-unknown-unknown/release/deps/libpin_project_lite-ba936f6fa4d4d949.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.18/src/lib.rs

/work/main/target-size/wasm32-unknown-unknown/release/deps/libpin_project_lite-ba936f6fa4d4d949.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.18/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/pin-project-lite-0.2.18/src/lib.rs:
