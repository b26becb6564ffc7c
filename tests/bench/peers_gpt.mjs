// peers_gpt.mjs: the bench's transformer workload (tests/bench/gpt_austen.c, chapter 26's model at
// its widget's defaults) on TensorFlow.js, cpu and wasm backends. The model is written with tf ops
// exactly as engine/core/gpt.c computes it: token plus position embeddings; per block a pre-norm
// (layer norm, eps 1e-5 inside the square root, population variance) causal multi-head attention
// with scores q.k / sqrt(hs) (hs = C / NH), its output projection and a residual, then a pre-norm
// feed-forward block (4C wide, ReLU or gpt.h's tanh GELU) and a residual; a final layer norm and an
// untied output projection (headw, headb); mean softmax cross-entropy over every position. The
// step is tf_step's: gradient, its global norm clipped to `clip`, then Adam with PyTorch's
// bias corrections and eps outside the square root (tf.train.adam computes exactly that; with a
// non-zero weight decay the decoupled AdamW update is written in tf ops instead).
// It loads the initial weights and the batches `gpt_austen --json` writes, checks that its loss on
// batch 0 before training equals the book's to 1e-5, warms up on a throwaway copy, then times a
// fresh run of every batch in order. Installed only for the bench (tests/bench/peers/package.json).
import { runEach, tfOn, tfPeers } from './peers.mjs';

const now = () => performance.now();

async function tfGpt(data, backend) {
  const tf = await tfOn(backend);
  const { V, C, L, NH, T, B, steps } = data;
  const hs = C / NH, N = B * T;
  const W = data.params;
  // gpt.h stores a linear map as w (out, in) row-major; a tf kernel is (in, out): transpose on load.
  const kernel = (src, off, nout, nin) => {
    const k = new Float32Array(nin * nout);
    for (let o = 0; o < nout; o++) for (let i = 0; i < nin; i++) k[i * nout + o] = src[off + o * nin + i];
    return tf.tensor2d(k, [nin, nout]);
  };
  const vec = (src, off, n) => tf.tensor1d(Float32Array.from(src.slice(off, off + n)));
  const init = () => {
    const v = { wte: tf.tensor2d(Float32Array.from(W.wte), [V, C]), wpe: tf.tensor2d(Float32Array.from(W.wpe), [T, C]) };
    for (let l = 0; l < L; l++) {
      Object.assign(v, {
        [`ln1w${l}`]: vec(W.ln1w, l * C, C), [`ln1b${l}`]: vec(W.ln1b, l * C, C),
        [`qkvw${l}`]: kernel(W.qkvw, l * 3 * C * C, 3 * C, C), [`qkvb${l}`]: vec(W.qkvb, l * 3 * C, 3 * C),
        [`projw${l}`]: kernel(W.projw, l * C * C, C, C), [`projb${l}`]: vec(W.projb, l * C, C),
        [`ln2w${l}`]: vec(W.ln2w, l * C, C), [`ln2b${l}`]: vec(W.ln2b, l * C, C),
        [`fcw${l}`]: kernel(W.fcw, l * 4 * C * C, 4 * C, C), [`fcb${l}`]: vec(W.fcb, l * 4 * C, 4 * C),
        [`fcprojw${l}`]: kernel(W.fcprojw, l * 4 * C * C, C, 4 * C), [`fcprojb${l}`]: vec(W.fcprojb, l * C, C),
      });
    }
    Object.assign(v, { lnfw: vec(W.lnfw, 0, C), lnfb: vec(W.lnfb, 0, C), headw: kernel(W.headw, 0, V, C), headb: vec(W.headb, 0, V) });
    for (const k of Object.keys(v)) { const t = v[k]; v[k] = tf.variable(t, true, `${backend}_${k}_${Math.random()}`); t.dispose(); }
    return v;
  };
  // Batches: one-hot tokens and targets (N, V) each, made before any timing.
  const toks = [], tgts = [];
  for (let k = 0; k < steps; k++) {
    const tok = new Int32Array(N), tgt = new Int32Array(N);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
      const w = (k * B + b) * (T + 1);
      tok[b * T + t] = data.batches[w + t];
      tgt[b * T + t] = data.batches[w + t + 1];
    }
    toks.push(tf.tidy(() => tf.oneHot(tf.tensor1d(tok, 'int32'), V).toFloat()));
    tgts.push(tf.tidy(() => tf.oneHot(tf.tensor1d(tgt, 'int32'), V).toFloat()));
  }
  const mask = tf.tidy(() => tf.linalg.bandPart(tf.ones([T, T]), -1, 0).sub(1).mul(1e9)); // 0 on u <= t, -1e9 above
  const scale = Math.fround(1 / Math.sqrt(hs)); // tensor.c: 1.0f / sqrtf(hs)
  const layernorm = (x, w, b) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(w).add(b);
  };
  const act = data.act === 'gelu'
    ? (x) => x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1))
    : (x) => tf.relu(x);
  const heads = (m) => m.reshape([B, T, NH, hs]).transpose([0, 2, 1, 3]); // (B, NH, T, hs)
  const loss = (v, tok, onehot) => {
    // the token embedding as onehot(tok) @ wte (exact: one product by 1, the rest by 0), since the
    // wasm backend has no gradient for gather (UnsortedSegmentSum)
    let x = tok.matMul(v.wte).reshape([B, T, C]).add(v.wpe).reshape([N, C]); // (N, C)
    for (let l = 0; l < L; l++) {
      const qkv = layernorm(x, v[`ln1w${l}`], v[`ln1b${l}`]).matMul(v[`qkvw${l}`]).add(v[`qkvb${l}`]);
      const [q, k, vv] = tf.split(qkv, 3, 1);
      const att = tf.softmax(tf.matMul(heads(q), heads(k), false, true).mul(scale).add(mask), -1);
      const y = tf.matMul(att, heads(vv)).transpose([0, 2, 1, 3]).reshape([N, C]);
      x = x.add(y.matMul(v[`projw${l}`]).add(v[`projb${l}`]));
      const h = act(layernorm(x, v[`ln2w${l}`], v[`ln2b${l}`]).matMul(v[`fcw${l}`]).add(v[`fcb${l}`]));
      x = x.add(h.matMul(v[`fcprojw${l}`]).add(v[`fcprojb${l}`]));
    }
    const logits = layernorm(x, v.lnfw, v.lnfb).matMul(v.headw).add(v.headb);
    return tf.losses.softmaxCrossEntropy(onehot, logits); // the mean over the N positions
  };
  const train = (v, count) => {
    const list = Object.values(v);
    const opt = data.wd ? null : tf.train.adam(data.lr, data.beta1, data.beta2, data.eps);
    const mom = data.wd ? list.map((p) => [tf.zerosLike(p).variable(false), tf.zerosLike(p).variable(false)]) : null;
    let b1t = 1, b2t = 1, last = null;
    for (let k = 0; k < count; k++) {
      const s = k % steps;
      if (last) last.dispose();
      last = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => loss(v, toks[s], tgts[s]), list);
        const g = list.map((p) => grads[p.name]);
        const norm = tf.sqrt(tf.addN(g.map((x) => tf.sum(tf.square(x)))));
        const f = tf.minimum(1, tf.div(data.clip, norm)); // scale by clip / norm when norm > clip
        const clipped = g.map((x) => x.mul(f));
        if (opt) opt.applyGradients(list.map((p, i) => ({ name: p.name, tensor: clipped[i] })));
        else { // AdamW: decoupled decay, then Adam's step (tensor.c's tn_adamw)
          b1t *= data.beta1, b2t *= data.beta2;
          list.forEach((p, i) => {
            const [m, vv] = mom[i], gi = clipped[i];
            const m1 = m.mul(data.beta1).add(gi.mul(1 - data.beta1)), v1 = vv.mul(data.beta2).add(gi.square().mul(1 - data.beta2));
            m.assign(m1), vv.assign(v1);
            const x = p.sub(p.mul(data.lr * data.wd));
            p.assign(x.sub(m1.div(1 - b1t).div(v1.div(1 - b2t).sqrt().add(data.eps)).mul(data.lr)));
          });
        }
        return tf.keep(value);
      });
    }
    if (opt) opt.dispose();
    if (mom) mom.flat().forEach((t) => t.dispose());
    return last;
  };
  const lossOf = (v) => tf.tidy(() => loss(v, toks[0], tgts[0])).dataSync()[0];
  const dispose = (v) => Object.values(v).forEach((t) => t.dispose());
  // Same function: the loss on batch 0 from the book's initial weights.
  const warm = init();
  const initial = lossOf(warm);
  if (!(Math.abs(initial - data.initial_loss) <= 1e-5)) throw new Error(`initial loss ${initial} is not the book's ${data.initial_loss}`);
  // Warm-up on the throwaway copy (kernels compile, V8 tiers up), then a fresh run is timed.
  train(warm, 10).dataSync();
  dispose(warm);
  const v = init();
  const t0 = now();
  const last = train(v, steps);
  const lastLoss = last.dataSync()[0]; // waits for every kernel
  const seconds = (now() - t0) / 1000;
  const out = { chars_per_second: (steps * N) / seconds, steps_per_second: steps / seconds, initial_loss: initial, last_step_loss: lastLoss, final_loss: lossOf(v) };
  last.dispose();
  dispose(v);
  tf.dispose([...toks, ...tgts, mask]);
  return out;
}

// Both TensorFlow.js backends on the transformer workload.
export const runGptPeers = (data) => runEach(tfPeers((b) => tfGpt(data, b)));
