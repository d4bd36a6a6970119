;; tests/unit/runtime/importer.wat — imports another instance's memory,
;; global and function (linked with wasm_linker_define_instance).
(module
  (import "a" "memory" (memory 1))
  (import "a" "counter" (global $c (mut i32)))
  (import "a" "add" (func $add (param i32 i32) (result i32)))
  (func (export "poke") (param i32 i32)
    (i32.store (local.get 0) (local.get 1)))
  (func (export "bump") (result i32)
    (global.set $c (call $add (global.get $c) (i32.const 100)))
    (global.get $c))
)
