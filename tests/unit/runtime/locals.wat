;; tests/unit/runtime/locals.wat — declared locals start at zero although
;; frames are not cleared: each run_* export first calls $dirty, which
;; leaves non-zero values in the slots the next callee's frame reuses, then
;; a checker that reads locals before (or without) a write that always runs.
;; Also memory accesses at constant addresses (the frame's zero slot).
(module
  (memory (export "memory") 1)
  (func $dirty
    (local i32 i32 i32 i32 i32 i32 i32 i32 i64 i64 f64 f64 v128 v128)
    (local.set 0 (i32.const -1)) (local.set 1 (i32.const -1)) (local.set 2 (i32.const -1))
    (local.set 3 (i32.const -1)) (local.set 4 (i32.const -1)) (local.set 5 (i32.const -1))
    (local.set 6 (i32.const -1)) (local.set 7 (i32.const -1))
    (local.set 8 (i64.const -1)) (local.set 9 (i64.const -1))
    (local.set 10 (f64.const -1)) (local.set 11 (f64.const -1))
    (local.set 12 (v128.const i64x2 -1 -1)) (local.set 13 (v128.const i64x2 -1 -1))
    (drop (i32.add (i32.add (i32.const 7) (local.get 0)) (i32.add (local.get 1) (local.get 2)))))

  ;; read in a loop before any write
  (func $loop_acc (result i32) (local $acc i32) (local $i i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3))))
    (local.get $acc))
  (func (export "run_loop_acc") (result i32) (call $dirty) (call $loop_acc))

  ;; a write that a branch may skip
  (func $skipped (param $skip i32) (result i32) (local $x i32)
    (block $b
      (br_if $b (local.get $skip))
      (local.set $x (i32.const 5)))
    (local.get $x))
  (func (export "run_skipped") (param i32) (result i32) (call $dirty) (call $skipped (local.get 0)))
  ;; the same called from the host right after $dirty (also from the host):
  ;; both frames start at the bottom of the value stack
  (export "dirty" (func $dirty))
  (export "skipped" (func $skipped))

  ;; an explicit zero store the translator drops (the local is zero anyway)
  (func $zero_store (result i32) (local $x i32) (local $i i32)
    (local.set $x (i32.const 0))
    (local.set $i (i32.const 0))
    (loop $l
      (local.set $x (i32.add (local.get $x) (i32.const 2)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 4))))
    (local.get $x))
  (func (export "run_zero_store") (result i32) (call $dirty) (call $zero_store))

  ;; written at the top level before any read: no zeroing needed
  (func $written (result i32) (local $x i32) (local $y i32)
    (local.set $x (i32.const 9))
    (local.set $y (i32.add (local.get $x) (i32.const 1)))
    (i32.add (local.get $x) (local.get $y)))
  (func (export "run_written") (result i32) (call $dirty) (call $written))

  ;; every type, never written
  (func $wide (result i64) (local v128) (local i64) (local f64) (local f32) (local i32)
    (i64.or
      (i64.or (i64x2.extract_lane 0 (local.get 0)) (i64x2.extract_lane 1 (local.get 0)))
      (i64.or
        (i64.or (local.get 1) (i64.reinterpret_f64 (local.get 2)))
        (i64.extend_i32_u (i32.or (i32.reinterpret_f32 (local.get 3)) (local.get 4))))))
  (func (export "run_wide") (result i64) (call $dirty) (call $wide))

  ;; constant addresses: loads and stores through the zero slot
  (func $const_addr (result i32) (local $x i32)
    (i32.store (i32.const 32) (i32.const 0x11223344))
    (i32.store8 offset=3 (i32.const 40) (i32.const 0x55))
    (local.set $x (i32.load (i32.const 32)))
    (i32.add (local.get $x) (i32.load offset=40 (i32.const 0))))
  (func (export "run_const_addr") (result i32) (call $dirty) (call $const_addr))
  ;; (u32)(0xfffffffc) + 4 is 2^32, past the memory: no wrap to 0
  (func $const_addr_oob (result i32) (local i32)
    (i32.load offset=4 (i32.const -4)))
  (func (export "run_const_addr_oob") (result i32) (call $dirty) (call $const_addr_oob))
)
