;; tests/unit/runtime/fused.wat — code shapes the translator fuses into
;; superinstructions (add+compare+branch at loop ends, indexed loads,
;; i32.add-constant address folding, constant stores, copy pairs). The unit
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
)
