;; tests/unit/runtime/fused.wat — code shapes the translator fuses into
;; superinstructions (add+compare+branch at loop ends, indexed loads,
;; i32.add-constant address folding, constant stores, copy pairs, loads
;; and constant shifts fused into binary operations). The unit
;; test computes the expected results in C.
(module
  (memory (export "memory") 1)
  ;; sum of i for i = start; i <cond> end; i += step, for each comparison
  (func (export "loop_ne") (param $i i32) (param $end i32) (param $step i32) (result i32)
    (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (local.get $i)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (local.get $step))) (local.get $end))))
    (local.get $sum))
  (func (export "loop_lt_u_imm") (param $i i32) (result i32)
    (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum) (local.get $i)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 3))) (i32.const 1000))))
    (local.get $sum))
  (func (export "loop_gt_s") (param $i i32) (param $lim i32) (result i32)
    (local $n i32)
    (loop $l
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.gt_s (local.tee $i (i32.add (local.get $i) (i32.const -7))) (local.get $lim))))
    (local.get $n))
  (func (export "loop_le_u_exit") (param $i i32) (result i32)
    ;; the fused branch leaves the block when the condition is false
    (local $n i32)
    (block $out
      (loop $l
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $out (i32.eqz (i32.le_u (local.tee $i (i32.add (local.get $i) (i32.const 5))) (i32.const 100))))
        (br $l)))
    (local.get $n))
  (func (export "loop_self_compare") (param $i i32) (result i32)
    ;; the comparison's right side is the sum itself: equal, so never taken
    (local $n i32)
    (loop $l
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $i))))
    (local.get $n))
  ;; byte sum over memory with an indexed load (base + index)
  (func (export "sum_bytes") (param $base i32) (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $base) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $s))
  ;; indexed i32 load whose base+index wraps around 2^32
  (func (export "load_wrap") (param $a i32) (param $b i32) (result i32)
    (i32.load offset=4 (i32.add (local.get $a) (local.get $b))))
  ;; i32.add of a constant folded into the access, including wrapping
  (func (export "load_addimm") (param $a i32) (result i32)
    (i32.load offset=8 (i32.add (local.get $a) (i32.const -4))))
  (func (export "store_const") (param $a i32)
    (i32.store8 (local.get $a) (i32.const 0x1ff))
    (i32.store16 offset=2 (local.get $a) (i32.const 0x12345))
    (i64.store offset=8 (local.get $a) (i64.const -2))
    (i32.store offset=4 (i32.add (local.get $a) (i32.const 12)) (i32.const 77)))
  ;; a rotation through locals: consecutive copies become pairs
  (func (export "rotate") (param $a i32) (param $b i32) (param $c i32) (param $k i32) (result i32)
    (local $t i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $k)))
        (local.set $t (local.get $a))
        (local.set $a (local.get $b))
        (local.set $b (local.get $c))
        (local.set $c (local.get $t))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $l)))
    (i32.add (i32.mul (local.get $a) (i32.const 100))
             (i32.add (i32.mul (local.get $b) (i32.const 10)) (local.get $c))))
  ;; loads fused into the binary operation that uses them: each operation
  ;; with a loaded right operand, loaded left operands (fused when the
  ;; operation commutes), constant and folded addresses
  (func (export "load_ops_i32") (param $p i32) (param $x i32) (result i32)
    (i32.xor
      (i32.xor
        (i32.sub
          (i32.and
            (i32.or
              (i32.mul (i32.add (local.get $x) (i32.load (local.get $p)))
                       (i32.load offset=4 (local.get $p)))
              (i32.load offset=8 (local.get $p)))
            (i32.load (i32.add (local.get $p) (i32.const 12))))
          (i32.load offset=16 (local.get $p)))
        (i32.mul (i32.load offset=20 (local.get $p)) (local.get $x)))
      (i32.xor (i32.sub (i32.load offset=24 (local.get $p)) (local.get $x))
               (i32.load (i32.const 3000)))))
  (func (export "load_ops_i64") (param $p i32) (param $x i64) (result i64)
    (i64.xor
      (i64.xor
        (i64.sub
          (i64.and
            (i64.or
              (i64.mul (i64.add (local.get $x) (i64.load (local.get $p)))
                       (i64.load offset=8 (local.get $p)))
              (i64.load offset=16 (local.get $p)))
            (i64.load (i32.add (local.get $p) (i32.const 24))))
          (i64.load offset=32 (local.get $p)))
        (i64.add (i64.load offset=40 (local.get $p)) (local.get $x)))
      (i64.xor (i64.sub (i64.load offset=48 (local.get $p)) (local.get $x))
               (i64.load (i32.const 3000)))))
  (func (export "load_ops_f32") (param $p i32) (param $x f32) (result f32)
    (f32.add
      (f32.div
        (f32.sub
          (f32.mul (f32.add (local.get $x) (f32.load (local.get $p)))
                   (f32.load offset=4 (local.get $p)))
          (f32.load offset=8 (local.get $p)))
        (f32.load (i32.add (local.get $p) (i32.const 12))))
      (f32.sub (f32.mul (f32.load offset=16 (local.get $p)) (local.get $x))
               (f32.div (f32.load offset=20 (local.get $p)) (local.get $x)))))
  (func (export "load_ops_f64") (param $p i32) (param $x f64) (result f64)
    (f64.add
      (f64.div
        (f64.sub
          (f64.mul (f64.add (local.get $x) (f64.load (local.get $p)))
                   (f64.load offset=8 (local.get $p)))
          (f64.load offset=16 (local.get $p)))
        (f64.load (i32.add (local.get $p) (i32.const 24))))
      (f64.sub (f64.mul (f64.load offset=32 (local.get $p)) (local.get $x))
               (f64.div (f64.load offset=40 (local.get $p)) (f64.const 3)))))
  ;; the fused load traps like the load would
  (func (export "load_op_oob") (param $p i32) (result i32)
    (i32.add (local.get $p) (i32.load offset=4 (local.get $p))))
;; shifts and rotations by a constant fused into the xor/or/add/and that
  ;; consumes them, as the right operand or the left one
  (func (export "xor_rotl") (param $x i32) (param $y i32) (result i32)
    (i32.xor (local.get $x) (i32.rotl (local.get $y) (i32.const 7))))
  (func (export "rotr_xor") (param $x i32) (param $y i32) (result i32)
    (i32.xor (i32.rotr (local.get $y) (i32.const 13)) (local.get $x)))
  (func (export "xor_shr_u") (param $x i32) (param $y i32) (result i32)
    (i32.xor (local.get $x) (i32.shr_u (local.get $y) (i32.const 35))))
  (func (export "shl_or") (param $x i32) (param $y i32) (result i32)
    (i32.or (i32.shl (local.get $y) (i32.const 24)) (local.get $x)))
  (func (export "or_shr_u") (param $x i32) (param $y i32) (result i32)
    (i32.or (local.get $x) (i32.shr_u (local.get $y) (i32.const 31))))
  (func (export "or_rotr0") (param $x i32) (param $y i32) (result i32)
    (i32.or (local.get $x) (i32.rotr (local.get $y) (i32.const 32))))
  (func (export "add_shl") (param $x i32) (param $y i32) (result i32)
    (i32.add (local.get $x) (i32.shl (local.get $y) (i32.const 2))))
  (func (export "rotl_add_rotl") (param $x i32) (param $y i32) (result i32)
    (i32.add (i32.rotl (local.get $x) (i32.const 1)) (i32.rotl (local.get $y) (i32.const 31))))
  (func (export "add_shr_u") (param $x i32) (param $y i32) (result i32)
    (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.shr_u (local.get $y) (i32.const 5))))
  (func (export "shr_u_and") (param $x i32) (param $y i32) (result i32)
    (i32.and (i32.shr_u (local.get $y) (i32.const 8)) (local.get $x)))
  (func (export "and_shl") (param $x i32) (param $y i32) (result i32)
    (i32.and (local.get $x) (i32.shl (local.get $y) (i32.const 4))))
  (func (export "and_rotl") (param $x i32) (param $y i32) (result i32)
    (i32.and (local.get $x) (i32.rotl (local.get $y) (i32.const 9))))
  (func (export "rotl_xor_const") (param $x i32) (param $y i32) (result i32)
    (i32.xor (i32.rotl (local.get $y) (i32.const 5)) (i32.const 0x1234)))
  (func (export "sigma1") (param $x i32) (param $y i32) (result i32)
    ;; SHA-256's big sigma 1 of y, plus x (FIPS 180-4 §4.1.2)
    (i32.add (local.get $x)
      (i32.xor (i32.xor (i32.rotr (local.get $y) (i32.const 6)) (i32.rotr (local.get $y) (i32.const 11)))
               (i32.rotr (local.get $y) (i32.const 25)))))
  ;; two i32 operations in one, (x OP1 y) OP2 z: every pair of add, and,
  ;; or, xor, the first as the right operand of the second ($p* with the
  ;; first's result on the left); a result that goes to a local in between
  ;; is kept
  (func $p (param $x i32) (param $y i32) (param $z i32) (param $k i32) (result i32)
    (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 (i32.shr_u (local.get $k) (i32.const 2))))
      (return (call $second_add (local.get $x) (local.get $y) (local.get $z) (local.get $k))))
      (return (call $second_and (local.get $x) (local.get $y) (local.get $z) (local.get $k))))
      (return (call $second_or (local.get $x) (local.get $y) (local.get $z) (local.get $k))))
    (call $second_xor (local.get $x) (local.get $y) (local.get $z) (local.get $k)))
  (func $first (param $x i32) (param $y i32) (param $k i32) (result i32)
    (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 (i32.and (local.get $k) (i32.const 3))))
      (return (i32.add (local.get $x) (local.get $y))))
      (return (i32.and (local.get $x) (local.get $y))))
      (return (i32.or (local.get $x) (local.get $y))))
    (i32.xor (local.get $x) (local.get $y)))
  (func $second_add (param $x i32) (param $y i32) (param $z i32) (param $k i32) (result i32)
    (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 (i32.and (local.get $k) (i32.const 3))))
      (return (i32.add (local.get $z) (i32.add (local.get $x) (local.get $y)))))
      (return (i32.add (local.get $z) (i32.and (local.get $x) (local.get $y)))))
      (return (i32.add (i32.or (local.get $x) (local.get $y)) (local.get $z))))
    (i32.add (local.get $z) (i32.xor (local.get $x) (local.get $y))))
  (func $second_and (param $x i32) (param $y i32) (param $z i32) (param $k i32) (result i32)
    (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 (i32.and (local.get $k) (i32.const 3))))
      (return (i32.and (local.get $z) (i32.add (local.get $x) (local.get $y)))))
      (return (i32.and (i32.and (local.get $x) (local.get $y)) (local.get $z))))
      (return (i32.and (local.get $z) (i32.or (local.get $x) (local.get $y)))))
    (i32.and (local.get $z) (i32.xor (local.get $x) (local.get $y))))
  (func $second_or (param $x i32) (param $y i32) (param $z i32) (param $k i32) (result i32)
    (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 (i32.and (local.get $k) (i32.const 3))))
      (return (i32.or (local.get $z) (i32.add (local.get $x) (local.get $y)))))
      (return (i32.or (local.get $z) (i32.and (local.get $x) (local.get $y)))))
      (return (i32.or (local.get $z) (i32.or (local.get $x) (local.get $y)))))
    (i32.or (i32.xor (local.get $x) (local.get $y)) (local.get $z)))
  (func $second_xor (param $x i32) (param $y i32) (param $z i32) (param $k i32) (result i32)
    (block $b3 (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 $b3 (i32.and (local.get $k) (i32.const 3))))
      (return (i32.xor (local.get $z) (i32.add (local.get $x) (local.get $y)))))
      (return (i32.xor (local.get $z) (i32.and (local.get $x) (local.get $y)))))
      (return (i32.xor (local.get $z) (i32.or (local.get $x) (local.get $y)))))
    (i32.xor (i32.xor (local.get $x) (local.get $y)) (local.get $z)))
  (func (export "pair") (param $x i32) (param $y i32) (param $z i32) (param $k i32) (result i32)
    (call $p (local.get $x) (local.get $y) (local.get $z) (local.get $k)))
  (func (export "pair_chain") (param $x i32) (param $y i32) (param $z i32) (param $k i32) (result i32)
    ;; ((x + y) ^ z) & k, then the sum of it and of (x & y) kept in a local
    (local $t i32)
    (i32.add
      (i32.and (i32.xor (i32.add (local.get $x) (local.get $y)) (local.get $z)) (local.get $k))
      (i32.xor (local.tee $t (i32.and (local.get $x) (local.get $y))) (local.get $t))))
  ;; a br_table entry other than the first that branches back to a loop
  ;; (the interpreter once added its offset as an unsigned number; found by
  ;; fuzz-wasm-run, tests/fuzz/wasm-regressions/run-br-table-loop-backward.wasm)
  (func (export "br_table_loop") (param $n i32) (result i32)
    (local $i i32)
    (block $out
      (loop $l
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_table $out $l $out (i32.lt_u (local.get $i) (local.get $n)))))
    (local.get $i))
  (func (export "shift_tee") (param $x i32) (param $y i32) (result i32)
    ;; the shift's result goes to a local first: it must not be dropped
    (local $t i32)
    (i32.add (i32.xor (local.get $x) (local.tee $t (i32.shl (local.get $y) (i32.const 3))))
             (local.get $t)))
)
