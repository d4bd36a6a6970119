;; tests/unit/runtime/bigmem.wat — a memory of 3 pages minimum.
(module (memory 3) (func (export "size") (result i32) (memory.size)))
