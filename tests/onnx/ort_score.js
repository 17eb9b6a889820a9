#!/usr/bin/env node
// ONNX Runtime's side of the ONNX tests: scores a model on the 10,000 MNIST test images.
//
//   node ort_score.js MODEL.onnx MNIST_DIR OUT.json [--threads N] [--batch B] [--bench [--repeat R]]
//
// Reads t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz) (IDX, gzip through zlib), scales
// the pixels by 1/255 (as nndl's IDX reader: include/nndl/data/idx.hpp) into the element type the model's
// input declares (float32 or float64), shapes each batch as the input declares ([N,784] or [N,1,28,28];
// a fixed first dimension is used as the batch), runs batches of B (default 100) and writes
//   {"correct": n, "images": 10000, "input": name, "output": name, "type": "float32", "outputs": [[10 values], ...]}
// with every image's outputs. --threads N (default 1): intra- and inter-op threads, sequential execution.
// --bench: afterwards, images/s at batch 1 and at batch 100 with one thread (intra 1, inter 1, sequential),
// the median of R passes (default 5) over the 10,000 images after a warm-up; the tensors are made first.
// The time includes onnxruntime-node's call from JavaScript (an asynchronous call per batch).
// Exit status: 0 done, 1 a failure (said on stderr), 2 a bad command line.
// onnxruntime-node comes from scripts/deps_npm.sh (NODE_PATH points at its node_modules).
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

function usage(why) {
  process.stderr.write(`ort_score: ${why}\nusage: node ort_score.js MODEL.onnx MNIST_DIR OUT.json [--threads N] [--batch B] [--bench [--repeat R]]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {threads: 1, batch: 100, bench: false, repeat: 5, positional: []};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const count = (name) => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) usage(`${name} needs a positive integer, not '${argv[i]}'`);
      return v;
    };
    if (a === '--threads') o.threads = count(a);
    else if (a === '--batch') o.batch = count(a);
    else if (a === '--bench') o.bench = true;
    else if (a === '--repeat') o.repeat = count(a);
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else o.positional.push(a);
  }
  if (o.positional.length !== 3) usage('needs MODEL.onnx, MNIST_DIR and OUT.json');
  [o.model, o.data, o.out] = o.positional;
  return o;
}

function readIdx(dir, name) {
  for (const candidate of [name + '.gz', name]) {
    const file = path.join(dir, candidate);
    if (!fs.existsSync(file)) continue;
    let bytes = fs.readFileSync(file);
    if (candidate.endsWith('.gz')) bytes = zlib.gunzipSync(bytes);
    if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 8)
      throw new Error(`${file}: not an unsigned-byte IDX file`);
    const ndim = bytes[3];
    const dims = [];
    for (let i = 0; i < ndim; ++i) dims.push(bytes.readUInt32BE(4 + 4 * i));
    const body = bytes.subarray(4 + 4 * ndim);
    const n = dims.reduce((a, b) => a * b, 1);
    if (body.length !== n) throw new Error(`${file}: ${body.length} bytes of data for dimensions ${dims.join('x')}`);
    return {file, dims, body};
  }
  throw new Error(`${name}(.gz) not found in ${dir}`);
}

function loadTest(dir) {
  const images = readIdx(dir, 't10k-images-idx3-ubyte');
  const labels = readIdx(dir, 't10k-labels-idx1-ubyte');
  if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28)
    throw new Error(`${images.file}: dimensions ${images.dims.join('x')}, not N x 28 x 28`);
  if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0])
    throw new Error(`${labels.file}: ${labels.dims[0]} labels for ${images.dims[0]} images`);
  return {count: images.dims[0], pixels: images.body, labels: labels.body};
}

function sessionOptions(threads) {
  return {executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: threads,
          executionMode: 'sequential', graphOptimizationLevel: 'all'};
}

/// What the model's (single) input and output are: name, element type, dims with the batch first.
function describe(session, file) {
  if (session.inputNames.length !== 1) throw new Error(`${file}: ${session.inputNames.length} inputs, expected one`);
  const meta = session.inputMetadata[0];
  const type = meta.type;
  if (type !== 'float32' && type !== 'float64') throw new Error(`${file}: input ${meta.name} is ${type}, not float32 or float64`);
  const dims = meta.shape;
  const rest = dims.slice(1);
  const ok = rest.every((d) => typeof d === 'number') && rest.reduce((a, b) => a * b, 1) === 784 &&
             (rest.length === 1 || (rest.length === 3 && rest[0] === 1 && rest[1] === 28 && rest[2] === 28));
  if (!ok) throw new Error(`${file}: input ${meta.name} has dimensions [${dims.join(', ')}], not [N, 784] or [N, 1, 28, 28]`);
  return {input: meta.name, output: session.outputNames[0], type, rest,
          fixedBatch: typeof dims[0] === 'number' && dims[0] > 0 ? dims[0] : null};
}

function makeBatch(ort, io, data, start, n) {
  const Array_ = io.type === 'float64' ? Float64Array : Float32Array;
  const x = new Array_(n * 784);
  const scale = new Array_(256);
  for (let v = 0; v < 256; ++v) scale[v] = v / 255;  // (the same float32 values as float(v) / 255.f)
  const src = data.pixels.subarray(start * 784, (start + n) * 784);
  for (let i = 0; i < src.length; ++i) x[i] = scale[src[i]];
  return new ort.Tensor(io.type, x, [n, ...io.rest]);
}

async function score(ort, session, io, data, batch) {
  const outputs = [];
  let correct = 0;
  for (let start = 0; start < data.count; start += batch) {
    const n = Math.min(batch, data.count - start);
    const result = await session.run({[io.input]: makeBatch(ort, io, data, start, n)});
    const y = result[io.output];
    if (y.dims.length !== 2 || y.dims[0] !== n) throw new Error(`output ${io.output} has dimensions [${y.dims.join(', ')}] for a batch of ${n}`);
    const k = y.dims[1];
    for (let i = 0; i < n; ++i) {
      const row = Array.from(y.data.subarray(i * k, (i + 1) * k));
      let best = 0;
      for (let j = 1; j < k; ++j) if (row[j] > row[best]) best = j;  // the first of equal maxima
      if (best === data.labels[start + i]) ++correct;
      outputs.push(row);
    }
  }
  return {correct, outputs};
}

async function bench(ort, file, data, repeat) {
  const session = await ort.InferenceSession.create(file, sessionOptions(1));
  const io = describe(session, file);
  for (const batch of io.fixedBatch ? [io.fixedBatch] : [1, 100]) {
    const batches = [];  // every test image, made into tensors before the clock starts
    for (let start = 0; start + batch <= data.count; start += batch) batches.push(makeBatch(ort, io, data, start, batch));
    for (let i = 0; i < Math.min(200 / batch, batches.length); ++i) await session.run({[io.input]: batches[i]});  // warm-up
    const rates = [];
    for (let r = 0; r < repeat; ++r) {
      const t0 = process.hrtime.bigint();
      for (const b of batches) await session.run({[io.input]: b});
      rates.push(batches.length * batch / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
    rates.sort((a, b) => a - b);
    console.log(`ort_score: ${path.basename(file)}: batch ${batch}: ${rates[rates.length >> 1].toFixed(0)} images/s ` +
                `(median of ${repeat} runs over ${batches.length * batch} images: ${rates[0].toFixed(0)} .. ` +
                `${rates[rates.length - 1].toFixed(0)}; 1 thread, ONNX Runtime ${ort.env.versions.node})`);
  }
  await session.release();
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    throw new Error(`onnxruntime-node not found (scripts/deps_npm.sh installs it; NODE_PATH=${process.env.NODE_PATH || ''}): ${e.message}`);
  }
  const data = loadTest(o.data);
  const session = await ort.InferenceSession.create(o.model, sessionOptions(o.threads));
  const io = describe(session, o.model);
  const batch = io.fixedBatch || o.batch;
  const t0 = process.hrtime.bigint();
  const {correct, outputs} = await score(ort, session, io, data, batch);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await session.release();
  const tmp = o.out + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify({correct, images: data.count, input: io.input, output: io.output, type: io.type,
                                        runtime: ort.env.versions.node, outputs}));
  fs.renameSync(tmp, o.out);
  console.log(`ort_score: ${o.model}: ${correct} / ${data.count} (${(100 * correct / data.count).toFixed(2)}%), ` +
              `input ${io.input} ${io.type} [N, ${io.rest.join(', ')}], batch ${batch}, ${seconds.toFixed(2)} s; wrote ${o.out}`);
  if (o.bench) await bench(ort, o.model, data, o.repeat);
}

main().catch((e) => {
  process.stderr.write(`ort_score: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
