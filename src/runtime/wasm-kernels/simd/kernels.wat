;; modelsmith's SIMD training kernels for the tfjs wasm backend.
;;
;; The module imports the backend's own linear memory, so each function works on tensors
;; where they already are: every pointer argument is a byte offset into that memory,
;; 16-byte alignment is not required, and every output buffer is distinct from the inputs.
;; It has no data segments, no globals and no stack: instantiating it writes nothing.
;; `npm run wasm` assembles it into kernels-binary.ts.
(module
  (import "env" "memory" (memory 1))

  ;; Input gradient of 2x2 max pooling with stride 2 and no padding, NHWC.
  ;; For each output position and channel, the first maximum of its window (row-major)
  ;; receives dy and the other three inputs receive 0; a window holding a NaN routes
  ;; nothing. `channels` must be a multiple of 4. Rows and columns of the input that no
  ;; window covers (odd sizes) are not written.
  (func (export "max_pool_grad_2x2")
    (param $x i32) (param $dy i32) (param $out i32)
    (param $rows i32) (param $out_h i32) (param $out_w i32)
    (param $in_h i32) (param $in_w i32) (param $channels i32)
    (local $r i32) (local $ox i32) (local $c i32)
    (local $row_stride i32) (local $pixel i32) (local $base i32) (local $at i32)
    (local $v00 v128) (local $v01 v128) (local $v10 v128) (local $v11 v128)
    (local $m v128) (local $g v128) (local $seen v128)
    (local $e00 v128) (local $e01 v128) (local $e10 v128) (local $e11 v128)
    (local.set $pixel (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $row_stride (i32.mul (local.get $in_w) (local.get $pixel)))
    (block $rows_done
      (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        ;; first input row of this output row: (batch * in_h + 2 * oy) * row_stride
        (local.set $base
          (i32.mul
            (i32.add
              (i32.mul (i32.div_u (local.get $r) (local.get $out_h)) (local.get $in_h))
              (i32.shl (i32.rem_u (local.get $r) (local.get $out_h)) (i32.const 1)))
            (local.get $row_stride)))
        (local.set $ox (i32.const 0))
        (block $cols_done
          (loop $each_col
            (br_if $cols_done (i32.ge_u (local.get $ox) (local.get $out_w)))
            (local.set $c (i32.const 0))
            (block $channels_done
              (loop $each_quad
                (br_if $channels_done (i32.ge_u (local.get $c) (local.get $pixel)))
                (local.set $at
                  (i32.add (local.get $base)
                    (i32.add (i32.shl (i32.mul (local.get $ox) (local.get $pixel)) (i32.const 1)) (local.get $c))))
                (local.set $v00 (v128.load (i32.add (local.get $x) (local.get $at))))
                (local.set $v01 (v128.load (i32.add (local.get $x) (i32.add (local.get $at) (local.get $pixel)))))
                (local.set $v10 (v128.load (i32.add (local.get $x) (i32.add (local.get $at) (local.get $row_stride)))))
                (local.set $v11 (v128.load (i32.add (local.get $x)
                  (i32.add (local.get $at) (i32.add (local.get $row_stride) (local.get $pixel))))))
                (local.set $m (f32x4.max (f32x4.max (local.get $v00) (local.get $v01))
                                         (f32x4.max (local.get $v10) (local.get $v11))))
                (local.set $e00 (f32x4.eq (local.get $v00) (local.get $m)))
                (local.set $seen (local.get $e00))
                (local.set $e01 (v128.andnot (f32x4.eq (local.get $v01) (local.get $m)) (local.get $seen)))
                (local.set $seen (v128.or (local.get $seen) (local.get $e01)))
                (local.set $e10 (v128.andnot (f32x4.eq (local.get $v10) (local.get $m)) (local.get $seen)))
                (local.set $seen (v128.or (local.get $seen) (local.get $e10)))
                (local.set $e11 (v128.andnot (f32x4.eq (local.get $v11) (local.get $m)) (local.get $seen)))
                (local.set $g (v128.load (local.get $dy)))
                (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
                (v128.store (i32.add (local.get $out) (local.get $at)) (v128.and (local.get $g) (local.get $e00)))
                (v128.store (i32.add (local.get $out) (i32.add (local.get $at) (local.get $pixel)))
                  (v128.and (local.get $g) (local.get $e01)))
                (v128.store (i32.add (local.get $out) (i32.add (local.get $at) (local.get $row_stride)))
                  (v128.and (local.get $g) (local.get $e10)))
                (v128.store (i32.add (local.get $out)
                  (i32.add (local.get $at) (i32.add (local.get $row_stride) (local.get $pixel))))
                  (v128.and (local.get $g) (local.get $e11)))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (br $each_quad)))
            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
            (br $each_col)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $each_row))))

  ;; One Adam step over n floats: m' = b1 m + (1 - b1) g, v' = b2 v + (1 - b2) g²,
  ;; value' = value - step_size · m' / (√v' + epsilon), where the caller folds the bias
  ;; corrections into step_size and epsilon.
  (func (export "adam_update")
    (param $value i32) (param $grad i32) (param $m i32) (param $v i32)
    (param $out_value i32) (param $out_m i32) (param $out_v i32) (param $n i32)
    (param $beta1 f32) (param $beta2 f32) (param $step_size f32) (param $epsilon f32)
    (local $i i32) (local $end4 i32)
    (local $b1 v128) (local $b2 v128) (local $r1 v128) (local $r2 v128) (local $s v128) (local $e v128)
    (local $g v128) (local $m1 v128) (local $v1 v128)
    (local $gs f32) (local $m1s f32) (local $v1s f32)
    (local.set $b1 (f32x4.splat (local.get $beta1)))
    (local.set $b2 (f32x4.splat (local.get $beta2)))
    (local.set $r1 (f32x4.splat (f32.sub (f32.const 1) (local.get $beta1))))
    (local.set $r2 (f32x4.splat (f32.sub (f32.const 1) (local.get $beta2))))
    (local.set $s (f32x4.splat (local.get $step_size)))
    (local.set $e (f32x4.splat (local.get $epsilon)))
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $n (i32.shl (local.get $n) (i32.const 2)))
    (block $vector_done
      (loop $vector
        (br_if $vector_done (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $g (v128.load (i32.add (local.get $grad) (local.get $i))))
        (local.set $m1 (f32x4.add (f32x4.mul (local.get $b1) (v128.load (i32.add (local.get $m) (local.get $i))))
                                  (f32x4.mul (local.get $r1) (local.get $g))))
        (local.set $v1 (f32x4.add (f32x4.mul (local.get $b2) (v128.load (i32.add (local.get $v) (local.get $i))))
                                  (f32x4.mul (local.get $r2) (f32x4.mul (local.get $g) (local.get $g)))))
        (v128.store (i32.add (local.get $out_m) (local.get $i)) (local.get $m1))
        (v128.store (i32.add (local.get $out_v) (local.get $i)) (local.get $v1))
        (v128.store (i32.add (local.get $out_value) (local.get $i))
          (f32x4.sub (v128.load (i32.add (local.get $value) (local.get $i)))
            (f32x4.div (f32x4.mul (local.get $s) (local.get $m1))
                       (f32x4.add (f32x4.sqrt (local.get $v1)) (local.get $e)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vector)))
    (block $scalar_done
      (loop $scalar
        (br_if $scalar_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $gs (f32.load (i32.add (local.get $grad) (local.get $i))))
        (local.set $m1s (f32.add (f32.mul (local.get $beta1) (f32.load (i32.add (local.get $m) (local.get $i))))
                                 (f32.mul (f32.sub (f32.const 1) (local.get $beta1)) (local.get $gs))))
        (local.set $v1s (f32.add (f32.mul (local.get $beta2) (f32.load (i32.add (local.get $v) (local.get $i))))
                                 (f32.mul (f32.sub (f32.const 1) (local.get $beta2)) (f32.mul (local.get $gs) (local.get $gs)))))
        (f32.store (i32.add (local.get $out_m) (local.get $i)) (local.get $m1s))
        (f32.store (i32.add (local.get $out_v) (local.get $i)) (local.get $v1s))
        (f32.store (i32.add (local.get $out_value) (local.get $i))
          (f32.sub (f32.load (i32.add (local.get $value) (local.get $i)))
            (f32.div (f32.mul (local.get $step_size) (local.get $m1s))
                     (f32.add (f32.sqrt (local.get $v1s)) (local.get $epsilon)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $scalar))))

  ;; Column sums of a row-major [rows, cols] matrix into out[cols] (overwritten). Rows are
  ;; added in blocks of 64 into a fresh partial sum before joining the total, which keeps
  ;; the float32 rounding error of long columns small.
  (func (export "sum_rows")
    (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $stride i32) (local $c i32) (local $r i32) (local $block_end i32) (local $p i32) (local $end4 i32)
    (local $total v128) (local $part v128) (local $total_s f32) (local $part_s f32)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    ;; four columns at a time
    (block $quads_done
      (loop $each_quad
        (br_if $quads_done (i32.ge_u (local.get $c) (local.get $end4)))
        (local.set $total (v128.const i32x4 0 0 0 0))
        (local.set $r (i32.const 0))
        (local.set $p (i32.add (local.get $x) (local.get $c)))
        (block $rows_done
          (loop $each_block
            (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $block_end (select (local.get $rows) (i32.add (local.get $r) (i32.const 64))
              (i32.gt_u (i32.add (local.get $r) (i32.const 64)) (local.get $rows))))
            (local.set $part (v128.const i32x4 0 0 0 0))
            (block $block_done
              (loop $each_row
                (br_if $block_done (i32.ge_u (local.get $r) (local.get $block_end)))
                (local.set $part (f32x4.add (local.get $part) (v128.load (local.get $p))))
                (local.set $p (i32.add (local.get $p) (local.get $stride)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $each_row)))
            (local.set $total (f32x4.add (local.get $total) (local.get $part)))
            (br $each_block)))
        (v128.store (i32.add (local.get $out) (local.get $c)) (local.get $total))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $each_quad)))
    ;; the remaining columns one at a time
    (block $singles_done
      (loop $each_single
        (br_if $singles_done (i32.ge_u (local.get $c) (local.get $stride)))
        (local.set $total_s (f32.const 0))
        (local.set $r (i32.const 0))
        (local.set $p (i32.add (local.get $x) (local.get $c)))
        (block $rows_done_s
          (loop $each_block_s
            (br_if $rows_done_s (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $block_end (select (local.get $rows) (i32.add (local.get $r) (i32.const 64))
              (i32.gt_u (i32.add (local.get $r) (i32.const 64)) (local.get $rows))))
            (local.set $part_s (f32.const 0))
            (block $block_done_s
              (loop $each_row_s
                (br_if $block_done_s (i32.ge_u (local.get $r) (local.get $block_end)))
                (local.set $part_s (f32.add (local.get $part_s) (f32.load (local.get $p))))
                (local.set $p (i32.add (local.get $p) (local.get $stride)))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $each_row_s)))
            (local.set $total_s (f32.add (local.get $total_s) (local.get $part_s)))
            (br $each_block_s)))
        (f32.store (i32.add (local.get $out) (local.get $c)) (local.get $total_s))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $each_single)))
  )

  ;; Transposed patch matrix of an NHWC input for a 2D convolution, the left operand of
  ;; the filter gradient: row (ky, kx, ci), column (n, oy, ox) holds
  ;; x[n, oy*stride_h + ky*dil_h - pad_top, ox*stride_w + kx*dil_w - pad_left, ci], or 0
  ;; where that lies in the padding. `out` has kh*kw*channels rows of n*out_h*out_w floats.
  ;; For each tap, the columns whose input lies inside the image are found once; a
  ;; one-channel input with stride 1 copies each run of them in bulk, otherwise each input
  ;; pixel's channels are read together and written down their rows.
  (func (export "patches_transposed")
    (param $x i32) (param $out i32)
    (param $batch i32) (param $in_h i32) (param $in_w i32) (param $channels i32)
    (param $out_h i32) (param $out_w i32) (param $kh i32) (param $kw i32)
    (param $stride_h i32) (param $stride_w i32) (param $dil_h i32) (param $dil_w i32)
    (param $pad_top i32) (param $pad_left i32)
    (local $row_bytes i32) (local $pixel i32) (local $step i32)
    (local $ky i32) (local $kx i32) (local $n i32) (local $oy i32) (local $ox i32) (local $ci i32)
    (local $iy i32) (local $first i32) (local $lo i32) (local $hi i32) (local $num i32)
    (local $src i32) (local $dst i32) (local $run i32) (local $d i32) (local $bulk i32)
    (local.set $row_bytes (i32.shl (i32.mul (local.get $batch) (i32.mul (local.get $out_h) (local.get $out_w))) (i32.const 2)))
    (local.set $pixel (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $step (i32.mul (local.get $stride_w) (local.get $pixel)))
    (local.set $bulk (i32.and (i32.eq (local.get $channels) (i32.const 1)) (i32.eq (local.get $stride_w) (i32.const 1))))
    (block $ky_done (loop $each_ky
      (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $kh)))
      (local.set $kx (i32.const 0))
      (block $kx_done (loop $each_kx
        (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $kw)))
        ;; columns [lo, hi) of each output row read inside the image
        (local.set $first (i32.sub (i32.mul (local.get $kx) (local.get $dil_w)) (local.get $pad_left)))
        (local.set $num (i32.sub (i32.const 0) (local.get $first)))
        (local.set $lo (select (i32.const 0)
          (i32.div_s (i32.add (local.get $num) (i32.sub (local.get $stride_w) (i32.const 1))) (local.get $stride_w))
          (i32.le_s (local.get $num) (i32.const 0))))
        (local.set $num (i32.sub (i32.sub (local.get $in_w) (i32.const 1)) (local.get $first)))
        (local.set $hi (select (i32.const 0)
          (i32.add (i32.div_s (local.get $num) (local.get $stride_w)) (i32.const 1))
          (i32.lt_s (local.get $num) (i32.const 0))))
        (if (i32.gt_s (local.get $hi) (local.get $out_w)) (then (local.set $hi (local.get $out_w))))
        (if (i32.gt_s (local.get $lo) (local.get $hi)) (then (local.set $lo (local.get $hi))))
        ;; this tap's first row: (ky * kw + kx) * channels
        (local.set $dst (i32.add (local.get $out)
          (i32.mul (i32.mul (i32.add (i32.mul (local.get $ky) (local.get $kw)) (local.get $kx)) (local.get $channels))
                   (local.get $row_bytes))))
        (local.set $n (i32.const 0))
        (block $n_done (loop $each_n
          (br_if $n_done (i32.ge_u (local.get $n) (local.get $batch)))
          (local.set $oy (i32.const 0))
          (block $oy_done (loop $each_oy
            (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $out_h)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $stride_h)) (i32.mul (local.get $ky) (local.get $dil_h)))
                                    (local.get $pad_top)))
            (if (i32.ge_u (local.get $iy) (local.get $in_h))
              (then
                ;; the whole row lies in the padding
                (local.set $ci (i32.const 0))
                (block $pad_done (loop $each_pad
                  (br_if $pad_done (i32.ge_u (local.get $ci) (local.get $channels)))
                  (memory.fill (i32.add (local.get $dst) (i32.mul (local.get $ci) (local.get $row_bytes))) (i32.const 0)
                    (i32.shl (local.get $out_w) (i32.const 2)))
                  (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
                  (br $each_pad))))
              (else
                ;; columns outside [lo, hi) read padding (at most a few per row)
                (local.set $ox (i32.const 0))
                (block $edge_done (loop $each_edge
                  (br_if $edge_done (i32.ge_s (local.get $ox) (local.get $out_w)))
                  (if (i32.and (i32.ge_s (local.get $ox) (local.get $lo)) (i32.lt_s (local.get $ox) (local.get $hi)))
                    (then (local.set $ox (local.get $hi)) (br $each_edge)))
                  (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $ox) (i32.const 2))))
                  (local.set $ci (i32.const 0))
                  (block $zeros_done (loop $each_zero
                    (br_if $zeros_done (i32.ge_u (local.get $ci) (local.get $channels)))
                    (f32.store (local.get $d) (f32.const 0))
                    (local.set $d (i32.add (local.get $d) (local.get $row_bytes)))
                    (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
                    (br $each_zero)))
                  (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                  (br $each_edge)))
                ;; input of column lo: x[n, iy, lo*stride_w + first, 0]
                (local.set $src (i32.add (local.get $x)
                  (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $in_h)) (local.get $iy)) (local.get $in_w))
                                    (i32.add (i32.mul (local.get $lo) (local.get $stride_w)) (local.get $first)))
                           (local.get $pixel))))
                (if (local.get $bulk)
                  (then
                    (memory.copy (i32.add (local.get $dst) (i32.shl (local.get $lo) (i32.const 2))) (local.get $src)
                      (i32.shl (i32.sub (local.get $hi) (local.get $lo)) (i32.const 2))))
                  (else
                    (local.set $ox (local.get $lo))
                    (block $ox_done (loop $each_ox
                      (br_if $ox_done (i32.ge_s (local.get $ox) (local.get $hi)))
                      (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $ox) (i32.const 2))))
                      (local.set $run (local.get $src))
                      (local.set $ci (i32.const 0))
                      (block $ci_done (loop $each_ci
                        (br_if $ci_done (i32.ge_u (local.get $ci) (local.get $channels)))
                        (f32.store (local.get $d) (f32.load (local.get $run)))
                        (local.set $run (i32.add (local.get $run) (i32.const 4)))
                        (local.set $d (i32.add (local.get $d) (local.get $row_bytes)))
                        (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
                        (br $each_ci)))
                      (local.set $src (i32.add (local.get $src) (local.get $step)))
                      (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                      (br $each_ox)))))))
            (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $out_w) (i32.const 2))))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $each_oy)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br $each_n)))
        (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
        (br $each_kx)))
      (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
      (br $each_ky))))

  ;; out[r, c] = x[r, c] + bias[c] for a row-major [rows, cols] matrix (a bias added to
  ;; every position of a layer's output).
  (func (export "add_bias")
    (param $x i32) (param $bias i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $stride i32) (local $end4 i32)
    (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 2)))
    (block $rows_done (loop $each_row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $c (i32.const 0))
      (block $quads_done (loop $each_quad
        (br_if $quads_done (i32.ge_u (local.get $c) (local.get $end4)))
        (v128.store (i32.add (local.get $out) (local.get $c))
          (f32x4.add (v128.load (i32.add (local.get $x) (local.get $c))) (v128.load (i32.add (local.get $bias) (local.get $c)))))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $each_quad)))
      (block $singles_done (loop $each_single
        (br_if $singles_done (i32.ge_u (local.get $c) (local.get $stride)))
        (f32.store (i32.add (local.get $out) (local.get $c))
          (f32.add (f32.load (i32.add (local.get $x) (local.get $c))) (f32.load (i32.add (local.get $bias) (local.get $c)))))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $each_single)))
      (local.set $x (i32.add (local.get $x) (local.get $stride)))
      (local.set $out (i32.add (local.get $out) (local.get $stride)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $each_row)))
  )

  ;; A batch of small matrix products, out[i] = a[i] · b[i] for i < batch, row-major, with
  ;; a[i] of m x k at a + i*a_step and b[i] of k x n at b + i*b_step (a step of 0 reuses one
  ;; matrix for the whole batch). Four columns of a row are computed at a time.
  (func (export "batch_matmul")
    (param $a i32) (param $b i32) (param $out i32)
    (param $batch i32) (param $m i32) (param $k i32) (param $n i32)
    (param $a_step i32) (param $b_step i32)
    (local $i i32) (local $row i32) (local $col i32) (local $p i32) (local $end4 i32) (local $n_bytes i32)
    (local $a_row i32) (local $b_col i32) (local $acc v128) (local $acc_s f32)
    (local.set $n_bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $batch_done (loop $each_item
      (br_if $batch_done (i32.ge_u (local.get $i) (local.get $batch)))
      (local.set $row (i32.const 0))
      (block $rows_done (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $m)))
        (local.set $a_row (i32.add (local.get $a) (i32.shl (i32.mul (local.get $row) (local.get $k)) (i32.const 2))))
        (local.set $col (i32.const 0))
        (block $quads_done (loop $each_quad
          (br_if $quads_done (i32.ge_u (local.get $col) (local.get $end4)))
          (local.set $acc (v128.const i32x4 0 0 0 0))
          (local.set $b_col (i32.add (local.get $b) (local.get $col)))
          (local.set $p (i32.const 0))
          (block $k_done (loop $each_k
            (br_if $k_done (i32.ge_u (local.get $p) (local.get $k)))
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $a_row) (i32.shl (local.get $p) (i32.const 2)))))
                         (v128.load (local.get $b_col)))))
            (local.set $b_col (i32.add (local.get $b_col) (local.get $n_bytes)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $each_k)))
          (v128.store (i32.add (local.get $out) (local.get $col)) (local.get $acc))
          (local.set $col (i32.add (local.get $col) (i32.const 16)))
          (br $each_quad)))
        (block $singles_done (loop $each_single
          (br_if $singles_done (i32.ge_u (local.get $col) (local.get $n_bytes)))
          (local.set $acc_s (f32.const 0))
          (local.set $b_col (i32.add (local.get $b) (local.get $col)))
          (local.set $p (i32.const 0))
          (block $k_done_s (loop $each_k_s
            (br_if $k_done_s (i32.ge_u (local.get $p) (local.get $k)))
            (local.set $acc_s (f32.add (local.get $acc_s)
              (f32.mul (f32.load (i32.add (local.get $a_row) (i32.shl (local.get $p) (i32.const 2))))
                       (f32.load (local.get $b_col)))))
            (local.set $b_col (i32.add (local.get $b_col) (local.get $n_bytes)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $each_k_s)))
          (f32.store (i32.add (local.get $out) (local.get $col)) (local.get $acc_s))
          (local.set $col (i32.add (local.get $col) (i32.const 4)))
          (br $each_single)))
        (local.set $out (i32.add (local.get $out) (local.get $n_bytes)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $each_row)))
      (local.set $a (i32.add (local.get $a) (local.get $a_step)))
      (local.set $b (i32.add (local.get $b) (local.get $b_step)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $each_item)))
  )

  ;; A batch of matrix products out[i] = A[i] · B[i] for i < batch, in register tiles of
  ;; 4 rows x 8 columns. A[i] is m x k with element (r, p) at a + i*a_step + r*a_row +
  ;; p*a_col (byte strides: a transposed left operand is read in place); B[i] is row-major
  ;; k x n at b + i*b_step (a step of 0 reuses one matrix); the outputs are row-major
  ;; m x n, one after another. Needs m >= 4 and n >= 8: the last tile of a row or column
  ;; overlaps its neighbour instead of running short, recomputing a few identical values.
  (func (export "gemm")
    (param $a i32) (param $b i32) (param $out i32) (param $batch i32) (param $m i32) (param $k i32) (param $n i32)
    (param $a_step i32) (param $b_step i32) (param $a_row i32) (param $a_col i32)
    (local $item i32) (local $i i32) (local $j i32) (local $ti i32) (local $tj i32) (local $p i32)
    (local $pa i32) (local $pb i32) (local $po i32) (local $n_bytes i32) (local $out_step i32)
    (local $r2 i32) (local $r3 i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $n_bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $out_step (i32.mul (local.get $m) (local.get $n_bytes)))
    (local.set $r2 (i32.shl (local.get $a_row) (i32.const 1)))
    (local.set $r3 (i32.add (local.get $r2) (local.get $a_row)))
    (block $batch_done (loop $each_item
      (br_if $batch_done (i32.ge_u (local.get $item) (local.get $batch)))
      (local.set $i (i32.const 0))
      (loop $each_row_tile
        ;; first row of this tile: i, or m - 4 for the last one
        (local.set $ti (select (local.get $i) (i32.sub (local.get $m) (i32.const 4))
          (i32.le_u (local.get $i) (i32.sub (local.get $m) (i32.const 4)))))
        (local.set $j (i32.const 0))
        (loop $each_col_tile
          (local.set $tj (select (local.get $j) (i32.sub (local.get $n) (i32.const 8))
            (i32.le_u (local.get $j) (i32.sub (local.get $n) (i32.const 8)))))
          (local.set $c00 (v128.const i32x4 0 0 0 0))
          (local.set $c01 (v128.const i32x4 0 0 0 0))
          (local.set $c10 (v128.const i32x4 0 0 0 0))
          (local.set $c11 (v128.const i32x4 0 0 0 0))
          (local.set $c20 (v128.const i32x4 0 0 0 0))
          (local.set $c21 (v128.const i32x4 0 0 0 0))
          (local.set $c30 (v128.const i32x4 0 0 0 0))
          (local.set $c31 (v128.const i32x4 0 0 0 0))
          (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $ti) (local.get $a_row))))
          (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $tj) (i32.const 2))))
          (local.set $p (local.get $k))
          (block $k_done (loop $each_k
            (br_if $k_done (i32.eqz (local.get $p)))
            (local.set $b0 (v128.load (local.get $pb)))
            (local.set $b1 (v128.load offset=16 (local.get $pb)))
            (local.set $x (v128.load32_splat (local.get $pa)))
            (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $x (v128.load32_splat (i32.add (local.get $pa) (local.get $a_row))))
            (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $x (v128.load32_splat (i32.add (local.get $pa) (local.get $r2))))
            (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $x (v128.load32_splat (i32.add (local.get $pa) (local.get $r3))))
            (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
            (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
            (local.set $pa (i32.add (local.get $pa) (local.get $a_col)))
            (local.set $pb (i32.add (local.get $pb) (local.get $n_bytes)))
            (local.set $p (i32.sub (local.get $p) (i32.const 1)))
            (br $each_k)))
          (local.set $po (i32.add (local.get $out)
            (i32.shl (i32.add (i32.mul (local.get $ti) (local.get $n)) (local.get $tj)) (i32.const 2))))
          (v128.store (local.get $po) (local.get $c00))
          (v128.store offset=16 (local.get $po) (local.get $c01))
          (local.set $po (i32.add (local.get $po) (local.get $n_bytes)))
          (v128.store (local.get $po) (local.get $c10))
          (v128.store offset=16 (local.get $po) (local.get $c11))
          (local.set $po (i32.add (local.get $po) (local.get $n_bytes)))
          (v128.store (local.get $po) (local.get $c20))
          (v128.store offset=16 (local.get $po) (local.get $c21))
          (local.set $po (i32.add (local.get $po) (local.get $n_bytes)))
          (v128.store (local.get $po) (local.get $c30))
          (v128.store offset=16 (local.get $po) (local.get $c31))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br_if $each_col_tile (i32.lt_u (local.get $j) (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br_if $each_row_tile (i32.lt_u (local.get $i) (local.get $m))))
      (local.set $a (i32.add (local.get $a) (local.get $a_step)))
      (local.set $b (i32.add (local.get $b) (local.get $b_step)))
      (local.set $out (i32.add (local.get $out) (local.get $out_step)))
      (local.set $item (i32.add (local.get $item) (i32.const 1)))
      (br $each_item)))
  )

  ;; Each of a batch of row-major rows x cols matrices transposed into out (cols x rows),
  ;; one after another.
  (func (export "transpose")
    (param $x i32) (param $out i32) (param $batch i32) (param $rows i32) (param $cols i32)
    (local $item i32) (local $r i32) (local $c i32) (local $dst i32) (local $row_bytes i32)
    (local.set $row_bytes (i32.shl (local.get $rows) (i32.const 2)))
    (block $batch_done (loop $each_item
      (br_if $batch_done (i32.ge_u (local.get $item) (local.get $batch)))
      (local.set $r (i32.const 0))
      (block $rows_done (loop $each_row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        ;; row r of x goes down column r of out
        (local.set $dst (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))))
        (local.set $c (local.get $cols))
        (block $cols_done (loop $each_col
          (br_if $cols_done (i32.eqz (local.get $c)))
          (f32.store (local.get $dst) (f32.load (local.get $x)))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (local.set $dst (i32.add (local.get $dst) (local.get $row_bytes)))
          (local.set $c (i32.sub (local.get $c) (i32.const 1)))
          (br $each_col)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $each_row)))
      (local.set $out (i32.add (local.get $out) (i32.mul (local.get $row_bytes) (local.get $cols))))
      (local.set $item (i32.add (local.get $item) (i32.const 1)))
      (br $each_item)))
  )
)
