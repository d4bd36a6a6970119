;; tests/unit/runtime/invalid.wat — assembled with --no-check: function 2
;; returns an i64 where its type says i32.
(module
  (func (result i32) (i32.const 1))
  (func (result i32) (i32.const 2))
  (func (result i32) (i64.const 3))
)
