// peers_cnn.mjs: the bench's CNN workload (tests/bench/cnn_digits.c: chapter 22's network, 8
// kernels 3x3 pad 1, ReLU, 2x2 max pool, dense 128 -> 10 softmax, plain SGD) on TensorFlow.js
// (cpu and wasm backends) and ConvNetJS. Each loads the book's initial weights and trains on the
// same batches in the same order (both from `cnn_digits --json`); each checks its loss before
// training against the book's (the layouts below are easy to get wrong) and reports its final
// loss, so the table shows they did the same work. Installed only for the bench
// (tests/bench/peers/package.json).
//
// Layouts. The book: images (64,) row-major (y, x); kernels (K, C=1, 3, 3) as (k, r, t); the
// pooled features in (channel, y, x) order, so the dense weight on channel d at (y, x) is
// W[o][d * 16 + y * 4 + x]. TensorFlow.js is channels-last: images [B, 8, 8, 1], kernels
// [3, 3, 1, K] (kh, kw, in, out), pooled [B, 4, 4, K] flattened (y, x, d). ConvNetJS Vols are
// (x, y, depth) with w[(sx * y + x) * depth + d], filters likewise (3, 3, 1), so its pooled Vol
// is also flattened (y, x, d).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runEach, tfOn, tfPeers } from './peers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, 'peers', 'package.json'));
const now = () => performance.now();
const WARM = 100; // untimed warm-up steps on a throwaway copy (kernels compile, V8 tiers up)

// Mean cross-entropy of probabilities p (n, 10) against digit labels.
function crossEntropy(p, y) {
  let s = 0;
  for (let i = 0; i < y.length; i++) s -= Math.log(Math.max(1e-30, p[i * 10 + y[i]]));
  return s / y.length;
}

// Dense weight index of pooled feature (y, x, d) in channels-last order, from the book's.
const pooled = (K) => {
  const map = new Int32Array(16 * K); // channels-last position -> book position
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let d = 0; d < K; d++) map[(y * 4 + x) * K + d] = d * 16 + y * 4 + x;
  return map;
};

function checkStart(name, loss, data, tol) {
  if (!(Math.abs(loss - data.initial_loss) <= tol))
    throw new Error(`${name} starts at loss ${loss}, the book at ${data.initial_loss}: not the same network`);
}

// ---- TensorFlow.js: the network written with tf ops, trained with tf.train.sgd ----
async function tfjs(data, backend) {
  const tf = await tfOn(backend);
  const { n, batch, steps, lr, kernels: K } = data;
  const nb = n / batch, F = 16 * K, map = pooled(K);
  const kernel = new Float32Array(9 * K); // [3, 3, 1, K]
  for (let k = 0; k < K; k++) for (let q = 0; q < 9; q++) kernel[q * K + k] = data.conv_w[k * 9 + q];
  const dense = new Float32Array(F * 10); // [F, 10], rows in channels-last order
  for (let f = 0; f < F; f++) for (let o = 0; o < 10; o++) dense[f * 10 + o] = data.dense_W[o * F + map[f]];
  const init = () => [
    tf.variable(tf.tensor4d(kernel, [3, 3, 1, K])), tf.variable(tf.tensor1d(Float32Array.from(data.conv_b))),
    tf.variable(tf.tensor2d(dense, [F, 10])), tf.variable(tf.tensor1d(Float32Array.from(data.dense_b))),
  ];
  const xs = [], ys = [];
  for (let k = 0; k < nb; k++) {
    xs.push(tf.tensor4d(Float32Array.from(data.x.slice(k * batch * 64, (k + 1) * batch * 64)), [batch, 8, 8, 1]));
    ys.push(tf.oneHot(tf.tensor1d(data.y.slice(k * batch, (k + 1) * batch), 'int32'), 10).toFloat());
  }
  const logits = ([cw, cb, dw, db], x) => {
    const h = tf.relu(tf.conv2d(x, cw, 1, 'same').add(cb)); // 'same' at 3x3, stride 1: padding 1
    const p = tf.maxPool(h, 2, 2, 'valid');
    return p.reshape([x.shape[0], F]).matMul(dw).add(db);
  };
  const lossOf = (vars) => {
    let s = 0;
    for (let k = 0; k < nb; k++) s += tf.tidy(() => tf.losses.softmaxCrossEntropy(ys[k], logits(vars, xs[k]))).arraySync();
    return s / nb;
  };
  const train = (vars, count) => {
    const opt = tf.train.sgd(lr);
    for (let k = 0; k < count; k++)
      tf.tidy(() => { opt.minimize(() => tf.losses.softmaxCrossEntropy(ys[k % nb], logits(vars, xs[k % nb])), false, vars); });
    opt.dispose();
  };
  const warm = init();
  checkStart(`TensorFlow.js (${backend})`, lossOf(warm), data, 1e-4); // float32
  train(warm, WARM);
  warm.forEach((v) => v.dispose());
  const vars = init();
  const t0 = now();
  train(vars, steps);
  await vars[3].data(); // waits for every kernel
  const seconds = (now() - t0) / 1000;
  const out = { images_per_second: (steps * batch) / seconds, final_loss: lossOf(vars) };
  tf.dispose([...vars, ...xs, ...ys]);
  return out;
}

// ---- ConvNetJS: conv (relu) - pool - softmax, its own Trainer with plain SGD ----
function convnet(data) {
  const convnetjs = require('convnetjs');
  const { n, batch, steps, lr, kernels: K } = data;
  const F = 16 * K, map = pooled(K);
  const build = () => {
    const net = new convnetjs.Net();
    net.makeLayers([
      { type: 'input', out_sx: 8, out_sy: 8, out_depth: 1 },
      { type: 'conv', sx: 3, filters: K, stride: 1, pad: 1, activation: 'relu' },
      { type: 'pool', sx: 2, stride: 2 },
      { type: 'softmax', num_classes: 10 },
    ]);
    const conv = net.layers.find((L) => L.layer_type === 'conv'), fc = net.layers.find((L) => L.layer_type === 'fc');
    for (let k = 0; k < K; k++) {
      for (let q = 0; q < 9; q++) conv.filters[k].w[q] = data.conv_w[k * 9 + q]; // (3 r + t) * depth 1
      conv.biases.w[k] = data.conv_b[k];
    }
    for (let o = 0; o < 10; o++) {
      for (let f = 0; f < F; f++) fc.filters[o].w[f] = data.dense_W[o * F + map[f]];
      fc.biases.w[o] = data.dense_b[o];
    }
    return net;
  };
  const vols = [];
  for (let i = 0; i < n; i++) {
    const v = new convnetjs.Vol(8, 8, 1, 0);
    for (let q = 0; q < 64; q++) v.w[q] = data.x[i * 64 + q]; // (sx * y + x) * 1
    vols.push(v);
  }
  const lossOf = (net) => {
    const p = new Float64Array(n * 10);
    vols.forEach((v, i) => p.set(net.forward(v).w, i * 10));
    return crossEntropy(p, data.y);
  };
  const train = (net, count) => {
    const trainer = new convnetjs.Trainer(net, { method: 'sgd', learning_rate: lr, batch_size: batch, momentum: 0, l2_decay: 0, l1_decay: 0 });
    for (let k = 0; k < count; k++) {
      const from = (k % (n / batch)) * batch;
      for (let i = from; i < from + batch; i++) trainer.train(vols[i], data.y[i]);
    }
  };
  const warm = build();
  checkStart('ConvNetJS', lossOf(warm), data, 1e-9); // doubles, like the book
  train(warm, WARM);
  const net = build();
  const t0 = now();
  train(net, steps);
  const seconds = (now() - t0) / 1000;
  return { images_per_second: (steps * batch) / seconds, final_loss: lossOf(net) };
}

// Every peer of the CNN workload. between(), if given, runs after each (the bench times the book
// there again, so that its runs are spread over the same minutes, and the same load, as the peers').
export const runCnnPeers = (data, between) => runEach([...tfPeers((b) => tfjs(data, b)), ['ConvNetJS', () => convnet(data)]], between);
