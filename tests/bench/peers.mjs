// peers.mjs: the bench's MLP workload (tests/bench/mlp_spiral.c) on what a reader might use
// instead of the book's engine: TensorFlow.js with its cpu and wasm backends, and ConvNetJS.
// Each starts from the same initial weights and trains on the same batches in the same order as
// the book's engine (both come from `mlp_spiral --json`), so their final losses show they did
// the same work. Installed only for the bench (tests/bench/peers/package.json).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, 'peers', 'package.json'));

const now = () => performance.now();

// TensorFlow.js on `backend` ('cpu' or 'wasm', whose binaries are loaded from the installed
// package), ready to use. Shared by every peer file (peers_cnn.mjs, peers_gpt.mjs).
export async function tfOn(backend) {
  const tf = require('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(pathToFileURL(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/')).href);
  }
  await tf.setBackend(backend);
  await tf.ready();
  return tf;
}

// Runs each [name, fn] in turn; one that cannot run is reported with its error, not thrown.
// between(), if given, runs after each (the CNN part times the book there again).
export async function runEach(list, between = () => {}) {
  const out = [];
  for (const [name, fn] of list) {
    try {
      out.push({ engine: name, ...(await fn()) });
    } catch (e) {
      out.push({ engine: name, error: String(e && e.message ? e.message : e).split('\n')[0] });
    }
    await between();
  }
  return out;
}

// The peers of the MLP, CNN and transformer workloads.
export const tfPeers = (run) => [['TensorFlow.js (cpu)', () => run('cpu')], ['TensorFlow.js (wasm)', () => run('wasm')]];

// Mean binary cross-entropy of sigmoid outputs p against 0/1 labels.
function bce(p, y) {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]));
    s -= y[i] ? Math.log(q) : Math.log(1 - q);
  }
  return s / y.length;
}

// ---- TensorFlow.js: the model written with tf ops, trained with tf.train.sgd ----
async function tfjs(data, backend) {
  const tf = await tfOn(backend);
  const { n, batch, steps, lr } = data;
  const nb = n / batch;
  // Our W[l] is (out, in) row-major; a tf kernel is (in, out): transpose while loading.
  const kernel = (L, nin, nout) => {
    const k = new Float32Array(nin * nout);
    for (let o = 0; o < nout; o++) for (let i = 0; i < nin; i++) k[i * nout + o] = L.W[o * nin + i];
    return k;
  };
  const init = () => data.layers.map((L, l) => {
    const nin = data.sizes[l], nout = data.sizes[l + 1];
    return [tf.variable(tf.tensor2d(kernel(L, nin, nout), [nin, nout])), tf.variable(tf.tensor1d(Float32Array.from(L.b)))];
  });
  const xs = [], ys = [];
  for (let k = 0; k < nb; k++) {
    xs.push(tf.tensor2d(Float32Array.from(data.x.slice(2 * k * batch, 2 * (k + 1) * batch)), [batch, 2]));
    ys.push(tf.tensor2d(Float32Array.from(data.y.slice(k * batch, (k + 1) * batch)), [batch, 1]));
  }
  const logits = (vars, x) => {
    let h = x;
    vars.forEach(([W, b], l) => {
      h = h.matMul(W).add(b);
      if (l < vars.length - 1) h = tf.tanh(h);
    });
    return h;
  };
  const train = (vars, count) => {
    const opt = tf.train.sgd(lr);
    const flat = vars.flat();
    for (let k = 0; k < count; k++) {
      tf.tidy(() => {
        opt.minimize(() => tf.losses.sigmoidCrossEntropy(ys[k % nb], logits(vars, xs[k % nb])), false, flat);
      });
    }
    opt.dispose();
  };
  // Warm up on a throwaway copy (kernels compile, V8 tiers up), then time a fresh run.
  const warm = init();
  train(warm, 200);
  warm.flat().forEach((v) => v.dispose());
  const vars = init();
  const t0 = now();
  train(vars, steps);
  const all = tf.tensor2d(Float32Array.from(data.x), [n, 2]);
  const p = tf.tidy(() => tf.sigmoid(logits(vars, all))).dataSync(); // waits for every kernel
  const seconds = (now() - t0) / 1000;
  const out = { steps_per_second: steps / seconds, final_loss: bce(p, data.y) };
  tf.dispose([...vars.flat(), ...xs, ...ys, all]);
  return out;
}

// ---- ConvNetJS: fc-tanh-fc-tanh, then its softmax layer over two classes ----
// ConvNetJS has no sigmoid/cross-entropy output; a two-class softmax whose first class has zero
// weights computes exactly the sigmoid of the second class's logit, so it starts as the same
// function (it then has twice the output parameters to move: noted in the README).
function convnet(data) {
  const convnetjs = require('convnetjs');
  const { n, batch, steps, lr } = data;
  const build = () => {
    const net = new convnetjs.Net();
    net.makeLayers([
      { type: 'input', out_sx: 1, out_sy: 1, out_depth: 2 },
      { type: 'fc', num_neurons: data.sizes[1], activation: 'tanh' },
      { type: 'fc', num_neurons: data.sizes[2], activation: 'tanh' },
      { type: 'softmax', num_classes: 2 },
    ]);
    const fcs = net.layers.filter((L) => L.layer_type === 'fc');
    fcs.forEach((fc, l) => {
      const L = data.layers[l], nin = data.sizes[l];
      const out = l === 2 ? 2 : data.sizes[l + 1];
      for (let o = 0; o < out; o++) {
        const src = l === 2 ? o - 1 : o; // output: class 0 all zeros, class 1 our unit
        for (let i = 0; i < nin; i++) fc.filters[o].w[i] = src < 0 ? 0 : L.W[src * nin + i];
        fc.biases.w[o] = src < 0 ? 0 : L.b[src];
      }
    });
    return net;
  };
  const vols = [];
  for (let i = 0; i < n; i++) vols.push(new convnetjs.Vol([data.x[2 * i], data.x[2 * i + 1]]));
  const train = (net, count) => {
    const trainer = new convnetjs.Trainer(net, { method: 'sgd', learning_rate: lr, batch_size: batch, momentum: 0, l2_decay: 0 });
    for (let k = 0; k < count; k++) {
      const from = (k % (n / batch)) * batch;
      for (let i = from; i < from + batch; i++) trainer.train(vols[i], data.y[i]);
    }
  };
  train(build(), 200);
  const net = build();
  const t0 = now();
  train(net, steps);
  const seconds = (now() - t0) / 1000;
  const p = vols.map((v) => net.forward(v).w[1]);
  return { steps_per_second: steps / seconds, final_loss: bce(p, data.y), note: 'two-class softmax output' };
}

// Every peer of the MLP workload.
export const runPeers = (data) => runEach([...tfPeers((b) => tfjs(data, b)), ['ConvNetJS', () => convnet(data)]]);
